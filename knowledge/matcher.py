"""Ranking curated entries for a question: TF-IDF over inverted indexes, refined with rapidfuzz.

Each entry question ("variant") becomes a weighted token vector (character bigrams / unigrams, English
words, canonical synonyms). An entry is scored on five things, combined with weights tuned on the dev split:

- cosine: the best variant's TF-IDF cosine with the question;
- centroid: the cosine with the mean of the entry's variant vectors. The best variant alone follows one way
  of asking; the mean weighs the words an entry's phrasings share, the way a question typed differently
  still shares them;
- fuzzy: rapidfuzz's ratio between the question and that variant (word order, near-misses);
- question cover: the share of the question's weight found anywhere in the entry's questions;
- answer cover: the same share found in the entry's questions and answers (applicants use the answer's words).

Tokens no entry question uses get the highest IDF, so "宿舍" in a question pulls every score down: that is
what makes out-of-scope questions come out unsure.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from knowledge.entries import Entry
from knowledge.normalize import Analysis, is_unigram
from knowledge.rounds import ALL_ROUNDS
from knowledge.token_index import RowLabels, TokenIndex

Vector = dict[str, float]
SHORTLIST = 30
VARIANT_SHORTLIST = 150


class MatchWeights(BaseModel):
    """How the five features add up to an entry's score (fitted on the dev split)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cosine: float = 0.3
    fuzzy: float = 0.1
    question_cover: float = 0.1
    answer_cover: float = 0.5
    centroid: float = 0.0


@dataclass(frozen=True)
class Scored:
    """An entry, its score and the features it was computed from."""

    entry: Entry
    score: float
    cosine: float
    fuzzy: float
    question_cover: float
    answer_cover: float
    centroid: float = 0.0


class IdfTable:
    """Inverse document frequencies; a token never seen gets the highest weight."""

    def __init__(self, documents: TokenIndex) -> None:
        # A token's document frequency is the length of its postings.
        total = documents.size
        self._idf = {t: math.log((total + 1) / (n + 0.5)) for t, n in documents.frequencies().items()}
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


@dataclass(frozen=True)
class EntryTokens:
    """The tokens of one entry's questions and answers, as a container: `token in entry_tokens`."""

    index: TokenIndex
    row: int

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and self.index.holds(token, self.row)


