"""Staff: broadcasts to segments through the outbox, delivery status, handoffs, statistics, command menus."""

from __future__ import annotations

from tests.botflows.conftest import STAFF_ID, Office, buttons


async def test_non_staff_cannot_use_staff_commands(office: Office) -> None:
    for command in ("/broadcast", "/broadcast_status", "/handoffs", "/stats"):
        [reply] = await office.alice.say(command)
        assert "只限招生承辦人員" in reply["text"]


async def test_command_menus(office: Office) -> None:
    await office.alice.say("/start")
    public = [c["command"] for c in office.sandbox.commands()]
    assert "status" in public and "broadcast" not in public
    staff = [c["command"] for c in office.sandbox.commands(scope={"type": "chat", "chat_id": STAFF_ID})]
    assert "broadcast" in staff and "stats" in staff
    english = office.sandbox.commands(language_code="en")
    assert any(c["description"] == "Find my serial number" for c in english)


async def test_broadcast_to_unpaid_reaches_linked_chats_once(office: Office) -> None:
    await office.login(office.alice, "MD0026", "A123456789", "1990-03-15")
    await office.login(office.bob, "MD0050", "B120863158", "1991-07-01")
    office.sandbox.push_my_chat_member(office.bob.user_id, blocked=True)
    await office.sandbox.wait_until(lambda: False, timeout=0.3)
    await office.staff.say("/broadcast")
    [segments] = await office.staff.say("明天（1月3日）上午系統維護 09:00-10:00，請勿於此時段繳費。")
    [preview] = await office.staff.press(segments, "尚未繳費")
    assert "1 個 Telegram" in preview["text"] and "維護" in preview["text"]  # Bob blocked: email copy instead
    [queued] = await office.staff.press(preview, "確定")
    assert "#1" in queued["text"]
    [announcement] = await office.alice.replies()
    assert announcement["text"].startswith("📢 招生公告") and "系統維護" in announcement["text"]
    [status] = await office.staff.say("/broadcast_status")
    assert "已送出 1" in status["text"]
    emails = [m.recipient for m in await office.outbox("broadcast") if m.channel == "email"]
    assert emails == ["bob@example.com"]
    assert office.sandbox.sent(office.bob.user_id)[-1:] == [] or all(
        "系統維護" not in m["text"] for m in office.sandbox.sent(office.bob.user_id))  # fmt: skip


async def test_broadcast_to_a_round_and_cancel(office: Office) -> None:
    await office.staff.say("/broadcast")
    [segments] = await office.staff.say("Test")
    [rounds] = await office.staff.press(segments, "某招生類別")
    assert len(buttons(rounds)) >= 5
    await office.staff.say("/broadcast")
    [segments] = await office.staff.say("Test 2")
    [ask] = await office.staff.press(segments, "某系所組別")
    [bad] = await office.staff.say("no-such-round")
    assert "無法使用" in bad["text"] or "0 個" in bad["text"]


async def test_stats_and_handoffs(office: Office) -> None:
    await office.alice.say("碩專班照片要多大")
    [offer] = await office.alice.say("請問明天台北會下雨嗎")
    await office.alice.press(offer, "轉給承辦人員", at_least=1)
    await office.staff_room.replies()
    [stats] = await office.staff.say("/stats")
    assert "今天提問 2 則" in stats["text"] and "下雨" in stats["text"]
    [open_] = await office.staff.say("/handoffs")
    assert "下雨" in open_["text"]


async def test_emailed_question_answered_from_the_staff_chat(office: Office) -> None:
    from tests.botflows.conftest import STAFF_CHAT
    from workflows import outbox
    from workflows.handoffs import create_handoff

    handoff = await create_handoff(office.ctx, channel="email", asker="parent@example.com", lang="zh",
                                   question="請問可以帶小孩去考場嗎")  # fmt: skip
    async with office.ctx.db.transaction() as session:
        await outbox.enqueue(session, [outbox.NewMessage(
            "telegram", str(STAFF_CHAT), f"staff:{handoff.id}", "staff_notice", {"handoff_id": handoff.id},
            body=f"轉介 Handoff #{handoff.id}\nparent@example.com: 請問可以帶小孩去考場嗎")], office.ctx.clock.now())  # fmt: skip
    [notice] = await office.staff_room.replies()
    assert "小孩" in notice["text"]
    await office.staff_room.say("考場僅限考生進入，陪考家長請於休息區等候。", reply_to_message_id=notice["message_id"])
    answers = [m for m in await office.outbox("handoff_answer") if m.channel == "email"]
    assert [(m.recipient, m.body) for m in answers] == [("parent@example.com", "考場僅限考生進入，陪考家長請於休息區等候。")]
