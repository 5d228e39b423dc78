"""Questions out of scope by their form (opinions, small talk, another school's name), and fair questions that
look alike. None of these questions is in the evaluation set."""

from __future__ import annotations

import unicodedata

import pytest

from knowledge import Answer, KnowledgeBase
from knowledge.forms import asks_past_statistics, is_opinion, without_arithmetic, without_chat
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
        ("我應該選北科還是台科", True),
        ("should I choose the day or the evening programme", True),
        ("轉學考哪種繳費方式比較快", False),  # a fact, not a ranking
        ("哪天最好去報到", False),
        ("推薦人要填哪個欄位", False),
        ("any good way to pay the fee", False),
        ("報名時應該選哪個考區", False),  # a field of the form
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
     "韓國的大學學歷可以用嗎", "我是東南科大的學生 可以報轉學考嗎", "我兒子台科大的推薦信要幾封", "海外大學可以轉學嗎",
     "北商應外二技書審要準備什麼", "從公司到北商要半小時 想問夜二技幾點上課"],
)
def test_known_words_before_a_programme_are_not_a_school(real_kb: KnowledgeBase, question: str) -> None:
    # A time word, a department, a known kind of university, a country, the applicant's own school, a family
    # word right before our school's name: matched
    # like any question, not refused outright.
    assert not isinstance(real_kb.decide(question), Answer)


def test_everyday_english_words_are_not_unknown_subjects(real_kb: KnowledgeBase) -> None:
    decision = real_kb.decide("can my dad pay the transfer exam fee with his credit card tomorrow")
    assert not isinstance(decision, Answer) and decision.unknown_words == ()
    decision = real_kb.decide("can my dad bring his dog")
    assert not isinstance(decision, Answer) and decision.unknown_words == ("dog",)


@pytest.mark.parametrize(
    ("question", "summed"),
    [
        ("2+3等於多少", True),
        ("五乘以六是多少", True),
        ("what is 7 times 8", True),
        ("報名費1100元加上手續費15元總共多少", False),  # amounts, not a sum of two numbers
        ("照片要4x6嗎", False),
        ("繳費後3-5天會入帳嗎", False),
        ("6/30前要寄到嗎", False),
        ("退伍五年可以加幾分", False),
    ],
)
def test_arithmetic_is_small_talk(question: str, summed: bool) -> None:
    assert without_arithmetic(unicodedata.normalize("NFKC", question).lower())[1] is summed


@pytest.mark.parametrize(
    ("question", "past"),
    [
        ("轉學考去年最低錄取分數", True),
        ("往年要考幾分才會上", True),
        ("二技前年錄取幾個人", True),
        ("what was the cutoff last year", True),
        ("我去年畢業的可以報名嗎", False),
        ("去年考過沒上 今年可以再報嗎", False),
        ("錄取分數怎麼算", False),
    ],
)
def test_past_statistics_forms(question: str, past: bool) -> None:
    assert asks_past_statistics(fold(question)) is past


@pytest.mark.parametrize("question", ["3+4等於多少", "一百加兩百是多少", "北商二技去年錄取幾個人", "有清寒獎學金嗎"])
def test_real_kb_is_unsure_about_sums_past_figures_and_incidental_subjects(
    real_kb: KnowledgeBase, question: str
) -> None:
    assert real_kb.ask(question).status == "unsure"


def test_everyday_chinese_words_do_not_count_against_the_subject(real_kb: KnowledgeBase) -> None:
    # 我哥, 那天, 上班 are in no entry: they must not weigh like an uncovered subject such as 夜市.
    plain = real_kb.decide("轉學考報到可以找人代理嗎")
    busy = real_kb.decide("轉學考報到那天我要上班 可以叫我哥代理嗎")
    assert not isinstance(plain, Answer) and not isinstance(busy, Answer)
    assert busy.unknown == 0.0 and busy.ranked[0].entry.id == plain.ranked[0].entry.id
    assert busy.uncovered <= plain.uncovered + 0.25
