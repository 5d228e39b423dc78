"""Evaluate the FAQ matcher against two baselines on the labelled questions (knowledge/eval/*.yaml).

    python -m bench.faq_eval                # table for dev and held-out, our matcher and both baselines
    python -m bench.faq_eval --markdown     # the same as a Markdown table (docs/benchmarks.md)
    python -m bench.faq_eval --failures     # also list the DEV items we get wrong (never held-out ones)
    python -m bench.faq_eval --calibrate    # fit the confidence on DEV only, write knowledge/data/calibration.yaml
    python -m bench.faq_eval --calibrate --keep-weights   # the same with the matcher's current weights (faster)
    python -m bench.faq_eval --dev-only     # measure dev only (use while tuning, so held-out stays unseen)

Baselines (same entries, same dev-tuned unsure threshold, same context round filter when an item gives one;
they cannot say "ambiguous" or "personal"):
  wratio: rapidfuzz.process.extractOne(question, all entry questions, scorer=WRatio)
  bm25:   bm25s over jieba tokens of all entry questions
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import jieba
import numpy as np
import yaml
from rapidfuzz import fuzz, process, utils

from knowledge import Answer, KnowledgeBase, KnowledgeDataError, load_knowledge
from knowledge.base import Calibration, Decision, build_knowledge
from knowledge.evaluation import EvalItem, Metrics, Prediction, is_correct, load_eval, measure
from knowledge.loader import DATA_DIR
from knowledge.matcher import MatchWeights
from knowledge.rounds import ALL_ROUNDS

CALIBRATION_FILE = DATA_DIR / "calibration.yaml"
FINALISTS = 3  # weight combinations whose thresholds are tuned in full


@dataclass(frozen=True)
class Run:
    """Predictions and per-question latencies of one system over a list of items."""

    predictions: list[Prediction]
    latencies_ms: list[float]


def timed(items: Sequence[EvalItem], predict: Callable[[EvalItem], Prediction], repeats: int = 3) -> Run:
    """Run `predict` on every item; an item's latency is the fastest of `repeats` calls.

    Taking the fastest call keeps other processes on this shared 2-core machine out of the figures.
    """
    predictions, latencies = [], []
    for item in items:
        fastest = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            prediction = predict(item)
            fastest = min(fastest, time.perf_counter() - start)
        predictions.append(prediction)
        latencies.append(fastest * 1000)
    return Run(predictions, latencies)


def to_prediction(answer: Answer) -> Prediction:
    """Our Answer as a Prediction."""
    return Prediction(answer.status, answer.entry_id, answer.topic, answer.personal_kind)


class Baseline:
    """A plain retriever over the entries' questions with one dev-tuned unsure threshold."""

    name = ""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.pools: dict[str | None, list[tuple[str, str]]] = {None: []}
        for entry in kb.entries:
            for question in (*entry.questions.zh, *entry.questions.en):
                self.pools[None].append((question, entry.id))
        for rnd in kb.rounds:
            self.pools[rnd.id] = [
                (q, e) for q, e in self.pools[None] if kb.entry(e).round in (rnd.id, ALL_ROUNDS)
            ]
        self.threshold = 0.0

    def best(self, item: EvalItem) -> tuple[str, float]:
        """The best entry id and its score."""
        raise NotImplementedError

    def predict(self, item: EvalItem) -> Prediction:
        """Answer with the best entry unless its score is below the threshold."""
        entry_id, score = self.best(item)
        return Prediction("answered", entry_id) if score >= self.threshold else Prediction("unsure")

    def tune(self, dev: Sequence[EvalItem]) -> None:
        """Pick the threshold that maximises overall correctness on the dev items."""
        scored = [self.best(item) for item in dev]
        best_value, best_threshold = -1.0, 0.0
        for threshold in sorted({s for _, s in scored}) + [math.inf]:
            correct = sum(
                1 for item, (entry_id, score) in zip(dev, scored, strict=True)
                if (item.expect == "unsure" and score < threshold)
                or (item.expect == "answered" and score >= threshold and entry_id == item.entry)
            )
            if correct > best_value:
                best_value, best_threshold = correct, threshold
        self.threshold = best_threshold


