"""Status with several registrations, recommenders and resending, reminders, and nobody seeing another's data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.callbacks import RegPick, Resend
from tests.botflows.conftest import ALICE_TG, Office, button_data, buttons
from workflows.chats import touch_chat


async def test_several_registrations_pick_one(office: Office) -> None:
    await office.login(office.alice, "MD0026", "A123456789", "1990-03-15")
    await office.login(office.alice, "MD0031", "A123456789", "1990-03-15")
    [picker] = await office.alice.say("/status")
    assert len(buttons(picker)) == 2
    [status] = await office.alice.press(picker, "MD0031")
    assert "MD0031" in status["text"] and "林教授" in status["text"]


async def _press_raw(office: Office, chat_user: int, data: CallbackData, anchor: dict) -> None:
    office.sandbox.push_callback(chat_user, data.pack(), anchor["message_id"])


async def test_forged_buttons_never_show_another_persons_data(office: Office) -> None:
    await office.login(office.bob, "MD0050", "B120863158", "1991-07-01")
    [anchor] = await office.bob.say("/help")
    alice_reg = office.registrations["MD0026"]
    await _press_raw(office, office.bob.user_id, RegPick(action="status", registration_id=alice_reg), anchor)
    [refused] = await office.bob.replies()
    assert "MD0026" not in refused["text"] and "/login" in refused["text"]
    rec = office.registrations["rec:MD0031"]
    await _press_raw(office, office.bob.user_id,
                     Resend(registration_id=office.registrations["MD0031"], recommender_id=rec), anchor)  # fmt: skip
    [refused2] = await office.bob.replies()
    assert "自己的推薦人" in refused2["text"]
    # Bob's own registration id with Alice's recommender: refused by the store rule as well.
    await _press_raw(office, office.bob.user_id,
                     Resend(registration_id=office.registrations["MD0050"], recommender_id=rec), anchor)  # fmt: skip
    [refused3] = await office.bob.replies()
    assert "林教授" not in refused3["text"]
    assert len(await office.outbox("recommender_invitation")) == 2  # only the two initial invitations


async def test_recommenders_resend_with_message(office: Office) -> None:
    await office.login(office.bob, "MD0050", "B120863158", "1991-07-01")
    [listing] = await office.bob.say("/recommenders")
    assert "張經理" in listing["text"] and "已邀請" in listing["text"]
    [ask] = await office.bob.press(listing, "張經理")
    assert "500" in ask["text"]
    [confirm] = await office.bob.say("經理您好，麻煩您撥空填寫，謝謝！")
    [done] = await office.bob.press(confirm, "確定")
    assert "已重寄" in done["text"]
    invitations = await office.outbox("recommender_invitation")
    assert invitations[-1].payload["message"] == "經理您好，麻煩您撥空填寫，謝謝！"
    assert invitations[-1].recipient == "chang@corp.example"
    [listing2] = await office.bob.say("/recommenders")
    assert buttons(listing2) == [] and "24 小時" in listing2["text"]  # the rule hides the button and says why
    [again] = await office.bob.press(listing, "張經理")  # the old button still exists: the store refuses
    [confirm2] = await office.bob.press(again, "不附留言")
    [refused] = await office.bob.press(confirm2, "確定")
    assert "24 小時" in refused["text"]


async def test_program_without_letters(office: Office) -> None:
    await office.login(office.alice, "MD0026", "A123456789", "1990-03-15")
    [reply] = await office.alice.say("/recommenders")
    assert "不需要推薦函" in reply["text"]


async def test_reminders_choice_is_stored(office: Office) -> None:
    [shown] = await office.alice.say("/reminders")
    assert "開啟" in shown["text"]
    [off] = await office.alice.say("/reminders off")
    assert "關閉" in off["text"]
    chat = await touch_chat(office.ctx, ALICE_TG, ALICE_TG, "zh")
    assert chat.reminders_enabled is False
    await office.alice.say("/reminders on")
    assert (await touch_chat(office.ctx, ALICE_TG, ALICE_TG, "zh")).reminders_enabled is True


async def test_personal_question_routes_to_status(office: Office) -> None:
    [reply] = await office.alice.say("我繳費了沒")
    assert "/login" in reply["text"]
    await office.login(office.alice, "MD0026", "A123456789", "1990-03-15")
    [status] = await office.alice.say("我的報名費繳了嗎")
    assert "MD0026" in status["text"] and "未繳費" in status["text"]


async def test_a_burst_of_updates_answered_together_keeps_each_users_data_apart(office: Office) -> None:
    """Updates that arrive in one batch share the store's round trips (workflows.batching); each user still
    gets their own status only, and each question its own vote buttons."""
    await office.login(office.alice, "MD0026", "A123456789", "1990-03-15")
    await office.login(office.bob, "MD0050", "B120863158", "1991-07-01")
    chats = [office.alice, office.bob, office.stranger]
    for _ in range(5):  # pushed at once: one getUpdates hands them over together
        for chat in chats:
            office.sandbox.push_message(chat.user_id, "/status", language_code=chat.language)
            office.sandbox.push_message(chat.user_id, "碩專班報名費多少", language_code=chat.language)
    replies = {chat.user_id: await chat.replies(at_least=10) for chat in chats}
    alice, bob, stranger = (replies[c.user_id] for c in chats)
    assert sum("MD0026" in m["text"] for m in alice) == 5 and not any("MD0050" in m["text"] for m in alice)
    assert sum("MD0050" in m["text"] for m in bob) == 5 and not any("MD0026" in m["text"] for m in bob)
    assert not any("MD00" in m["text"] for m in stranger)
    assert sum("/login" in m["text"] for m in stranger) == 5
    votes = [button_data(m, "👍") for m in alice + bob + stranger if any("👍" in b["text"] for b in buttons(m))]
    assert len(votes) == 15 and len(set(votes)) == 15  # one question row each
