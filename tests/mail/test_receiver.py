"""The IMAP receiver against a real Dovecot: exactly-once handling, checkpoints, crashes, reconnects."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mail.extract import parse_message
from mail.receiver import CONNECTION_ERRORS, HandlerFailed, ImapSettings, MailboxReceiver
from tests.mail.dovecot import PASSWORD, USER, Dovecot, Tls, free_port


@dataclass
class MemoryCheckpoints:
    """The CheckpointStore protocol kept in a dict."""

    saved: dict[str, tuple[int, int]] = field(default_factory=dict)

    async def load(self, folder: str) -> tuple[int, int] | None:
        return self.saved.get(folder)

    async def save(self, folder: str, uidvalidity: int, last_uid: int) -> None:
        self.saved[folder] = (uidvalidity, last_uid)


@dataclass
class DedupingHandler:
    """Stands in for the lead's handler: records Message-IDs, and does the effect only for new ones."""

    seen: set[str] = field(default_factory=set)
    calls: list[int] = field(default_factory=list)
    effects: list[str] = field(default_factory=list)
    fail_next: int = 0  # raise after recording, this many times
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    on_record: Callable[[], None] | None = None  # runs (in a thread) right after recording

    async def __call__(self, uid: int, raw: bytes) -> None:
        self.calls.append(uid)
        message_id = parse_message(raw).message_id
        if message_id not in self.seen:
            self.seen.add(message_id)
            self.effects.append(message_id)
        if self.on_record is not None:
            await asyncio.to_thread(self.on_record)
            self.on_record = None
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("crash after recording")
        self.arrived.set()


def message(n: int) -> bytes:
    return (
        f"From: Applicant {n} <applicant{n}@example.com>\r\n"
        "To: admissions@office.example\r\n"
        f"Subject: question {n}\r\n"
        f"Message-ID: <q{n}@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"請問報名費多少？ ({n})\r\n"
    ).encode()


def settings(server: Dovecot, **overrides: object) -> ImapSettings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "username": USER,
        "password": PASSWORD,
        "use_ssl": False,
        "idle_check_interval": 0.2,
        "backoff_initial": 0.05,
        "backoff_max": 0.2,
        "timeout": 10,
    }
    values.update(overrides)
    return ImapSettings(**values)  # type: ignore[arg-type]


async def test_new_mail_is_handled_once_and_moved(dovecot: Dovecot) -> None:
    for n in (1, 2, 3):
        dovecot.append(message(n))
    state, handler = MemoryCheckpoints(), DedupingHandler()
    receiver = MailboxReceiver(settings(dovecot), state, handler)
    try:
        assert await receiver.run_once() == 3
        assert await receiver.run_once() == 0
    finally:
        await receiver.close()
    assert handler.effects == ["<q1@example.com>", "<q2@example.com>", "<q3@example.com>"]
    assert handler.calls == [1, 2, 3]
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Processed")) == 3
    assert state.saved["INBOX"][1] == 3


async def test_restart_resumes_from_the_checkpoint(dovecot: Dovecot) -> None:
    # Flag-only mode: handled mail stays in the folder, so only the checkpoint prevents a second hand-over.
    dovecot.append(message(1))
    state = MemoryCheckpoints()
    first = DedupingHandler()
    receiver = MailboxReceiver(settings(dovecot, processed_folder=None), state, first)
    assert await receiver.run_once() == 1
    await receiver.close()

    dovecot.append(message(2))
    second = DedupingHandler()  # a new process: nothing remembered but the checkpoint
    restarted = MailboxReceiver(settings(dovecot, processed_folder=None), state, second)
    try:
        assert await restarted.run_once() == 1
    finally:
        await restarted.close()
    assert second.calls == [2]
    assert all(b"\\Seen" in flags for flags in dovecot.flags("INBOX").values())


