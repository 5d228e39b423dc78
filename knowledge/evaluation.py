"""Labelled evaluation questions (knowledge/eval/*.yaml), the fixed dev / held-out split, and the metrics."""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from knowledge.loader import load_list

EVAL_DIR = Path(__file__).parent / "eval"
# Other names labellers use for the status features of knowledge.personal (singular forms, "result").
KIND_ALIASES = {"upload": "uploads", "recommender": "recommenders", "result": "review", "results": "review",
                "serial-number": "serial", "registration": "status"}
HELD_OUT_PERCENT = 30
Split = Literal["dev", "held-out"]


class EvalItem(BaseModel):
    """One labelled question: what the knowledge base must do with it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str
    expect: Literal["answered", "ambiguous", "unsure", "personal"]
    entry: str | None = None
    topic: str | None = None
    round: str | None = None
    kind: str | None = None  # for personal: the feature expected (serial, payment, ...)
    note: str | None = None

    @model_validator(mode="after")
    def _entry_when_answered(self) -> EvalItem:
        if self.expect == "answered" and not self.entry:
            raise ValueError("an 'answered' item needs the expected 'entry'")
        return self

    @property
    def split(self) -> Split:
        """Fixed split by a stable hash of the question text: about 30% held out, never used to tune."""
        return split_of(self.q)


def split_of(question: str) -> Split:
    """'held-out' when the first 4 bytes of SHA-1(question, stripped) mod 100 fall below HELD_OUT_PERCENT."""
    digest = hashlib.sha1(question.strip().encode("utf-8")).digest()
    return "held-out" if int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT else "dev"


def load_eval(folder: Path = EVAL_DIR) -> list[EvalItem]:
    """All evaluation items in `folder` (each file a YAML list); errors name file and line."""
    return load_list(folder, EvalItem)


@dataclass(frozen=True)
class Prediction:
    """What a system said about one question."""

    status: str
    entry_id: str | None = None
    topic: str | None = None
    personal_kind: str | None = None


def is_correct(item: EvalItem, prediction: Prediction) -> bool:
    """Whether `prediction` is the labelled behaviour (right entry, right kind where labelled)."""
    if prediction.status != item.expect:
        return False
    if item.expect == "answered":
        return prediction.entry_id == item.entry
    if item.expect == "ambiguous" and item.topic:
        return prediction.topic == item.topic
    if item.expect == "personal" and item.kind:
        wanted = KIND_ALIASES.get(item.kind, item.kind)
        return prediction.personal_kind == wanted
    return True


@dataclass(frozen=True)
class Metrics:
    """The figures the harness reports for one system on one split."""

    items: int
    top1: float  # of `answered` items: answered with the right entry
    unsure_precision: float  # of the `unsure` outputs: labelled unsure
    unsure_recall: float  # of the `unsure` items: output unsure
    ambiguous: float  # of `ambiguous` items: detected as ambiguous (status only)
    personal: float  # of `personal` items: detected as personal (status only)
    overall: float  # all items fully correct
    p50_ms: float
    p99_ms: float


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else float("nan")


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile of `values` (nan for none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(percent / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def measure(
    items: Iterable[EvalItem], predictions: Sequence[Prediction], latencies_ms: Sequence[float]
) -> Metrics:
    """Compute the metrics of `predictions` (one per item, same order) and their latencies."""
    pairs = list(zip(items, predictions, strict=True))

    def count(test: Callable[[EvalItem, Prediction], bool]) -> int:
        return sum(1 for item, prediction in pairs if test(item, prediction))

    answered = count(lambda i, _: i.expect == "answered")
    said_unsure = count(lambda _, p: p.status == "unsure")
    unsure = count(lambda i, _: i.expect == "unsure")
    return Metrics(
        items=len(pairs),
        top1=_ratio(count(lambda i, p: i.expect == "answered" and is_correct(i, p)), answered),
        unsure_precision=_ratio(count(lambda i, p: p.status == "unsure" == i.expect), said_unsure),
        unsure_recall=_ratio(count(lambda i, p: p.status == "unsure" == i.expect), unsure),
        ambiguous=_ratio(
            count(lambda i, p: i.expect == "ambiguous" == p.status),
            count(lambda i, _: i.expect == "ambiguous"),
        ),
        personal=_ratio(
            count(lambda i, p: i.expect == "personal" == p.status),
            count(lambda i, _: i.expect == "personal"),
        ),
        overall=_ratio(count(is_correct), len(pairs)),
        p50_ms=statistics.median(latencies_ms) if latencies_ms else float("nan"),
        p99_ms=percentile(latencies_ms, 99),
    )