class WRatioBaseline(Baseline):
    """rapidfuzz.process.extractOne with WRatio over the entry questions."""

    name = "wratio"

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__(kb)
        self.choices = {key: [q for q, _ in pool] for key, pool in self.pools.items()}

    def best(self, item: EvalItem) -> tuple[str, float]:
        key = item.round if item.round in self.pools else None
        result = process.extractOne(
            item.q, self.choices[key], scorer=fuzz.WRatio, processor=utils.default_process
        )
        if result is None:
            return "", 0.0
        _, score, index = result
        return self.pools[key][index][1], score


class BM25Baseline(Baseline):
    """bm25s over jieba tokens of the entry questions."""

    name = "bm25"

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__(kb)
        self.indexes = {}
        for key, pool in self.pools.items():
            index = bm25s.BM25()
            index.index([self.tokens(q) for q, _ in pool], show_progress=False)
            self.indexes[key] = index

    @staticmethod
    def tokens(text: str) -> list[str]:
        """Lower-cased jieba tokens without spaces and punctuation."""
        return [t for t in jieba.lcut(text.lower()) if t.strip() and (t.isalnum() or len(t) > 1)] or ["_"]

    def best(self, item: EvalItem) -> tuple[str, float]:
        key = item.round if item.round in self.pools else None
        documents, scores = self.indexes[key].retrieve([self.tokens(item.q)], k=1, show_progress=False)
        return self.pools[key][int(documents[0][0])][1], float(scores[0][0])


def ours(kb: KnowledgeBase) -> Callable[[EvalItem], Prediction]:
    """Our knowledge base as a predictor."""
    return lambda item: to_prediction(kb.ask(item.q, round_id=item.round))


def calibrate(
    kb: KnowledgeBase, dev: Sequence[EvalItem], weight_grid: Sequence[MatchWeights] | None = None
) -> Calibration:
    """Choose feature weights, fit the confidence and pick thresholds, on dev items only.

    1. For each weight combination on a small grid: rank the dev questions, fit a logistic confidence on
       (score, margin, unknown share, uncovered share) with "the top entry is right" as the label, and find the
       unsure threshold that scores best (overall correctness plus unsure precision and recall).
    2. For the few best weights of step 1: the ambiguity margin, the minimum score and the unknown-word limit,
       with the threshold again (the best weights alone can lose to a runner-up once these are tuned too).
    3. The brochure-quote threshold: the lowest that loses nothing on dev.

    `weight_grid` replaces the grid of step 1 (`--keep-weights` passes the current weights alone).

    The logistic confidence is fitted as if scope.yaml's off_topics and incidental lists were empty: the lists
    were written from the dev questions the matcher got wrong, so with them the out-of-scope questions left
    for the fit are the easy ones, and held-out questions about subjects nobody listed look nothing like
    them. Without the lists the fit learns from every out-of-scope dev question, the way a new subject
    meets the matcher. The thresholds are then chosen on the real answers (lists included).
    """
    bare = kb.without_subject_lists()
    # The questions a list routes to "unsure" (routing does not depend on the weights).
    listed = [
        isinstance(kb.decide(item.q, item.round), Answer) and isinstance(bare.decide(item.q, item.round), Decision)
        for item in dev
    ]

    def rank(weights: MatchWeights) -> tuple[list[Answer | Decision], list[Answer | Decision]]:
        """The decisions without the lists (to fit on) and with them (to choose thresholds on)."""
        bare_decisions = [bare.decide(item.q, item.round, weights=weights) for item in dev]
        real = [Answer("unsure", "", "zh") if hit else d for d, hit in zip(bare_decisions, listed, strict=True)]
        return bare_decisions, real

    shortlist: list[tuple[float, Calibration]] = []
    for weights in weight_grid or _weight_grid():
        bare_decisions, decisions = rank(weights)
        fitted = _fit(kb, dev, bare_decisions).model_copy(
            update={"weights": weights, "passage": 2.0, "ambiguity": 1.0}
        )
        shortlist.append(_best_threshold(kb, dev, decisions, [fitted]))
    shortlist.sort(key=lambda vc: vc[0], reverse=True)
    best: tuple[float, Calibration, list[Answer | Decision]] = (-1.0, Calibration(), [])
    for _, fitted in shortlist[:FINALISTS]:
        _, decisions = rank(fitted.weights)
        variants = [
            fitted.model_copy(update={"ambiguity": ambiguity, "min_score": min_score, "max_unknown": max_unknown})
            for ambiguity in (0.05, 0.1, 0.2, 0.3, 1.0)
            for min_score in (0.0, 0.15, 0.2, 0.25, 0.3)
            for max_unknown in (0.5, 0.6, 0.7, 0.8, 1.0)
        ]
        value, candidate = _best_threshold(kb, dev, decisions, variants)
        if value > best[0]:
            best = (value, candidate, decisions)
    value, chosen, decisions = best
    for passage in (0.95, 0.9, 0.85, 0.8, 0.75, 0.7):
        candidate = chosen.model_copy(update={"passage": passage})
        predictions = [to_prediction(d if isinstance(d, Answer) else kb.answer_for(d, candidate)) for d in decisions]
        if _objective(measure(dev, predictions, [0.0])) < value:
            break
        chosen = candidate
    return chosen


