"""The evaluation split and metrics, and the matcher's speed on the evaluation questions."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

from bench.faq_unseen import Unseen, data_without, near_misses, phrasings, round_of
from knowledge import KnowledgeBase
from knowledge.base import build_knowledge
from knowledge.evaluation import EvalItem, Prediction, is_correct, measure, percentile, split_of
from knowledge.loader import DATA_DIR


def test_split_is_stable_and_about_thirty_percent() -> None:
    assert split_of("報名費多少") == split_of(" 報名費多少 ")
    questions = [f"question {n}" for n in range(2000)]
    held_out = sum(split_of(q) == "held-out" for q in questions) / len(questions)
    assert 0.27 < held_out < 0.33
    assert [split_of(q) for q in questions[:20]] == [split_of(q) for q in questions[:20]]


def test_is_correct_checks_entry_topic_and_kind() -> None:
    answered = EvalItem(q="q", expect="answered", entry="a.fee")
    assert is_correct(answered, Prediction("answered", "a.fee"))
    assert not is_correct(answered, Prediction("answered", "a.photo"))
    ambiguous = EvalItem(q="q", expect="ambiguous", topic="fee")
    assert is_correct(ambiguous, Prediction("ambiguous", topic="fee"))
    assert not is_correct(ambiguous, Prediction("ambiguous", topic="photo-spec"))
    personal = EvalItem(q="q", expect="personal", kind="serial")
    assert not is_correct(personal, Prediction("personal", personal_kind="payment"))


def test_measure() -> None:
    items = [
        EvalItem(q="1", expect="answered", entry="e1"),
        EvalItem(q="2", expect="answered", entry="e2"),
        EvalItem(q="3", expect="unsure"),
        EvalItem(q="4", expect="unsure"),
        EvalItem(q="5", expect="ambiguous"),
    ]
    predictions = [
        Prediction("answered", "e1"), Prediction("unsure"), Prediction("unsure"),
        Prediction("answered", "e9"), Prediction("ambiguous"),
    ]
    metrics = measure(items, predictions, [1.0, 2.0, 3.0, 4.0, 100.0])
    assert metrics.top1 == 0.5 and metrics.unsure_precision == 0.5 and metrics.unsure_recall == 0.5
    assert metrics.ambiguous == 1.0 and math.isnan(metrics.personal) and metrics.overall == 0.6
    assert metrics.p50_ms == 3.0 and metrics.p99_ms == 100.0
    assert percentile([5.0], 99) == 5.0


def test_harness_runs_and_compares_three_systems() -> None:
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "bench.faq_eval", "--dev-only"], cwd=repo, capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = {tuple(line.split()[:2]) for line in result.stdout.splitlines() if line.startswith("dev ")}
    assert rows == {("dev", "ours"), ("dev", "wratio"), ("dev", "bm25")}
    assert not any(line.startswith("held-out") for line in result.stdout.splitlines())  # stays unseen


def test_unseen_yardstick_takes_exactly_the_held_questions_out(tmp_path: Path, real_kb: KnowledgeBase) -> None:
    # bench/faq_unseen.py asks back phrasings and near misses taken out of a copy of the data.
    held = Unseen(
        phrasings=[("ntut105-transfer.fee", "轉學考報名費多少"), ("ntut105-transfer.fee", "transfer exam fee")],
        near_misses=sorted(near_misses(DATA_DIR))[:1],
    )
    copy = data_without(held, tmp_path)
    assert phrasings(copy) == phrasings(DATA_DIR) - set(held.phrasings)
    assert near_misses(copy) == near_misses(DATA_DIR) - set(held.near_misses)
    kb = build_knowledge(copy)  # the copy still loads and validates
    assert len(kb.entries) == len(real_kb.entries)
    assert (round_of("ntut105-transfer.fee"), round_of("all.roc-year"), round_of("ntust-apply")) == (
        "ntut105-transfer", None, "ntust-apply",
    )
