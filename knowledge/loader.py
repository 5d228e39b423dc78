"""Reading and validating the knowledge data files; a broken file fails with its name and line number."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge.entries import Entry
from knowledge.normalize import SynonymTable
from knowledge.rounds import ALL_ROUNDS, Round, Scope

DATA_DIR = Path(__file__).parent / "data"
"""The data shipped with the package: rounds.yaml, synonyms.yaml, scope.yaml, entries/, seeds/."""

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C parser when built
M = TypeVar("M", bound=BaseModel)


class KnowledgeDataError(ValueError):
    """A data file is missing, not valid YAML, or does not follow the format; names file and line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Document:
    """A YAML file's Python value together with its node tree (which knows the line of every value)."""

    path: Path
    value: Any
    node: yaml.Node | None

    def line(self, loc: Sequence[int | str] = ()) -> int | None:
        """1-based line of the value at `loc` (list indexes / mapping keys); the nearest known parent."""
        node = self.node
        if node is None:
            return None
        for key in loc:
            child = _child(node, key)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    def fail(self, loc: Sequence[int | str], message: str) -> KnowledgeDataError:
        """An error pointing at the value at `loc`."""
        return KnowledgeDataError(self.path, self.line(loc), message)


def _child(node: yaml.Node, key: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        child: yaml.Node = node.value[key]
        return child
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node  # type: ignore[no-any-return]
    return None


def read_yaml(path: Path) -> Document:
    """Parse one YAML file, keeping line numbers; syntax errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeDataError(path, None, f"cannot read: {exc.strerror}") from exc
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise KnowledgeDataError(path, line, f"not valid YAML: {exc.problem or exc.context}") from exc
    if node is None:
        return Document(path, None, None)
    constructor = yaml.SafeLoader("")
    return Document(path, constructor.construct_document(node), node)


def validate(document: Document, model: type[M], value: Any, loc: Sequence[int | str]) -> M:
    """Validate `value` (found at `loc` in `document`) as `model`; errors point at the offending line."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        inner = [part for part in first["loc"] if isinstance(part, int | str)]
        field = ".".join(str(part) for part in inner) or "value"
        raise document.fail([*loc, *inner], f"{field}: {first['msg']}") from exc


def _as_list(document: Document, key: str | None) -> list[Any]:
    value = document.value if key is None else (document.value or {}).get(key)
    if not isinstance(value, list):
        where = [key] if key else []
        raise document.fail(where, f"expected a list{' under ' + repr(key) if key else ''}")
    return value


def load_rounds(path: Path, docs: set[str]) -> list[Round]:
    """Read rounds.yaml (a `rounds:` list); ids must be unique, sources among `docs`."""
    document = read_yaml(path)
    if not isinstance(document.value, dict):
        raise document.fail([], "expected a mapping with a 'rounds' list")
    rounds: list[Round] = []
    for index, item in enumerate(_as_list(document, "rounds")):
        rnd = validate(document, Round, item, ["rounds", index])
        if any(r.id == rnd.id for r in rounds) or rnd.id == ALL_ROUNDS:
            raise document.fail(["rounds", index, "id"], f"round id {rnd.id!r} is repeated or reserved")
        if rnd.source not in docs:
            raise document.fail(["rounds", index, "source"], f"unknown source document {rnd.source!r}")
        rounds.append(rnd)
    return rounds


def load_synonyms(path: Path) -> SynonymTable:
    """Read synonyms.yaml: `groups` (lists of words, first canonical), `stopwords`, `question_words`, `everyday`."""
    document = read_yaml(path)
    value = document.value or {}
    groups = []
    for index, group in enumerate(value.get("groups") or []):
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(w, str) for w in group):
            raise document.fail(["groups", index], "a synonym group is a list of at least two words")
        groups.append(tuple(group))
    lists: dict[str, list[Any]] = {}
    for key in ("stopwords", "question_words", "everyday"):
        lists[key] = value.get(key) or []
        for index, word in enumerate(lists[key]):
            if not isinstance(word, str):
                raise document.fail([key, index], f"{key} entry {word!r} is not text (quote it)")
    return SynonymTable(
        tuple(groups), tuple(lists["stopwords"]), tuple(lists["question_words"]), tuple(lists["everyday"])
    )


def load_scope(path: Path) -> Scope:
    """Read scope.yaml (our schools' short names, other schools, neutral words)."""
    document = read_yaml(path)
    return validate(document, Scope, document.value or {}, [])


class _NearMissQuestions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


class _NearMissFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    questions: dict[str, _NearMissQuestions] = Field(default_factory=dict)


def load_near_misses(path: Path, round_ids: set[str]) -> tuple[tuple[str, str], ...]:
    """Read near_misses.yaml: (round, question) pairs the brochures do not answer; none when the file is missing."""
    if not path.exists():
        return ()
    document = read_yaml(path)
    parsed = validate(document, _NearMissFile, document.value or {}, [])
    questions: list[tuple[str, str]] = []
    for round_id, lists in parsed.questions.items():
        if round_id != ALL_ROUNDS and round_id not in round_ids:
            raise document.fail(["questions", round_id], f"unknown round {round_id!r}")
        for lang, texts in (("zh", lists.zh), ("en", lists.en)):
            for index, text in enumerate(texts):
                if not text.strip():
                    raise document.fail(["questions", round_id, lang, index], "an empty question")
            questions.extend((round_id, text) for text in texts)
    return tuple(questions)


def load_entries(folder: Path, round_ids: set[str], docs: set[str]) -> list[Entry]:
    """Read every entries/*.yaml; check rounds, source documents and that ids are unique."""
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        document = read_yaml(path)
        if document.value is None:
            continue  # an empty file is a file being started
        for index, item in enumerate(_as_list(document, None)):
            entry = validate(document, Entry, item, [index])
            if entry.round != ALL_ROUNDS and entry.round not in round_ids:
                raise document.fail([index, "round"], f"unknown round {entry.round!r}")
            if entry.source.doc not in docs:
                raise document.fail([index, "source", "doc"], f"unknown source document {entry.source.doc!r}")
            if entry.id in seen:
                raise document.fail([index, "id"], f"duplicate id {entry.id!r} (first in {seen[entry.id]})")
            seen[entry.id] = f"{path.name}:{document.line([index, 'id'])}"
            entries.append(entry)
    return entries


def load_list(folder: Path, model: type[M], check: Callable[[M], str | None] | None = None) -> list[M]:
    """Read every *.yaml list in `folder` as `model` items; `check` returns an error message or None."""
    items: list[M] = []
    for path in sorted(folder.glob("*.yaml")):
        document = read_yaml(path)
        if document.value is None:
            continue
        for index, value in enumerate(_as_list(document, None)):
            item = validate(document, model, value, [index])
            problem = check(item) if check else None
            if problem:
                raise document.fail([index], problem)
            items.append(item)
    return items