def _best_threshold(
    kb: KnowledgeBase, dev: Sequence[EvalItem], decisions: Sequence[Answer | Decision],
    calibrations: Sequence[Calibration],
) -> tuple[float, Calibration]:
    """The calibration and unsure threshold with the best dev objective (quotes switched off)."""
    best: tuple[float, Calibration] = (-1.0, calibrations[0])
    for calibration in calibrations:
        quiet = calibration.model_copy(update={"passage": 2.0})
        confidences = [calibration.confidence(d) if isinstance(d, Decision) else 1.0 for d in decisions]
        for threshold in np.arange(0.1, 0.91, 0.025):
            candidate = quiet.model_copy(update={"threshold": round(float(threshold), 3)})
            predictions = [
                to_prediction(d) if isinstance(d, Answer)
                else Prediction("unsure") if c < threshold
                else to_prediction(kb.answer_for(d, candidate))
                for d, c in zip(decisions, confidences, strict=True)
            ]
            value = _objective(measure(dev, predictions, [0.0]))
            if value > best[0]:
                best = (value, candidate.model_copy(update={"passage": calibration.passage}))
    return best


def _weight_grid() -> list[MatchWeights]:
    grid = []
    for cosine in (0.3, 0.4, 0.5, 0.6, 0.7):
        for fuzzy in (0.0, 0.1, 0.2, 0.3):
            for question in (0.0, 0.1, 0.2, 0.3):
                answer = round(1 - cosine - fuzzy - question, 3)
                if answer < 0:
                    continue
                # The centroid is added on top: the best variant's cosine stays the base of the score.
                for centroid in (0.0, 0.25, 0.5):
                    grid.append(MatchWeights(
                        cosine=cosine, fuzzy=fuzzy, question_cover=question, answer_cover=answer, centroid=centroid
                    ))
    return grid


def _objective(metrics: Metrics) -> float:
    # Unsure recall and precision count as much as top-1: a wrong answer is worse than "unsure".
    return metrics.overall + 0.5 * (metrics.unsure_precision + metrics.unsure_recall)


