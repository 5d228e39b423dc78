"""Checks of the curated data against the source documents (run by the tests; see docs/knowledge.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from knowledge.entries import Entry


def squash(text: str) -> str:
    """Runs of whitespace become one space; Markdown bold markers are dropped (they are not content)."""
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def fact_problems(entries: Iterable[Entry], seeds: Path) -> list[str]:
    """Every `facts` string must appear verbatim in its source document and in the Chinese answer.

    Returns one line per problem, naming the entry and the fact (empty when all is well).
    """
    documents: dict[str, str] = {}
    problems: list[str] = []
    for entry in entries:
        doc = entry.source.doc
        if doc not in documents:
            documents[doc] = squash((seeds / doc).read_text(encoding="utf-8"))
        answer = squash(entry.answer.zh)
        for fact in entry.facts:
            wanted = squash(fact)
            if wanted not in documents[doc]:
                problems.append(f"{entry.id}: fact {fact!r} is not in {doc}")
            if wanted not in answer:
                problems.append(f"{entry.id}: fact {fact!r} is not in answer.zh")
    return problems
