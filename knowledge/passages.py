"""Fallback search over the brochures' own paragraphs, for questions no curated entry covers.

A passage scores by how much of the question (IDF-weighted) it contains. Only a passage that covers nearly
all of the question is quoted, marked as a quote with its document and section.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.matcher import IdfTable
from knowledge.normalize import Analysis, is_cjk
from knowledge.token_index import RowLabels, TokenIndex

MAX_PASSAGE = 400
MIN_PASSAGE = 20
QUOTE_LENGTH = 300
SHORTLIST = 50

_HEADING = re.compile(r"^\s*#+\s*(.+?)\s*#*\s*$")
# Numbered headings as the brochures write them: 壹、報考資格 / 三、報名費 (short, no full stop).
_NUMBERED = re.compile(r"^\s*(?:[壹貳參肆伍陸柒捌玖拾]+|[一二三四五六七八九十]+)、[^\s。，,]{1,20}$")


@dataclass(frozen=True)
class Passage:
    """A paragraph of a seed document with the heading it sits under."""

    doc: str
    round: str
    section: str
    text: str


@dataclass(frozen=True)
class PassageHit:
    """A passage and the share of the question's weight it covers (0..1)."""

    passage: Passage
    coverage: float


def _clean_heading(line: str) -> str:
    return re.sub(r"[*#\s]+", " ", line).strip()


def split_document(doc: str, text: str, round_id: str) -> list[Passage]:
    """Cut a document into paragraphs (blank-line separated, long ones cut at line ends) with sections."""
    passages: list[Passage] = []
    heading = ""
    sub = ""
    block: list[str] = []

    def flush() -> None:
        chunk: list[str] = []
        for line in [*block, None]:
            if line is None or (chunk and sum(map(len, chunk)) + len(line) > MAX_PASSAGE):
                body = "\n".join(chunk).strip()
                if len(body) >= MIN_PASSAGE:
                    section = f"{heading} / {sub}" if heading and sub else heading or sub
                    passages.append(Passage(doc, round_id, section, body))
                chunk = []
            if line is not None:
                chunk.append(line)
        block.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        heading_match = _HEADING.match(line)
        if heading_match:
            flush()
            heading, sub = _clean_heading(heading_match.group(1)), ""
        elif _NUMBERED.match(line):
            flush()
            sub = _clean_heading(line)
            block.append(line)
        elif not line.strip():
            flush()
        else:
            block.append(line)
    flush()
    return passages


class PassageIndex:
    """An inverted index over passages, scoring by question coverage."""

    def __init__(self, passages: list[Passage], analyze: Callable[[str], Analysis]) -> None:
        self.passages = tuple(passages)
        characters: list[str] = []

        def token_sets() -> Iterator[frozenset[str]]:
            # One passage's tokens at a time: the sets of all of them at once would raise the peak memory.
            # The heading is searched with the paragraph: "各線公車" is in the heading, not in the bus numbers.
            for p in self.passages:
                tokens = frozenset(t for t, _ in analyze(f"{p.section}\n{p.text}").tokens)
                # Only the characters are looked at after indexing: kept as a string, a fraction of a set's size.
                characters.append("".join(t for t in tokens if len(t) == 1))
                yield tokens

        self._index = TokenIndex(token_sets())
        self._characters = characters
        self._rounds = RowLabels(p.round for p in self.passages)
        self.idf = IdfTable(self._index)

    def knows(self, token: str) -> bool:
        """Whether any passage contains `token`."""
        return token in self._index

    @classmethod
    def from_folder(
        cls, folder: Path, doc_rounds: Mapping[str, str], analyze: Callable[[str], Analysis]
    ) -> PassageIndex:
        """Index every seed document in `folder` whose file name is in `doc_rounds` (doc -> round id)."""
        passages: list[Passage] = []
        for path in sorted(folder.glob("*.txt")):
            if path.name in doc_rounds:
                text = path.read_text(encoding="utf-8")
                passages.extend(split_document(path.name, text, doc_rounds[path.name]))
        return cls(passages, analyze)

    def best(self, question: Analysis, rounds: Collection[str] | None = None) -> PassageHit | None:
        """The passage covering most of the question (only from `rounds` when given), or None.

        Without word segmentation a question has bigrams across word boundaries (捷運板南線 gives 運板) that
        no text contains; such a bigram counts as covered when the passage has both its characters.
        """
        vector = self.idf.vector(question)
        total = sum(vector.values())
        if not total:
            return None
        allowed = None if rounds is None else self._rounds.mask(rounds)
        unseen = [(t, v) for t, v in vector.items() if t not in self._index and len(t) == 2 and is_cjk(t)]
        best: tuple[float, int] = (0.0, -1)
        for position, value in zip(*self._index.reached(vector).top(SHORTLIST, allowed), strict=True):
            characters = self._characters[position]
            value += sum(v for t, v in unseen if t[0] in characters and t[1] in characters)
            best = max(best, (value, position))
        if best[1] < 0:
            return None
        return PassageHit(self.passages[best[1]], best[0] / total)


def quote(text: str, limit: int = QUOTE_LENGTH) -> str:
    """The passage text on one line, cut at `limit` characters with an ellipsis."""
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
