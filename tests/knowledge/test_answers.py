"""Each kind of answer, on the fixture knowledge base (two rounds, five entries, two brochure excerpts)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from knowledge import Answer, KnowledgeBase


def test_round_named_in_question_is_answered(fixture_kb: KnowledgeBase) -> None:
    answer = fixture_kb.ask("轉學考的报考费是多少")
    assert (answer.status, answer.entry_id, answer.round) == ("answered", "ntut105-transfer.fee", "ntut105-transfer")
    assert "1,100" in answer.answer and answer.lang == "zh"
    assert answer.sources[0]["doc"] == "002_96ed9a3bb01236e1.txt" and answer.sources[0]["section"]
    assert 0.5 <= answer.confidence <= 1.0


def test_unknown_round_gives_ambiguous_with_choices(fixture_kb: KnowledgeBase) -> None:
    answer = fixture_kb.ask("報名費要多少錢")
    assert answer.status == "ambiguous" and answer.topic == "fee"
    assert set(answer.candidates) == {"ntut105-transfer", "ntub108-twoyear"}
    assert "國立臺北商業大學" in answer.answer and "國立臺北科技大學" in answer.answer
    assert answer.entry_id is None


def test_context_round_resolves_the_ambiguity(fixture_kb: KnowledgeBase) -> None:
    answer = fixture_kb.ask("報名費要多少錢", round_id="ntub108-twoyear")
    assert (answer.status, answer.entry_id) == ("answered", "ntub108-twoyear.fee")
    assert "850" in answer.answer


def test_round_named_in_question_beats_context_round(fixture_kb: KnowledgeBase) -> None:
    answer = fixture_kb.ask("北商報名費多少", round_id="ntut105-transfer")
    assert answer.entry_id == "ntub108-twoyear.fee"


def test_topic_in_one_round_only_is_answered_without_asking(fixture_kb: KnowledgeBase) -> None:
    answer = fixture_kb.ask("大頭照要多大")
    assert (answer.status, answer.entry_id) == ("answered", "ntut105-transfer.photo-spec")


def test_entry_for_all_rounds_is_answered_in_any_round(fixture_kb: KnowledgeBase) -> None:
    for round_id in (None, "ntub108-twoyear"):
        answer = fixture_kb.ask("民國年要怎麼換算成西元", round_id=round_id)
        assert (answer.status, answer.entry_id, answer.round) == ("answered", "all.roc-year", "all")


def test_english_question_gets_english_answer(fixture_kb: KnowledgeBase) -> None:
    answer = fixture_kb.ask("How much is the application fee for the transfer exam?")
    assert answer.lang == "en" and answer.entry_id == "ntut105-transfer.fee"
    assert answer.answer.startswith("The application fee is NT$1,100")
    assert fixture_kb.ask("轉學考報名費多少", lang="en").answer.startswith("The application fee")


@pytest.mark.parametrize(
    "question", ["宿舍怎麼申請", "明天天氣如何", "tell me a joke", "台大轉學考報名費多少", "？？？", "", "x" * 50_000]
)
def test_out_of_scope_is_unsure(fixture_kb: KnowledgeBase, question: str) -> None:
    answer = fixture_kb.ask(question)
    assert answer.status == "unsure" and answer.answer == "" and answer.entry_id is None


def test_brochure_passage_is_quoted_with_its_source(fixture_kb: KnowledgeBase) -> None:
    answer = fixture_kb.ask("搭捷運板南線到忠孝新生站")
    assert answer.status == "answered" and answer.quote and answer.entry_id is None
    assert "引用" in answer.answer and "忠孝新生站" in answer.answer
    assert answer.sources[0]["doc"] == "002_96ed9a3bb01236e1.txt"
    assert "板南線" in answer.sources[0]["quote"] and answer.sources[0]["section"]
    assert answer.round == "ntut105-transfer"
    english = fixture_kb.ask("搭捷運板南線到忠孝新生站", lang="en")
    assert english.quote and "quoted" in english.answer


def test_answer_is_frozen_and_serialises(fixture_kb: KnowledgeBase) -> None:
    answer = fixture_kb.ask("報名費要多少錢")
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.status = "answered"  # type: ignore[misc]
    data = json.loads(json.dumps(answer.to_json(), ensure_ascii=False))
    assert {"status", "answer", "entry_id", "round", "confidence", "sources", "candidates"} <= data.keys()
    assert data["candidates"] == list(answer.candidates)


def test_rounds_are_listed(fixture_kb: KnowledgeBase) -> None:
    assert [(r.id, r.school_code) for r in fixture_kb.rounds] == [
        ("ntut105-transfer", "NTUT"), ("ntub108-twoyear", "NTUB"),
    ]
    assert isinstance(fixture_kb.ask("報名費"), Answer)
