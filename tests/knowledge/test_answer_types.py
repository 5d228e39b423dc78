"""The answer-type check: the kind of fact a question asks for, and whether an entry's answer gives one.
None of these questions is in the evaluation set."""

from __future__ import annotations

import pytest

from knowledge import KnowledgeBase
from knowledge.answer_types import (
    CLOCK,
    COUNT,
    DATE,
    DURATION,
    LONG,
    MINUTES,
    MONEY,
    PHONE,
    PLACE,
    UNSTATED,
    answers,
    given,
    wanted,
)
from knowledge.normalize import Normalizer, SynonymTable

fold = Normalizer(SynonymTable(())).fold


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("宿舍一學期多少錢", {MONEY}),
        ("报名费用大概多少", {MONEY}),  # Simplified, folded to Traditional
        ("How much does the exam cost?", {MONEY}),
        ("how much time do I have", {DURATION}),
        ("面試一個人幾分鐘", {MINUTES}),
        ("面试要几个小时", {MINUTES}),
        ("審查要審多久", {DURATION}),
        ("How long is the interview?", {MINUTES}),  # an interview's length: minutes, not a date
        ("how long does the written exam usually take", {MINUTES}),
        ("How long is the autobiography?", {LONG}),
        ("how long is the interview list kept online", {LONG}),
        ("放榜是什麼時候", {DATE}),
        ("When is the deadline?", {DATE}),
        ("考試幾點開始", {CLOCK}),
        ("What time does check-in start?", {CLOCK}),
        ("考場在哪裡", {PLACE}),
        ("Where is the exam held?", {PLACE}),
        ("一個系收幾個人", {COUNT}),
        ("How many letters do I need?", {COUNT}),
        ("我空大的學分可以報幾年級", {COUNT}),
        ("招生組電話幾號", {PHONE}),
        ("What is the phone number of the office?", {PHONE}),
        # no particular kind of fact
        ("可以用信用卡繳費嗎", set()),
        ("How do I update my phone number?", set()),
        ("what happens when I miss the deadline", set()),
        ("幾個月前畢業的可以報嗎", {DURATION}),  # a duration word, harmless: a date answers it too
    ],
)
def test_wanted(question: str, kinds: set[str]) -> None:
    assert wanted(fold(question)) == kinds


@pytest.mark.parametrize(
    ("answer", "present", "absent"),
    [
        ("報名費：新臺幣 1,100 元整。", {MONEY, COUNT}, {DATE, PHONE}),
        ("The fee is NT$800.", {MONEY}, {DATE}),
        ("低收入戶考生報名費全額減免。", {MONEY}, {COUNT}),
        ("面試日期：105年07月09日（星期六）。", {DATE}, {MINUTES, DURATION, CLOCK, MONEY}),  # 09日 is no length
        ("每位考生面試約 10 分鐘。", {MINUTES, DURATION}, {DATE}),
        ("Each interview takes about fifteen minutes.", {MINUTES}, {DATE}),
        ("繳費 2 小時後可查詢入帳。", {MINUTES, DURATION}, set()),
        ("上午 9:30 開始報到。", {CLOCK}, {MONEY}),
        ("地址：臺北市大安區忠孝東路三段一號", {PLACE}, {MONEY, PHONE}),
        ("電話：(02) 2771-2171 轉 1100", {PHONE}, {MONEY}),
        ("每人至多報考三個年級系別。", {COUNT}, {DATE, DURATION, MONEY}),
        ("Each applicant may apply to up to three programmes.", {COUNT}, {DATE}),
        # Not published: the kinds it names are answered (and where to look, when it sends to another document);
        # with none named, any kind is.
        ("簡章沒有寫開放時間與費用，請依簡章。", {DATE, MONEY, PLACE}, {MINUTES, UNSTATED}),
        ("The manual does not say when printing opens.", {DATE}, {MINUTES, UNSTATED}),
        ("手冊沒有寫口試費金額與期限。", {MONEY, DATE}, {MINUTES, PLACE, UNSTATED}),
        ("簡章沒有說明。", {UNSTATED}, set()),
    ],
)
def test_given(answer: str, present: set[str], absent: set[str]) -> None:
    kinds = given(answer)
    assert present <= kinds
    assert not absent & kinds


def test_answers() -> None:
    date_only = given("面試日期：105年07月09日（星期六）。")
    assert not answers(frozenset({MINUTES}), date_only)  # 面試幾分鐘 against the interview's date
    assert answers(frozenset({DATE}), date_only)
    assert answers(frozenset({DURATION}), date_only)  # 多久才面試: a date says it
    assert answers(frozenset(), date_only)
    assert answers(frozenset({MINUTES, PLACE}), given("面試地點：本校綜合科館"))  # one of the kinds is enough
    assert answers(frozenset({DATE}), given("錄取報到時依個人意願選擇組別。"))  # relative to a step
    assert not answers(frozenset({DURATION}), given("錄取報到時依個人意願選擇組別。"))
    assert answers(frozenset({LONG}), given("自傳（A4格式，一千字以內）"))  # "how long": a length too
    assert answers(frozenset({MONEY}), given("面試費金額這份操作說明沒有寫，請以簡章為準。"))
    assert answers(frozenset({CLOCK}), given("面試報到時間於本校網站公告，不另紙本通知。"))


def test_every_entry_question_is_answered_by_its_own_answer(real_kb: KnowledgeBase) -> None:
    # The entries' own phrasings ask for what their answers give: the detectors do not misread them.
    misread = [
        (entry.id, question)
        for entry in real_kb.entries
        for question in (*entry.questions.zh, *entry.questions.en)
        if not answers(wanted(fold(question)), given(f"{entry.answer.zh}\n{entry.answer.en}"))
    ]
    assert misread == []


@pytest.mark.parametrize(
    ("question", "status", "entry_id"),
    [
        ("轉學考面試一個人幾分鐘", "unsure", None),  # the interview entries give its date, not its length
        ("how long is the transfer exam interview", "unsure", None),
        ("轉學考報名費要多少錢", "answered", "ntut105-transfer.fee"),
        ("轉學考面試是哪一天", "answered", None),
        ("北商二技上課地點在哪裡", "answered", "ntub108-twoyear.class-location"),
        ("轉學考招生委員會電話幾號", "answered", "ntut105-transfer.contacts"),
        ("轉學考ATM繳費後多久可以查到入帳", "answered", "ntut105-transfer.payment-confirm-time"),
    ],
)
def test_typed_questions(real_kb: KnowledgeBase, question: str, status: str, entry_id: str | None) -> None:
    answer = real_kb.ask(question)
    assert answer.status == status
    if entry_id:
        assert answer.entry_id == entry_id
