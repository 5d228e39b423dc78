"""Helpers shared by the benchmarks: percentiles and peak resident memory."""

from __future__ import annotations

import resource
import statistics


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    """p50 and p99 of latencies in milliseconds."""
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return statistics.median(samples_ms), cuts[98]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
