"""The loader: valid data loads; a broken file fails with its name and line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeDataError, load_knowledge


def _expect_error(folder: Path, file_name: str, line: int, words: str) -> None:
    with pytest.raises(KnowledgeDataError) as caught:
        load_knowledge(folder)
    message = str(caught.value)
    assert f"{file_name}:{line}:" in message, message
    assert words in message, message
    assert caught.value.line == line


def test_fixture_data_loads(data: Path) -> None:
    kb = load_knowledge(data)
    assert [r.id for r in kb.rounds] == ["ntut105-transfer", "ntub108-twoyear"]
    assert len(kb.entries) == 5


def test_yaml_syntax_error_names_file_and_line(data: Path) -> None:
    path = data / "entries" / "ntut105-transfer.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[8] = '    zh: "報名費新臺幣 1,100 元整。'  # unclosed quote on line 9
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeDataError) as caught:
        load_knowledge(data)
    assert "ntut105-transfer.yaml:" in str(caught.value) and "not valid YAML" in str(caught.value)
    assert caught.value.line is not None and caught.value.line >= 9


def test_missing_field_points_at_the_entry(data: Path) -> None:
    path = data / "entries" / "ntub108-twoyear.yaml"
    text = path.read_text(encoding="utf-8")
    # Drop the English answer of the second entry (its `answer:` mapping starts on line 22).
    path.write_text(text.replace('    en: "Continuing-education classes are in the evening."\n', ""), encoding="utf-8")
    _expect_error(data, "ntub108-twoyear.yaml", 22, "answer.en")


def test_too_few_questions_points_at_the_list(data: Path) -> None:
    path = data / "entries" / "all.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[民國年怎麼換算西元, 民國115年是西元幾年, 民國年轉西元]", "[民國年怎麼換算西元]"),
                    encoding="utf-8")
    _expect_error(data, "all.yaml", 5, "questions.zh")


def test_unknown_round_and_duplicate_id(data: Path) -> None:
    path = data / "entries" / "all.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("id: all.roc-year\n  round: all", "id: nope.roc-year\n  round: nope"),
                    encoding="utf-8")
    _expect_error(data, "all.yaml", 2, "unknown round 'nope'")
    duplicate = (data / "entries" / "ntub108-twoyear.yaml").read_text(encoding="utf-8")
    path.write_text(original + "\n" + duplicate.split("\n\n")[0] + "\n", encoding="utf-8")
    # Files load in name order, so the second copy is the one in ntub108-twoyear.yaml.
    _expect_error(data, "ntub108-twoyear.yaml", 1, "duplicate id 'ntub108-twoyear.fee' (first in all.yaml:14)")


def test_unknown_source_document(data: Path) -> None:
    path = data / "entries" / "ntut105-transfer.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("doc: 002_96ed9a3bb01236e1.txt", "doc: 999.txt", 1),
                    encoding="utf-8")
    _expect_error(data, "ntut105-transfer.yaml", 11, "unknown source document '999.txt'")


def test_yaml_boolean_in_synonyms_is_caught(data: Path) -> None:
    path = data / "synonyms.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"on"', "on"), encoding="utf-8")
    _expect_error(data, "synonyms.yaml", 6, "quote it")


def test_yaml_boolean_in_question_words_is_caught(data: Path) -> None:
    path = data / "synonyms.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "question_words: [多少錢, no]\n", encoding="utf-8")
    _expect_error(data, "synonyms.yaml", 7, "quote it")


def test_id_must_start_with_round(data: Path) -> None:
    path = data / "entries" / "ntut105-transfer.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: ntut105-transfer.fee", "id: transfer.fee"),
                    encoding="utf-8")
    _expect_error(data, "ntut105-transfer.yaml", 1, "must start with its round")


def test_near_misses_file_is_optional_and_validated(data: Path) -> None:
    assert not (data / "near_misses.yaml").exists()
    assert load_knowledge(data).ask("報名費要繳多少錢", round_id="ntut105-transfer").status == "answered"
    path = data / "near_misses.yaml"
    path.write_text("questions:\n  ntut105-transfer:\n    zh: [面試難不難]\n  nowhere:\n    zh: [x]\n",
                    encoding="utf-8")
    _expect_error(data, "near_misses.yaml", 5, "unknown round 'nowhere'")
    path.write_text("questions:\n  ntut105-transfer:\n    zh: [面試難不難, \"  \"]\n", encoding="utf-8")
    _expect_error(data, "near_misses.yaml", 3, "an empty question")
    path.write_text("questions:\n  ntut105-transfer:\n    fr: [x]\n", encoding="utf-8")
    _expect_error(data, "near_misses.yaml", 3, "fr")
