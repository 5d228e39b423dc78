"""/serial and /login: step by step, IDs deleted and never echoed, clear reasons, lockout per Telegram user."""

from __future__ import annotations

from tests.botflows.conftest import Office
from tests.workflows.conftest import ALICE_ID


def _texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


async def test_serial_lookup_accepts_what_people_type(office: Office) -> None:
    chat = office.alice
    await chat.say("/serial")
    deletes_before = office.sandbox.calls["deleteMessage"]
    [ask_birth] = await chat.say("ａ１２３４５６７８９")  # full-width, lower case
    assert office.sandbox.calls["deleteMessage"] == deletes_before + 1
    assert "出生年月" in ask_birth["text"]
    [found] = await chat.say("民國79年3月")
    assert "MD0026" in found["text"] and "MD0031" in found["text"]
    assert ALICE_ID not in _texts(office.sandbox.sent(chat.user_id))


async def test_serial_bad_input_gets_reasons(office: Office) -> None:
    chat = office.stranger
    await chat.say("/serial")
    [checksum] = await chat.say("A123456788")
    assert "check digit" in checksum["text"]
    [fmt] = await chat.say("hello")
    assert "one letter and 9 digits" in fmt["text"]
    await chat.say(ALICE_ID)
    [impossible] = await chat.say("79/13")
    assert "no such date" in impossible["text"]
    [wrong] = await chat.say("1990-04")
    assert "No registration matches" in wrong["text"]


async def test_serial_lockout_per_user(office: Office) -> None:
    chat = office.stranger
    for _ in range(5):
        await chat.say("/serial")
        await chat.say(ALICE_ID)
        await chat.say("1980-01")
    await chat.say("/serial")
    await chat.say(ALICE_ID)
    [locked] = await chat.say("1990-03")
    assert "Too many failed attempts" in locked["text"]
    # Another user is not locked out.
    await office.alice.say("/serial")
    await office.alice.say(ALICE_ID)
    [found] = await office.alice.say("1990-03")
    assert "MD0026" in found["text"]


async def test_cancel_stops_the_conversation(office: Office) -> None:
    await office.alice.say("/serial")
    [cancelled] = await office.alice.say("/cancel")
    assert "已取消" in cancelled["text"]
    [answer] = await office.alice.say("A123456789")  # no longer taken as an ID step
    assert "出生年月" not in answer["text"]


async def test_login_status_logout(office: Office) -> None:
    chat = office.alice
    [not_linked] = await chat.say("/status")
    assert "/login" in not_linked["text"]
    await office.login(chat, "MD0026", "a123456789", "79/03/15")
    [status] = await chat.say("/status")
    assert "MD0026" in status["text"] and "未繳費" in status["text"] and "需先繳費方可上傳" in status["text"]
    assert "9793******0001" in status["text"] and "97931145130001" not in status["text"]
    [out] = await chat.say("/logout")
    assert "1" in out["text"]
    [again] = await chat.say("/status")
    assert "/login" in again["text"]


async def test_login_wrong_inputs_and_code(office: Office) -> None:
    chat = office.bob
    await chat.say("/login")
    [bad] = await chat.say("MD-0050!")
    assert "格式" in bad["text"]
    await chat.say("MD0050")
    await chat.say("B120863158")
    [mismatch] = await chat.say("1991-07-02")
    assert "不相符" in mismatch["text"]
    await chat.say("/login")
    await chat.say("MD0050")
    await chat.say("B120863158")
    await chat.say("1991-07-01")
    code = str((await office.outbox("login_code"))[-1].payload["code"])
    wrong = "000000" if code != "000000" else "111111"
    [tries] = await chat.say(wrong)
    assert "4" in tries["text"]
    [linked] = await chat.say(code)
    assert "MD0050" in linked["text"]


async def test_a_second_person_cannot_be_linked_to_one_account(office: Office) -> None:
    await office.login(office.bob, "MD0050", "B120863158", "1991-07-01")
    await office.bob.say("/login")
    await office.bob.say("MD0026")
    await office.bob.say(ALICE_ID)
    [refused] = await office.bob.say("1990-03-15")
    assert "另一位考生" in refused["text"]


async def test_another_command_ends_a_half_finished_conversation(office: Office) -> None:
    await office.alice.say("/serial")
    await office.alice.say("/help")
    deletes = office.sandbox.calls["deleteMessage"]
    [answer] = await office.alice.say("碩專班照片要多大")  # a question again, not an ID to validate and delete
    assert office.sandbox.calls["deleteMessage"] == deletes
    assert "450" in answer["text"]
