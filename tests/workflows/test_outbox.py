"""The outbox: idempotent writes, claiming, retries, crash recovery, and no double claims on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from workflows import outbox
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.db import Database


def _msg(key: str, channel: str = "telegram", **kw: object) -> outbox.NewMessage:
    return outbox.NewMessage(channel=channel, recipient="42", idempotency_key=key, template="broadcast",
                             payload={}, body=f"hello {key}", **kw)  # type: ignore[arg-type]  # fmt: skip


async def _enqueue(ctx: Context, *messages: outbox.NewMessage) -> int:
    async with ctx.db.transaction() as session:
        return await outbox.enqueue(session, list(messages), ctx.clock.now())


async def test_same_key_is_written_once(ctx: Context) -> None:
    assert await _enqueue(ctx, _msg("a"), _msg("b")) == 2
    assert await _enqueue(ctx, _msg("a"), _msg("c")) == 1
    assert await outbox.counts_by_state(ctx) == {"pending": 3}


async def test_claim_send_retry_fail(ctx: Context, clock: FixedClock) -> None:
    await _enqueue(ctx, _msg("a"), _msg("b"), _msg("later", not_before=clock.now() + timedelta(hours=1)))
    await _enqueue(ctx, _msg("mail", channel="email"))
    claimed = await outbox.claim(ctx, "telegram", "w1")
    assert [c.idempotency_key for c in claimed] == ["a", "b"]
    assert await outbox.claim(ctx, "telegram", "w2") == []  # nothing else due
    await outbox.mark_sent(ctx, claimed[0].id)
    await outbox.mark_retry(ctx, claimed[1].id, claimed[1].attempts, "502")
    assert await outbox.claim(ctx, "telegram", "w1") == []  # backing off
    clock.advance(seconds=31)
    again = await outbox.claim(ctx, "telegram", "w1")
    assert [(c.idempotency_key, c.attempts) for c in again] == [("b", 2)]
    await outbox.mark_retry(ctx, again[0].id, outbox.MAX_ATTEMPTS, "502")
    clock.advance(hours=2)
    assert [c.idempotency_key for c in await outbox.claim(ctx, "telegram", "w1")] == ["later"]
    assert (await outbox.counts_by_state(ctx))["failed"] == 1


async def test_urgent_first(ctx: Context) -> None:
    await _enqueue(ctx, _msg("normal"), _msg("urgent", urgent=True))
    assert [c.idempotency_key for c in await outbox.claim(ctx, "telegram", "w", limit=1)] == ["urgent"]


async def test_mark_only_applies_to_a_claimed_row(ctx: Context) -> None:
    await _enqueue(ctx, _msg("a"))
    [row] = await outbox.claim(ctx, "telegram", "w")
    await outbox.mark_blocked(ctx, row.id, "403 blocked")
    await outbox.mark_sent(ctx, row.id)  # a late second report changes nothing
    assert await outbox.counts_by_state(ctx) == {"blocked": 1}


async def test_crash_recovery_never_resends_telegram(ctx: Context, clock: FixedClock) -> None:
    await _enqueue(ctx, _msg("tg"), _msg("mail", channel="email"))
    await outbox.claim(ctx, "telegram", "dead")
    await outbox.claim(ctx, "email", "dead")
    assert await outbox.recover_stale(ctx) == {"email": 0, "telegram": 0}  # lease not expired yet
    clock.advance(minutes=6)
    assert await outbox.recover_stale(ctx) == {"email": 1, "telegram": 1}
    assert await outbox.claim(ctx, "telegram", "w") == []
    assert [c.idempotency_key for c in await outbox.claim(ctx, "email", "w")] == ["mail"]
    assert (await outbox.counts_by_state(ctx))["uncertain"] == 1


async def test_cancel_by_prefix(ctx: Context) -> None:
    await _enqueue(ctx, _msg("reminder:pay:1"), _msg("reminder:pay:2"), _msg("other"))
    async with ctx.db.transaction() as session:
        assert await outbox.cancel(session, "reminder:pay:") == 2
    assert await outbox.counts_by_state(ctx) == {"cancelled": 2, "pending": 1}


async def test_two_workers_never_claim_the_same_row(ctx: Context) -> None:
    if ctx.db.dialect != "postgresql":
        pytest.skip("concurrent claiming is a PostgreSQL property (SQLite has one writer)")
    n = 600
    async with ctx.db.transaction() as session:
        await outbox.enqueue(session, [_msg(f"k{i}") for i in range(n)], ctx.clock.now())
    second = Database(ctx.settings.admissions_db_url)
    other = Context(db=second, settings=ctx.settings, clock=ctx.clock)

    async def worker(c: Context, name: str) -> list[int]:
        got: list[int] = []
        while batch := await outbox.claim(c, "telegram", name, limit=7):
            got += [row.id for row in batch]
            for row in batch:
                await outbox.mark_sent(c, row.id)
        return got

    try:
        a, b = await asyncio.gather(worker(ctx, "a"), worker(other, "b"))
    finally:
        await second.dispose()
    assert len(a) + len(b) == n
    assert not set(a) & set(b)
    assert a and b  # both really worked
    assert await outbox.counts_by_state(ctx) == {"sent": n}