def _fit(kb: KnowledgeBase, dev: Sequence[EvalItem], decisions: Sequence[Answer | Decision]) -> Calibration:
    usable = [
        (item, d) for item, d in zip(dev, decisions, strict=True)
        if isinstance(d, Decision) and item.expect != "personal"
    ]
    features = np.array(
        [[d.score, d.margin, d.unknown, d.uncovered, d.near_miss, d.nearest_miss] for _, d in usable]
    )
    labels = np.array([1.0 if _top_is_right(kb, item, d) else 0.0 for item, d in usable])
    slope, margin, unknown, uncovered, near_miss, nearest_miss, intercept = _logistic(features, labels)
    return Calibration(
        slope=slope, margin=margin, unknown=unknown, uncovered=uncovered, near_miss=near_miss,
        nearest_miss=nearest_miss, intercept=intercept,
    )


def _top_is_right(kb: KnowledgeBase, item: EvalItem, decision: Decision) -> bool:
    if not decision.ranked or item.expect == "unsure":
        return False
    top = decision.ranked[0].entry
    if item.expect == "answered":
        return top.id == item.entry
    return item.topic is None or top.topic == item.topic


def _logistic(x: np.ndarray, y: np.ndarray, steps: int = 3000, rate: float = 0.5) -> list[float]:
    """Plain gradient-descent logistic regression with a bias; returns [w1, ..., wn, bias]."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        w -= rate * (design.T @ (p - y) / len(y) + 1e-3 * np.r_[w[:-1], 0])
    return [round(float(v), 4) for v in w]


def write_calibration(calibration: Calibration, path: Path = CALIBRATION_FILE) -> None:
    """Save the fitted calibration with a header saying where it comes from."""
    header = (
        "# Confidence calibration, fitted on the DEV split by `python -m bench.faq_eval --calibrate`.\n"
        "# confidence = sigmoid(slope * score + margin * (score - best other topic)\n"
        "#                      + unknown * (share of words found in no entry and no brochure)\n"
        "#                      + uncovered * (share of the subject characters the best entry does not explain)\n"
        "#                      + near_miss * (how much closer a question of near_misses.yaml is than the best\n"
        "#                                     entry's closest question)\n"
        "#                      + nearest_miss * (that question's cosine, closer or not) + intercept).\n"
        "# Unsure below `threshold`, below `min_score` or above `max_unknown`; `ambiguity`: how close another\n"
        "# round's entry on the same topic must score to make the answer depend on the round; `passage`: share\n"
        "# of the question a brochure paragraph must cover to be quoted; `weights`: the matcher's features.\n"
        "# Re-run the command after changing entries rather than editing by hand.\n"
    )
    path.write_text(header + yaml.safe_dump(calibration.model_dump(), sort_keys=False), encoding="utf-8")


def cold_load_seconds(cached: bool) -> float:
    """Wall time of a fresh interpreter importing and loading the knowledge base (best of 3), building it
    (the cache off) or reading back the built one (knowledge/cache.py; the first run fills the cache)."""
    code = "import time; t=time.perf_counter(); from knowledge import load_knowledge; load_knowledge(); " \
           "print(time.perf_counter()-t)"
    env = os.environ if cached else {**os.environ, "KNOWLEDGE_CACHE_DIR": ""}
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 env=env).stdout) for _ in range(3)]  # fmt: skip
    return min(runs)


def _format(metrics: Metrics) -> list[str]:
    def pct(value: float) -> str:
        return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"

    return [
        str(metrics.items), pct(metrics.top1), pct(metrics.unsure_precision), pct(metrics.unsure_recall),
        pct(metrics.ambiguous), pct(metrics.personal), pct(metrics.overall),
        f"{metrics.p50_ms:.3f}", f"{metrics.p99_ms:.3f}",
    ]


HEADER = ["split", "system", "items", "top-1", "unsure P", "unsure R", "ambiguous", "personal", "overall",
          "p50 ms", "p99 ms"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--failures", action="store_true", help="list dev items we get wrong")
    parser.add_argument("--calibrate", action="store_true", help="fit the calibration on dev and save it")
    parser.add_argument(
        "--keep-weights", action="store_true",
        help="with --calibrate: keep the matcher's weights, refit only the confidence and thresholds",
    )
    parser.add_argument("--dev-only", action="store_true", help="measure the dev split only (while tuning)")
    parser.add_argument(
        "--without-lists", action="store_true",
        help="ignore scope.yaml's off_topics and incidental lists: how the matcher's features alone do",
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    kb = build_knowledge(DATA_DIR)  # timed without the cache: what a changed data file costs
    load_seconds = time.perf_counter() - start
    known = {e.id for e in kb.entries}
    items = load_eval()
    dangling = [i for i in items if i.entry and i.entry not in known]
    items = [i for i in items if i not in dangling]
    dev = [i for i in items if i.split == "dev"]
    held_out = [i for i in items if i.split == "held-out"]

    if args.calibrate:
        calibration = calibrate(kb, dev, [kb.calibration.weights] if args.keep_weights else None)
        write_calibration(calibration)
        print(f"calibration written to {CALIBRATION_FILE}: {calibration.model_dump()}")
        kb = load_knowledge()
    if args.without_lists:
        kb = kb.without_subject_lists()

    baselines: list[Baseline] = [WRatioBaseline(kb), BM25Baseline(kb)]
    for baseline in baselines:
        baseline.tune(dev)
    systems: list[tuple[str, Callable[[EvalItem], Prediction]]] = [("ours", ours(kb))]
    systems += [(b.name, b.predict) for b in baselines]
    for _, predict in systems:  # warm-up, so first-call costs do not count as latency
        for item in dev[:20]:
            predict(item)

    rows = []
    splits = [("dev", dev)] if args.dev_only else [("dev", dev), ("held-out", held_out)]
    for split_name, split_items in splits:
        for name, predict in systems:
            run = timed(split_items, predict)
            rows.append([split_name, name, *_format(measure(split_items, run.predictions, run.latencies_ms))])
            if args.failures and split_name == "dev" and name == "ours":
                _print_failures(kb, split_items, run.predictions)

    counts = {e: sum(1 for i in items if i.expect == e) for e in ("answered", "ambiguous", "unsure", "personal")}
    print(f"items: {len(items)} ({len(dev)} dev, {len(held_out)} held-out); by label: {counts}")
    if dangling:
        print(f"skipped {len(dangling)} items naming entries that do not exist: "
              + ", ".join(sorted({i.entry or '' for i in dangling})))
    print(f"entries: {len(kb.entries)}; building the knowledge base: {load_seconds:.3f} s in process, "
          f"{cold_load_seconds(cached=False):.3f} s cold (fresh interpreter, imports included); "
          f"load_knowledge() from the cache: {cold_load_seconds(cached=True):.3f} s cold")
    thresholds = ", ".join(f"{b.name} {b.threshold:.3g}" for b in baselines)
    print(f"baseline thresholds (dev-tuned): {thresholds}")
    if args.markdown:
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "---|" * len(HEADER))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(r[i])) for r in [HEADER, *rows]) for i in range(len(HEADER))]
        for row in [HEADER, *rows]:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    return 0


def _print_failures(kb: KnowledgeBase, items: Sequence[EvalItem], predictions: Sequence[Prediction]) -> None:
    for item, prediction in zip(items, predictions, strict=True):
        if not is_correct(item, prediction):
            decision = kb.decide(item.q, item.round)
            detail = ""
            if isinstance(decision, Decision) and decision.ranked:
                top = decision.ranked[0]
                detail = (f" score={top.score:.3f} margin={decision.margin:.3f} unknown={decision.unknown:.2f}"
                          f" top={top.entry.id}")
            wanted = item.entry or item.topic or item.kind or ""
            print(f"FAIL [{item.expect} {wanted} round={item.round}] {item.q!r} -> "
                  f"{prediction.status} {prediction.entry_id or prediction.topic or ''}{detail}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KnowledgeDataError as exc:
        print(f"knowledge data error: {exc}", file=sys.stderr)
        sys.exit(2)