async def test_crash_after_handler_does_not_repeat_the_effect(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    state, handler = MemoryCheckpoints(), DedupingHandler(fail_next=1)
    receiver = MailboxReceiver(settings(dovecot), state, handler)
    try:
        with pytest.raises(HandlerFailed):
            await receiver.run_once()
        assert dovecot.uids("INBOX") == [1]  # neither checkpointed nor moved
        assert await receiver.run_once() == 1
    finally:
        await receiver.close()
    assert handler.calls == [1, 1]  # offered again ...
    assert handler.effects == ["<q1@example.com>"]  # ... but the dedupe kept the effect single
    assert dovecot.uids("INBOX") == []


async def test_connection_killed_before_move_hands_nothing_over_twice(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    state, handler = MemoryCheckpoints(), DedupingHandler(on_record=dovecot.kick)
    receiver = MailboxReceiver(settings(dovecot), state, handler)
    try:
        with pytest.raises(CONNECTION_ERRORS):
            await receiver.run_once()
        await receiver.close()
        assert dovecot.uids("INBOX") == [1]  # handled and checkpointed, never moved
        assert await receiver.run_once() == 0
    finally:
        await receiver.close()
    assert handler.calls == [1]
    assert dovecot.uids("INBOX") == []  # the leftover was moved on the next pass
    assert len(dovecot.uids("Processed")) == 1


async def test_uidvalidity_change_rescans_from_the_start(dovecot: Dovecot) -> None:
    dovecot.append(message(1), folder="Applications")
    state, handler = MemoryCheckpoints(), DedupingHandler()
    receiver = MailboxReceiver(
        settings(dovecot, folder="Applications", processed_folder=None), state, handler
    )
    try:
        assert await receiver.run_once() == 1
        old_validity = state.saved["Applications"][0]
        dovecot.recreate("Applications")
        dovecot.append(message(1), folder="Applications")  # the same mail again, under a new UIDVALIDITY
        dovecot.append(message(2), folder="Applications")
        assert await receiver.run_once() == 2
    finally:
        await receiver.close()
    assert state.saved["Applications"][0] != old_validity
    assert handler.calls == [1, 1, 2]
    assert handler.effects == ["<q1@example.com>", "<q2@example.com>"]


async def test_idle_delivers_new_mail_and_survives_a_dropped_connection(dovecot: Dovecot) -> None:
    state, handler = MemoryCheckpoints(), DedupingHandler()
    # Dovecot does not report mail that lands between the pass's SEARCH and IDLE until IDLE is renewed
    # (at most idle_renew, 60 s, in production); renewing every second keeps this test about reconnecting.
    receiver = MailboxReceiver(settings(dovecot, idle_renew=1.0), state, handler)
    stop = asyncio.Event()
    service = asyncio.create_task(receiver.run_forever(stop))
    try:
        await asyncio.to_thread(dovecot.append, message(1))
        await asyncio.wait_for(handler.arrived.wait(), 10)
        handler.arrived.clear()

        await asyncio.to_thread(dovecot.kick)
        await asyncio.to_thread(dovecot.append, message(2))
        await asyncio.wait_for(handler.arrived.wait(), 10)
    finally:
        stop.set()
        await asyncio.wait_for(service, 10)
    assert handler.effects == ["<q1@example.com>", "<q2@example.com>"]
    assert receiver.connections >= 2
    assert len(dovecot.uids("Processed")) == 2


async def test_a_message_the_handler_keeps_failing_on_is_flagged_and_skipped(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    dovecot.append(message(2))
    state, handler = MemoryCheckpoints(), DedupingHandler(fail_next=2)
    receiver = MailboxReceiver(settings(dovecot, max_handler_attempts=2), state, handler)
    try:
        with pytest.raises(HandlerFailed):
            await receiver.run_once()
        assert await receiver.run_once() == 1  # UID 1 given up on after 2 failures, UID 2 handled
        assert await receiver.run_once() == 0  # and the flagged one is not moved or offered again
    finally:
        await receiver.close()
    assert handler.calls == [1, 1, 2]
    assert dovecot.uids("INBOX") == [1]
    assert b"\\Flagged" in dovecot.flags("INBOX")[1]


async def test_server_without_idle_or_move_is_polled_and_copied(
    start_dovecot: Callable[..., Dovecot],
) -> None:
    server = start_dovecot("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS")
    state, handler = MemoryCheckpoints(), DedupingHandler()
    receiver = MailboxReceiver(settings(server, poll_interval=0.1), state, handler)
    stop = asyncio.Event()
    service = asyncio.create_task(receiver.run_forever(stop))
    try:
        await asyncio.to_thread(server.append, message(1))
        await asyncio.wait_for(handler.arrived.wait(), 10)
    finally:
        stop.set()
        await asyncio.wait_for(service, 10)
    assert handler.effects == ["<q1@example.com>"]
    assert server.uids("INBOX") == []
    assert len(server.uids("Processed")) == 1


async def test_server_down_at_start_is_retried_until_it_comes_up(
    start_dovecot: Callable[..., Dovecot],
) -> None:
    port = free_port()
    state, handler = MemoryCheckpoints(), DedupingHandler()
    receiver = MailboxReceiver(
        ImapSettings(host="127.0.0.1", port=port, username=USER, password=PASSWORD, use_ssl=False,
                     idle_check_interval=0.2, backoff_initial=0.05, backoff_max=0.2, timeout=5),
        state, handler,
    )  # fmt: skip
    stop = asyncio.Event()
    service = asyncio.create_task(receiver.run_forever(stop))
    try:
        await asyncio.sleep(0.3)  # a few refused connection attempts with backoff
        assert receiver.connections == 0 and not service.done()
        server = await asyncio.to_thread(start_dovecot, None, port)
        await asyncio.to_thread(server.append, message(1))
        await asyncio.wait_for(handler.arrived.wait(), 10)
    finally:
        stop.set()
        await asyncio.wait_for(service, 10)
    assert receiver.connections == 1
    assert handler.effects == ["<q1@example.com>"]


async def test_mail_arriving_during_a_pass_does_not_wait_for_the_idle_renewal(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    state = MemoryCheckpoints()
    handled_both = asyncio.Event()
    calls: list[int] = []

    async def handler(uid: int, raw: bytes) -> None:
        calls.append(uid)
        if uid == 1:  # delivered after this pass searched; the server only says so in responses we never see
            await asyncio.to_thread(dovecot.append, message(2))
        if len(calls) == 2:
            handled_both.set()

    receiver = MailboxReceiver(settings(dovecot, idle_renew=600), state, handler)
    stop = asyncio.Event()
    service = asyncio.create_task(receiver.run_forever(stop))
    try:
        await asyncio.wait_for(handled_both.wait(), 10)
    finally:
        stop.set()
        await asyncio.wait_for(service, 10)
    assert calls == [1, 2]


async def test_skip_backlog_leaves_old_mail_alone_on_the_first_run(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    dovecot.append(message(2))
    state, handler = MemoryCheckpoints(), DedupingHandler()
    receiver = MailboxReceiver(settings(dovecot, skip_backlog=True), state, handler)
    try:
        assert await receiver.run_once() == 0
        dovecot.append(message(3))
        assert await receiver.run_once() == 1
    finally:
        await receiver.close()
    assert handler.calls == [3]
    # Below the checkpoint counts as dealt with: the old mail is filed too, never handed to the handler.
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Processed")) == 3


@pytest.mark.parametrize("mode", ["imaps", "starttls"])
async def test_tls_connections_verify_the_certificate(
    mode: str,
    start_dovecot: Callable[..., Dovecot],
    certificate: tuple[Path, Path],
    client_tls: ssl.SSLContext,
) -> None:
    server = start_dovecot(tls=Tls(certificate[0], certificate[1], free_port()))
    server.append(message(1))
    assert server.tls is not None
    port = server.tls.port if mode == "imaps" else server.port
    options = {"port": port, "use_ssl": mode == "imaps", "starttls": mode == "starttls"}

    untrusting = MailboxReceiver(settings(server, **options), MemoryCheckpoints(), DedupingHandler())
    with pytest.raises(ssl.SSLCertVerificationError):  # the system CAs do not know the test certificate
        await untrusting.run_once()
    await untrusting.close()

    handler = DedupingHandler()
    receiver = MailboxReceiver(
        settings(server, ssl_context=client_tls, **options), MemoryCheckpoints(), handler
    )
    try:
        assert await receiver.run_once() == 1
    finally:
        await receiver.close()
    assert handler.effects == ["<q1@example.com>"]
