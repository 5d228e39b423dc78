"""Ranking curated entries for a question: TF-IDF over inverted indexes, refined with rapidfuzz.

Each entry question ("variant") becomes a weighted token vector (character bigrams / unigrams, English
words, canonical synonyms). An entry is scored on four things, combined with weights tuned on the dev split:

- cosine: the best variant's TF-IDF cosine with the question;
- fuzzy: rapidfuzz's ratio between the question and that variant (word order, near-misses);
- question cover: the share of the question's weight found anywhere in the entry's questions;
- answer cover: the same share found in the entry's questions and answers (applicants use the answer's words).

Tokens no entry question uses get the highest IDF, so "宿舍" in a question pulls every score down: that is
what makes out-of-scope questions come out unsure.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter, mul

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from knowledge.entries import Entry
from knowledge.normalize import Analysis, is_unigram
from knowledge.rounds import ALL_ROUNDS

Vector = dict[str, float]
SHORTLIST = 30
VARIANT_SHORTLIST = 150


class MatchWeights(BaseModel):
    """How the four features add up to an entry's score (fitted on the dev split)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cosine: float = 0.3
    fuzzy: float = 0.1
    question_cover: float = 0.1
    answer_cover: float = 0.5


@dataclass(frozen=True)
class Scored:
    """An entry, its score and the features it was computed from."""

    entry: Entry
    score: float
    cosine: float
    fuzzy: float
    question_cover: float
    answer_cover: float


@dataclass(frozen=True)
class _Variant:
    entry_index: int
    text: str
    vector: Vector
    norm: float


class IdfTable:
    """Inverse document frequencies; a token never seen gets the highest weight."""

    def __init__(self, documents: Sequence[Collection[str]]) -> None:
        counts: dict[str, int] = defaultdict(int)
        for tokens in documents:
            for token in set(tokens):
                counts[token] += 1
        total = len(documents)
        self._idf = {t: math.log((total + 1) / (n + 0.5)) for t, n in counts.items()}
        self.unseen = math.log((total + 1) / 0.5)

    def __call__(self, token: str) -> float:
        return self._idf.get(token, self.unseen)

    def vector(self, analysis: Analysis) -> Vector:
        """The TF-IDF vector of an analysed text (a repeated token counts once, at its highest weight)."""
        vector: Vector = {}
        for token, weight in analysis.tokens:
            value = weight * self(token)
            if value > vector.get(token, 0.0):
                vector[token] = value
        return vector


def norm(vector: Vector) -> float:
    """Euclidean length of a sparse vector."""
    return math.sqrt(sum(v * v for v in vector.values())) or 1.0


def postings(token_sets: Sequence[Collection[str]]) -> dict[str, array[int]]:
    """Token -> the positions of the sets that contain it, in order."""
    # Arrays of machine integers: a list holds a pointer to an int object per posting (the bot's memory budget).
    index: dict[str, array[int]] = defaultdict(lambda: array("I"))
    for position, tokens in enumerate(token_sets):
        for token in tokens:
            index[token].append(position)
    return dict(index)


