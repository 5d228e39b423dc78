"""Exactly once through trouble: a dropped connection, a restart between handling and moving, a mail loop."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from mail.receiver import MailboxReceiver
from tests.mailflows.conftest import BOTH_BACKENDS, OFFICE, MailWorld, text_of, write_mail
from workflows.mail_state import DbCheckpoints
from workflows.models import ProcessedMail

pytestmark = BOTH_BACKENDS  # the store's two backends: SQLite by default, PostgreSQL in production


def question(n: int) -> bytes:
    return write_mail(sender=f"asker{n}@example.com", to=OFFICE, subject=f"問題 {n}", body="轉學考報名費多少？",
                      message_id=f"<q{n}@example.com>")  # fmt: skip


async def count(world: MailWorld, model: type) -> int:
    async with world.ctx.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_connection_dropped_mid_run_every_message_handled_once(world: MailWorld) -> None:
    for n in range(6):
        world.dovecot.append(question(n))
    router = world.router()
    handled = 0
    done = asyncio.Event()

    async def handler(uid: int, raw: bytes) -> None:
        nonlocal handled
        await router(uid, raw)
        handled += 1
        if handled == 2:  # the server drops every session right after the second message
            await asyncio.to_thread(world.dovecot.kick)
        if await count(world, ProcessedMail) == 6:
            done.set()

    receiver = MailboxReceiver(world.imap, DbCheckpoints(world.ctx), handler)
    stop = asyncio.Event()
    task = asyncio.create_task(receiver.run_forever(stop))
    try:
        await asyncio.wait_for(done.wait(), timeout=30)
        # The batch's MOVE meets the dead session; the receiver reconnects and files what it handled.
        for _ in range(300):
            if not await asyncio.to_thread(world.dovecot.uids, "INBOX"):
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task
    assert receiver.connections >= 2
    assert await count(world, ProcessedMail) == 6
    replies = await world.outbox(template="reply_faq")
    assert sorted(r.recipient for r in replies) == [f"asker{n}@example.com" for n in range(6)]
    assert world.dovecot.uids("INBOX") == [] and len(world.dovecot.uids("Processed")) == 6


async def test_restart_between_handling_and_moving_acts_once(world: MailWorld) -> None:
    world.dovecot.append(question(1))
    # The first process handled UID 1 (its effects committed) and died before saving the checkpoint or moving.
    assert await world.router().route(1, question(1)) == "answered"
    assert len(world.dovecot.uids("INBOX")) == 1

    restarted = world.receiver()  # a new process: a new router, the same store
    assert await restarted.run_once() == 1
    assert world.dovecot.uids("INBOX") == [] and len(world.dovecot.uids("Processed")) == 1
    assert len(await world.outbox(template="reply_faq")) == 1
    assert [m["To"] for m in await world.send_outbox()].count("asker1@example.com") == 1


async def test_uidvalidity_change_rescans_without_repeating(world: MailWorld) -> None:
    world.dovecot.append(question(1), folder="Office")
    assert await world.receiver(folder="Office").run_once() == 1
    # The folder is re-created (new UIDVALIDITY) and the same message is in it again.
    world.dovecot.recreate("Office")
    world.dovecot.append(question(1), folder="Office")
    assert await world.receiver(folder="Office").run_once() == 1
    assert world.dovecot.uids("Office") == [] and len(world.dovecot.uids("Processed")) == 2
    assert len(await world.outbox(template="reply_faq")) == 1


async def test_two_auto_responders_cannot_start_a_loop(world: MailWorld) -> None:
    """Responders that answer everything, without any auto-reply markers, are answered once an hour at most."""
    await world.send_outbox()  # the invitation, out of the way
    responders = ["bot-a@example.com", "bot-b@example.org"]
    inbound = [
        write_mail(sender=r, to=OFFICE, subject="轉學考報名費多少？", body="轉學考報名費多少？")
        for r in responders
    ]
    to_responders: dict[str, int] = dict.fromkeys(responders, 0)
    for _round in range(5):
        if not inbound:
            break
        await world.receive(*inbound)
        inbound = []
        for message in await world.send_outbox():
            if message["To"] not in to_responders:
                continue  # notes to staff
            to_responders[message["To"]] += 1
            # Each responder answers at once, quoting us, looking like a person.
            inbound.append(write_mail(sender=message["To"], to=OFFICE, subject="Re: " + message["Subject"],
                                      body="I am away; your message:\n" + text_of(message)[:200],
                                      in_reply_to=message["Message-ID"]))  # fmt: skip
    assert inbound == []  # the exchange died out on its own
    assert to_responders == dict.fromkeys(responders, 1)
    answers = [r for r in await world.outbox(channel="email") if r.recipient in to_responders]
    assert len(answers) == 2
