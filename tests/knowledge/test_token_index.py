"""The flat-array inverted index against the posting-by-posting loop it replaced."""

from __future__ import annotations

import heapq
import random
from collections import defaultdict

import pytest

from knowledge.token_index import RowLabels, TokenIndex

TOKENS = [f"t{i}" for i in range(12)]


def _rows(seed: int, weighted: bool) -> list[dict[str, float]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(60):
        tokens = rng.sample(TOKENS, rng.randint(0, 6))
        rows.append({t: (rng.choice([0.5, 1.0, 1.7, 2.25]) if weighted else 1.0) for t in tokens})
    return rows


def _loop(rows: list[dict[str, float]], vector: dict[str, float]) -> dict[int, float]:
    """The reference: token by token, posting by posting, first-reached order kept by the dict."""
    sums: dict[int, float] = defaultdict(float)
    for token, value in vector.items():
        for row, weights in enumerate(rows):
            if token in weights:
                sums[row] += value * weights[token]
    return sums


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("weighted", [True, False])
def test_sums_and_top_equal_the_loop(seed: int, weighted: bool) -> None:
    rows = _rows(seed, weighted)
    index = TokenIndex(rows if weighted else [set(r) for r in rows])
    rng = random.Random(seed + 1000)
    vector = {t: rng.choice([0.3, 1.0, 2.5]) for t in rng.sample([*TOKENS, "unknown"], 4)}
    expected = _loop(rows, vector)
    sums = index.sums(vector)
    # Exactly the same floats: the rows are added up in the same order.
    assert {r: s for r, s in enumerate(sums.tolist()) if r in expected} == expected
    assert all(s == 0.0 for r, s in enumerate(sums.tolist()) if r not in expected)
    for k in (1, 5, 100):
        rows_top, sums_top = index.reached(vector).top(k)
        reference = heapq.nlargest(k, expected.items(), key=lambda rs: rs[1])  # ties: first reached first
        assert list(zip(rows_top, sums_top, strict=True)) == reference


def test_top_keeps_only_allowed_rows() -> None:
    rows = [{"a"}, {"a", "b"}, {"b"}, {"a"}]
    index = TokenIndex(rows)
    labels = RowLabels(["x", "y", "x", "z"])
    rows_top, sums_top = index.reached({"a": 1.0, "b": 1.0}).top(10, labels.mask({"x", "z", "missing"}))
    assert rows_top == [0, 3, 2]  # equal sums: in the order "a" then "b" reached them
    assert sums_top == [1.0, 1.0, 1.0]


def test_frequencies_and_membership() -> None:
    index = TokenIndex([{"a", "b"}, {"a"}, set()])
    assert index.size == 3
    assert index.frequencies() == {"a": 2, "b": 1}
    assert "a" in index and "c" not in index
    assert index.sums({"c": 1.0}).tolist() == [0.0, 0.0, 0.0]
    assert index.reached({"c": 1.0}).top(5) == ([], [])


@pytest.mark.parametrize("seed", range(5))
def test_holds_is_row_membership(seed: int) -> None:
    rows = _rows(seed, weighted=False)
    index = TokenIndex(rows)
    for row, tokens in enumerate(rows):
        for token in [*TOKENS, "unknown"]:
            assert index.holds(token, row) == (token in tokens), (row, token)
