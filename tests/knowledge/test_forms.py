"""Questions out of scope by their form (opinions, small talk, another school's name), and fair questions that
look alike. None of these questions is in the evaluation set."""

from __future__ import annotations

import pytest

from knowledge import Answer, KnowledgeBase
from knowledge.forms import is_opinion, without_chat
from knowledge.normalize import Normalizer, SynonymTable

fold = Normalizer(SynonymTable(())).fold


@pytest.mark.parametrize(
    ("question", "opinion"),
    [
        ("電機系跟機械系哪一個比較有前途", True),
        ("這間學校好不好畢業", True),
        ("補習班推薦哪一間", True),
        ("Which department is better?", True),
        ("Is the evening program any good?", True),
        ("轉學考哪種繳費方式比較快", False),  # a fact, not a ranking
        ("哪天最好去報到", False),
        ("推薦人要填哪個欄位", False),
        ("any good way to pay the fee", False),
    ],
)
def test_opinion_forms(question: str, opinion: bool) -> None:
    assert is_opinion(fold(question)) is opinion


def test_small_talk_is_dropped_from_the_question() -> None:
    assert without_chat(fold("你今年幾歲了")) == ("了", True)
    assert without_chat(fold("Hi, how are you? When is the deadline?")) == ("hi when is the deadline", True)
    assert without_chat(fold("轉學考報名費是多少錢呢")) == ("轉學考報名費是多少錢呢", False)


@pytest.mark.parametrize(
    "question",
    ["電機系跟機械系哪一個比較有前途", "which department is better", "who made you", "你今年幾歲",
     "靜宜大學的轉學考報名費多少", "嘉藥的二技什麼時候報名", "系學會要繳會費嗎", "學校有沒有籃球場"],
)
def test_real_kb_is_unsure_about_opinions_small_talk_and_unknown_schools(real_kb: KnowledgeBase, question: str) -> None:
    assert real_kb.ask(question).status == "unsure"


def test_small_talk_before_a_real_question_is_ignored(real_kb: KnowledgeBase) -> None:
    answer = real_kb.ask("hi how are you, how much is the transfer exam fee")
    assert (answer.status, answer.entry_id) == ("answered", "ntut105-transfer.fee")


@pytest.mark.parametrize(
    "question",
    ["今年的轉學考什麼時候考", "工管系進修部一學期要繳多少", "國外大學畢業可以報境外臺生專案嗎", "空中大學的學生可以報考嗎",
     "韓國的大學學歷可以用嗎", "我是東南科大的學生 可以報轉學考嗎"],
)
def test_known_words_before_a_programme_are_not_a_school(real_kb: KnowledgeBase, question: str) -> None:
    # A time word, a department, a known kind of university, a country, the applicant's own school: matched
    # like any question, not refused outright.
    assert not isinstance(real_kb.decide(question), Answer)


def test_everyday_english_words_are_not_unknown_subjects(real_kb: KnowledgeBase) -> None:
    decision = real_kb.decide("can my dad pay the transfer exam fee with his credit card tomorrow")
    assert not isinstance(decision, Answer) and decision.unknown_words == ()
    decision = real_kb.decide("can my dad bring his dog")
    assert not isinstance(decision, Answer) and decision.unknown_words == ("dog",)
