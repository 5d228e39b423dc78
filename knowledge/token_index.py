"""Inverted indexes held as flat numpy arrays, and the one sum the matchers need from them.

For a weighted question, every row (entry question, entry, passage) needs its sum over the question's tokens
it holds: a sparse matrix-vector product. Done posting by posting in Python, that loop was the bot's largest
cost per question; here it is one `numpy.bincount`. Rows are added up token by token in the question's order,
as the loop did, so the sums are the same floats.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Rows = NDArray[np.intc]


@dataclass(frozen=True)
class Reached:
    """Each row's sum for one question, and the rows the question reached in the order a token-by-token scan
    first reaches them (ties are broken by that order, as `heapq.nlargest` over such a scan would)."""

    sums: Floats
    rows: Rows

    def top(self, k: int, allowed: NDArray[np.bool_] | None = None) -> tuple[list[int], list[float]]:
        """The `k` reached rows (only `allowed` ones when given) with the largest sums, largest first."""
        rows = self.rows if allowed is None else self.rows[allowed[self.rows]]
        sums = self.sums[rows]
        if len(rows) > k:
            # Rows tied with the k-th largest sum all stay, so the stable sort below decides among them.
            kth = np.partition(sums, len(rows) - k)[len(rows) - k]
            keep = np.flatnonzero(sums >= kth)
            rows, sums = rows[keep], sums[keep]
        order = np.argsort(-sums, kind="stable")[:k]
        return rows[order].tolist(), sums[order].tolist()


class TokenIndex:
    """Token -> the rows holding it (with a weight each, or 1), one slice per token of two flat arrays."""

    def __init__(self, rows: Iterable[Mapping[str, float]] | Iterable[Collection[str]]) -> None:
        # Built in machine-value arrays, not lists: a list's int and float objects would stay in the process's
        # resident memory after the build (CPython keeps freed small objects' arenas).
        columns: dict[str, array[int]] = defaultdict(lambda: array("i"))
        weights: dict[str, array[float]] = defaultdict(lambda: array("d"))
        row = -1
        for row, tokens in enumerate(rows):
            for token in tokens:
                columns[token].append(row)
            if isinstance(tokens, Mapping):
                for token, weight in tokens.items():
                    weights[token].append(weight)
        self.size = row + 1
        self._slices: dict[str, tuple[int, int]] = {}
        start = 0
        for token, members in columns.items():
            self._slices[token] = (start, start + len(members))
            start += len(members)
        flat_rows, flat_weights = array("i"), array("d")
        for token, members in columns.items():
            flat_rows.extend(members)
            if weights:
                flat_weights.extend(weights[token])
        self._rows = np.frombuffer(flat_rows, np.intc)
        self._weights = np.frombuffer(flat_weights, np.float64) if weights else None

    def frequencies(self) -> dict[str, int]:
        """How many rows hold each token."""
        return {token: end - start for token, (start, end) in self._slices.items()}

    def __contains__(self, token: str) -> bool:
        return token in self._slices

    def holds(self, token: str, row: int) -> bool:
        """Whether `row` holds `token`."""
        start, end = self._slices.get(token, (0, 0))
        members = self._rows[start:end]  # ascending: rows are added in order
        position = int(np.searchsorted(members, row))
        return position < len(members) and int(members[position]) == row

    def _postings(self, vector: Mapping[str, float]) -> tuple[Rows, Floats]:
        """The postings of `vector`'s tokens, token by token, and each one's value times its weight."""
        spans = [(self._slices[t], v) for t, v in vector.items() if t in self._slices]
        if not spans:
            return np.zeros(0, np.intc), np.zeros(0)
        rows = np.concatenate([self._rows[start:end] for (start, end), _ in spans])
        values = np.repeat([v for _, v in spans], [end - start for (start, end), _ in spans])
        if self._weights is not None:
            values = np.concatenate([self._weights[start:end] for (start, end), _ in spans]) * values
        return rows, values

    def sums(self, vector: Mapping[str, float]) -> Floats:
        """Each row's sum of value x weight over the tokens of `vector` it holds (0 for the others)."""
        rows, values = self._postings(vector)
        return cast(Floats, np.bincount(rows, values, minlength=self.size))  # weighted: floats (the stub says ints)

    def reached(self, vector: Mapping[str, float]) -> Reached:
        """`sums`, with the rows reached in first-reached order."""
        rows, values = self._postings(vector)
        reached, first = np.unique(rows, return_index=True)
        return Reached(cast(Floats, np.bincount(rows, values, minlength=self.size)), reached[np.argsort(first)])


class RowLabels:
    """A label per row (a round id, say), for masks of the rows whose label is among some wanted ones."""

    def __init__(self, labels: Iterable[str]) -> None:
        self._codes: dict[str, int] = {}
        self._rows = np.array([self._codes.setdefault(label, len(self._codes)) for label in labels], np.int32)

    def mask(self, wanted: Iterable[str]) -> NDArray[np.bool_]:
        """True for each row labelled with one of `wanted`."""
        table = np.zeros(len(self._codes), np.bool_)
        table[[self._codes[w] for w in wanted if w in self._codes]] = True
        return table[self._rows]