class Matcher:
    """Scores entries against an analysed question."""

    def __init__(
        self,
        entries: Sequence[Entry],
        analyze_question: Callable[[str], Analysis],
        analyze_text: Callable[[str], Analysis],
    ) -> None:
        self.entries = tuple(entries)
        analysed: list[tuple[int, Analysis]] = []
        for index, entry in enumerate(self.entries):
            for question in (*entry.questions.zh, *entry.questions.en):
                analysed.append((index, analyze_question(question)))
        question_tokens: list[set[str]] = [set() for _ in self.entries]
        for index, analysis in analysed:
            question_tokens[index].update(t for t, _ in analysis.tokens)
        answer_tokens = [
            question_tokens[i] | {t for text in (e.answer.zh, e.answer.en) for t, _ in analyze_text(text).tokens}
            for i, e in enumerate(self.entries)
        ]
        self.idf = IdfTable(question_tokens)
        self._entry_tokens = {e.id: frozenset(tokens) for e, tokens in zip(self.entries, answer_tokens, strict=True)}
        self._question_index = postings(question_tokens)
        self._answer_index = postings(answer_tokens)
        self._variants: list[_Variant] = []
        self._variant_rounds: list[str] = []  # each variant's round, for filtering candidates cheaply
        # Per token: the variants' positions and weights, as two arrays (compact; see postings).
        variant_index: dict[str, tuple[array[int], array[float]]] = defaultdict(lambda: (array("I"), array("d")))
        for index, analysis in analysed:
            vector = self.idf.vector(analysis)
            position = len(self._variants)
            self._variants.append(_Variant(index, analysis.text, vector, norm(vector)))
            self._variant_rounds.append(self.entries[index].round)
            for token, value in vector.items():
                positions, weights = variant_index[token]
                positions.append(position)
                weights.append(value)
        self._variant_index = dict(variant_index)

    def knows(self, token: str) -> bool:
        """Whether any entry (question or answer) contains `token`."""
        return token in self._answer_index

    def asked(self, token: str) -> bool:
        """Whether any entry's question contains `token`."""
        return token in self._question_index

    def entry_tokens(self, entry_id: str) -> frozenset[str]:
        """Every token of the entry's questions and answers."""
        return self._entry_tokens[entry_id]

    def rank(
        self,
        question: Analysis,
        rounds: Collection[str] | None = None,
        weights: MatchWeights | None = None,
        limit: int = 10,
    ) -> list[Scored]:
        """Entries best first (at most `limit`), only from `rounds` (plus `all`) when given."""
        weights = weights or MatchWeights()
        vector = self.idf.vector(question)
        total = sum(vector.values())
        if not total:
            return []
        q_norm = norm(vector)
        # Candidates come from words and bigrams (short posting lists); single characters only refine the
        # exact cosine of the candidates, unless the question has nothing else.
        cover_vector = {t: v for t, v in vector.items() if not is_unigram(t)} or vector
        partial: dict[int, float] = defaultdict(float)
        for token, value in cover_vector.items():
            postings = self._variant_index.get(token)
            if postings is None:
                continue
            for position, weight in zip(*postings, strict=True):
                partial[position] += value * weight
        if rounds is None:
            allowed: Collection[tuple[int, float]] = partial.items()
        else:
            wanted, variant_rounds = {ALL_ROUNDS, *rounds}, self._variant_rounds
            allowed = [(p, d) for p, d in partial.items() if variant_rounds[p] in wanted]
        # `partial` is already the dot product over the cover tokens; the single characters are added here.
        # (map over C functions rather than a generator: this runs 150 times per question.)
        rest_tokens = [t for t in vector if t not in cover_vector]
        rest_values = [vector[t] for t in rest_tokens]
        best_variant: dict[int, tuple[float, int]] = {}
        for position, dot in heapq.nlargest(VARIANT_SHORTLIST, allowed, key=itemgetter(1)):
            variant = self._variants[position]
            if rest_tokens:
                dot += sum(map(mul, rest_values, map(variant.vector.get, rest_tokens, repeat(0.0))))
            cosine = dot / (q_norm * variant.norm)
            if cosine > best_variant.get(variant.entry_index, (-1.0, 0))[0]:
                best_variant[variant.entry_index] = (cosine, position)
        # Cover counts words and bigrams only: single characters are found in almost any long answer.
        cover_total = sum(cover_vector.values()) or 1.0
        question_cover = self._cover(cover_vector, self._question_index)
        answer_cover = self._cover(cover_vector, self._answer_index)
        candidates = set(heapq.nlargest(SHORTLIST, best_variant, key=lambda i: best_variant[i][0]))
        candidates.update(
            i for i in heapq.nlargest(SHORTLIST, answer_cover, key=answer_cover.__getitem__)
            if rounds is None or self._round_ok(i, rounds)
        )
        scored = []
        for entry_index in candidates:
            cosine, position = best_variant.get(entry_index, (0.0, -1))
            fuzzy = fuzz.ratio(question.text, self._variants[position].text) / 100.0 if position >= 0 else 0.0
            q_cover = question_cover.get(entry_index, 0.0) / cover_total
            a_cover = answer_cover.get(entry_index, 0.0) / cover_total
            score = (
                weights.cosine * cosine + weights.fuzzy * fuzzy
                + weights.question_cover * q_cover + weights.answer_cover * a_cover
            )
            scored.append(Scored(self.entries[entry_index], score, cosine, fuzzy, q_cover, a_cover))
        return heapq.nlargest(limit, scored, key=lambda s: s.score)

    @staticmethod
    def _cover(vector: Vector, index: dict[str, array[int]]) -> dict[int, float]:
        covered: dict[int, float] = defaultdict(float)
        for token, value in vector.items():
            for entry_index in index.get(token, ()):
                covered[entry_index] += value
        return covered

    def _round_ok(self, entry_index: int, rounds: Collection[str]) -> bool:
        entry_round = self.entries[entry_index].round
        return entry_round == ALL_ROUNDS or entry_round in rounds
