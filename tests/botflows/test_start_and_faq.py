"""/start, /help, /lang, free-text questions with sources, round buttons, votes, handoff to staff."""

from __future__ import annotations

from sqlalchemy import select

from tests.botflows.conftest import Office, buttons
from workflows.models import Handoff, Question


async def test_start_in_chinese_and_english(office: Office) -> None:
    [hello] = await office.alice.say("/start")
    assert "招生助理" in hello["text"] and "/serial" in hello["text"]
    [hello_en] = await office.stranger.say("/start")
    assert "admissions assistant" in hello_en["text"]
    [switched] = await office.alice.say("/lang")
    assert switched["text"] == "Switched to English."
    [helped] = await office.alice.say("/help")
    assert "/status" in helped["text"] and "Commands" in helped["text"]
    assert "/broadcast" not in helped["text"]
    staff = await office.staff.say("/help", at_least=2)
    assert "/broadcast" in staff[-1]["text"]


async def test_answer_with_source_and_vote(office: Office) -> None:
    [answer] = await office.alice.say("碩專班照片要多大")
    assert "450" in answer["text"] and "📄" in answer["text"]
    await office.alice.press(answer, "👍", at_least=0)
    await office.sandbox.wait_until(lambda: office.sandbox.calls["answerCallbackQuery"] >= 1)
    async with office.ctx.db.sessions() as session:
        for _ in range(20):
            voted = await session.scalar(select(Question.vote).where(Question.asker == str(office.alice.user_id)))
            if voted is not None:
                break
            await office.sandbox.wait_until(lambda: False, timeout=0.05)
    assert voted == 1


async def test_ambiguous_question_offers_rounds(office: Office) -> None:
    [choice] = await office.stranger.say("how much is the application fee")
    labels = [b["text"] for b in buttons(choice)]
    assert len(labels) >= 2, choice
    [answer] = await office.stranger.press(choice, "transfer")
    assert "1,100" in answer["text"]


async def test_unsure_goes_to_staff_and_back(office: Office) -> None:
    [offer] = await office.bob.say("請問明天台北會下雨嗎 我的身分證B120863158")
    assert "承辦人員" in offer["text"]
    [done] = await office.bob.press(offer, "轉給承辦人員")
    assert "已轉給" in done["text"]
    [posted] = await office.staff_room.replies()
    assert "下雨" in posted["text"] and "B120863158" not in posted["text"] and "B12*****58" in posted["text"]
    reply = await office.staff_room.say("天氣請查中央氣象署。", reply_to_message_id=posted["message_id"])
    assert "轉介" in reply[-1]["text"]
    [answered] = await office.bob.replies()
    assert "中央氣象署" in answered["text"] and "下雨" in answered["text"]
    async with office.ctx.db.sessions() as session:
        row = await session.scalar(select(Handoff))
    assert row is not None and row.answered_by == f"tg:{office.staff.user_id}"


async def test_unknown_command_and_group_noise(office: Office) -> None:
    [reply] = await office.alice.say("/frobnicate")
    assert "/help" in reply["text"]


async def test_direct_reply_waits_out_a_429(office: Office) -> None:
    office.sandbox.inject_429(office.alice.user_id, retry_after=1, times=1)
    [hello] = await office.alice.say("/start")
    assert "招生助理" in hello["text"]
    assert office.sandbox.too_many_requests >= 1