class Matcher:
    """Scores entries against an analysed question."""

    def __init__(
        self,
        entries: Sequence[Entry],
        analyze_question: Callable[[str], Analysis],
        analyze_text: Callable[[str], Analysis],
        near_misses: Sequence[tuple[str, str]] = (),
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
        self._question_index = TokenIndex(question_tokens)
        self.idf = IdfTable(self._question_index)
        self._entry_rows = {e.id: row for row, e in enumerate(self.entries)}
        self._entry_rounds = RowLabels(e.round for e in self.entries)
        self._answer_index = TokenIndex(answer_tokens)
        norms: list[float] = []
        counts = [0] * len(self.entries)
        centroids: list[Vector] = [{} for _ in self.entries]

        def vectors() -> Iterator[Vector]:
            # One variant's vector at a time: all of them at once would raise the process's peak memory.
            for index, analysis in analysed:
                vector = self.idf.vector(analysis)
                length = norm(vector)
                norms.append(length)
                counts[index] += 1
                centroid = centroids[index]
                for token, value in vector.items():
                    centroid[token] = centroid.get(token, 0.0) + value / length
                yield vector

        self._variant_index = TokenIndex(vectors())
        self._variant_norms = np.array(norms)
        # The mean of an entry's unit variant vectors (its length is below 1 as the variants differ).
        for centroid, count in zip(centroids, counts, strict=True):
            for token in centroid:
                centroid[token] /= count or 1
        self._centroid_index = TokenIndex(centroids)
        self._centroid_norms = np.array([norm(centroid) for centroid in centroids])
        self._variant_entries = [index for index, _ in analysed]
        self._variant_texts = [analysis.text for _, analysis in analysed]
        self._variant_rounds = RowLabels(self.entries[index].round for index, _ in analysed)
        near_vectors = [self.idf.vector(analyze_question(question)) for _, question in near_misses]
        self._near_index = TokenIndex(near_vectors)
        self._near_norms = np.array([norm(vector) for vector in near_vectors])
        self._near_rounds = RowLabels(round_id for round_id, _ in near_misses)

    def near_miss(self, question: Analysis, round_id: str) -> float:
        """The best cosine between the question and a question `round_id`'s brochure does not answer (0 if none).

        Only that round's (and all rounds') listed questions count: what one brochure leaves open, another
        may answer (a fee waiver for middle-income families).
        """
        vector = self.idf.vector(question)
        allowed = self._near_rounds.mask({ALL_ROUNDS, round_id})
        if not allowed.any() or not vector:
            return 0.0
        cosines = self._near_index.sums(vector) / (norm(vector) * self._near_norms)
        return float(cosines[allowed].max())

    def knows(self, token: str) -> bool:
        """Whether any entry (question or answer) contains `token`."""
        return token in self._answer_index

    def asked(self, token: str) -> bool:
        """Whether any entry's question contains `token`."""
        return token in self._question_index

    def entry_tokens(self, entry_id: str) -> EntryTokens:
        """Every token of the entry's questions and answers (a view on the answer index, not a copy)."""
        return EntryTokens(self._answer_index, self._entry_rows[entry_id])

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
        wanted = None if rounds is None else {ALL_ROUNDS, *rounds}
        allowed = None if wanted is None else self._variant_rounds.mask(wanted)
        shortlist, dots = self._variant_index.reached(cover_vector).top(VARIANT_SHORTLIST, allowed)
        # The dot products so far are over the cover tokens; the single characters are added here.
        dot = np.array(dots)
        rest = {t: v for t, v in vector.items() if t not in cover_vector}
        if rest:
            dot += self._variant_index.sums(rest)[shortlist]
        cosines = (dot / (q_norm * self._variant_norms[shortlist])).tolist()
        best_variant: dict[int, tuple[float, int]] = {}
        for position, cosine in zip(shortlist, cosines, strict=True):
            entry_index = self._variant_entries[position]
            if cosine > best_variant.get(entry_index, (-1.0, 0))[0]:
                best_variant[entry_index] = (cosine, position)
        # Cover counts words and bigrams only: single characters are found in almost any long answer.
        cover_total = sum(cover_vector.values()) or 1.0
        question_cover = self._question_index.sums(cover_vector).tolist()
        centroids = (self._centroid_index.sums(vector) / (q_norm * self._centroid_norms)).tolist()
        answer_reached = self._answer_index.reached(cover_vector)
        answer_cover = answer_reached.sums.tolist()
        candidates = set(heapq.nlargest(SHORTLIST, best_variant, key=lambda i: best_variant[i][0]))
        round_ok = None if wanted is None else self._entry_rounds.mask(wanted)
        candidates.update(i for i in answer_reached.top(SHORTLIST)[0] if round_ok is None or round_ok[i])
        scored = []
        for entry_index in candidates:
            cosine, position = best_variant.get(entry_index, (0.0, -1))
            fuzzy = fuzz.ratio(question.text, self._variant_texts[position]) / 100.0 if position >= 0 else 0.0
            q_cover = question_cover[entry_index] / cover_total
            a_cover = answer_cover[entry_index] / cover_total
            centroid = centroids[entry_index]
            score = (
                weights.cosine * cosine + weights.fuzzy * fuzzy
                + weights.question_cover * q_cover + weights.answer_cover * a_cover + weights.centroid * centroid
            )
            scored.append(Scored(self.entries[entry_index], score, cosine, fuzzy, q_cover, a_cover, centroid))
        return heapq.nlargest(limit, scored, key=lambda s: s.score)
