"""The answer the knowledge base gives to one question."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["answered", "ambiguous", "unsure", "personal"]


@dataclass(frozen=True)
class Answer:
    """What `KnowledgeBase.ask` returns.

    status: answered (from an entry, or a marked brochure quote when `quote`), ambiguous (the answer depends
    on the round: `candidates` are round ids), unsure (nothing good enough: offer to ask staff; `candidates`
    are the entry ids it hesitated between), personal (about the applicant's own data: `personal_kind`).
    """

    status: Status
    answer: str
    lang: str
    entry_id: str | None = None
    round: str | None = None
    confidence: float = 0.0
    sources: tuple[dict[str, Any], ...] = ()
    candidates: tuple[str, ...] = ()
    personal_kind: str | None = None
    quote: bool = False
    topic: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the `assistant ask --json` object)."""
        data = asdict(self)
        data["confidence"] = round(self.confidence, 3)
        data["sources"] = [dict(s) for s in self.sources]
        data["candidates"] = list(self.candidates)
        return data
