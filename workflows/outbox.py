"""The outbox: every message to a person is a row first, with an idempotency key; senders claim and deliver.

Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL so several workers never take the same row; SQLite has a
single writer, so a plain transaction is enough there.

A row that was claimed but never marked (the worker died mid-send) is recovered by `recover_stale`: email is
retried (the same Message-ID lets mail clients drop a rare duplicate), Telegram is marked `uncertain` and never
resent automatically, because Telegram has no idempotency key and a message must never arrive twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.bulk import insert_ignore, rowcount
from workflows.context import Context
from workflows.models import OutboxMessage

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
STATES = ("pending", "sending", "sent", "failed", "blocked", "cancelled", "uncertain")


@dataclass(frozen=True)
class NewMessage:
    """A message to write to the outbox."""

    channel: str  # telegram | email
    recipient: str
    idempotency_key: str
    template: str
    payload: dict[str, Any]
    body: str | None = None
    lang: str = "zh"
    not_before: datetime | None = None
    urgent: bool = False
    registration_id: int | None = None


@dataclass(frozen=True)
class Claimed:
    """A claimed row, as plain data for a sender."""

    id: int
    channel: str
    recipient: str
    idempotency_key: str
    template: str
    payload: dict[str, Any]
    body: str | None
    lang: str
    attempts: int
    registration_id: int | None


async def enqueue(session: AsyncSession, messages: Sequence[NewMessage], now: datetime) -> int:
    """Write messages in the caller's transaction; a key already present is skipped. Returns rows added."""
    if not messages:
        return 0
    rows = [
        {
            "channel": m.channel, "recipient": m.recipient, "idempotency_key": m.idempotency_key,
            "template": m.template, "payload": m.payload, "body": m.body, "lang": m.lang, "state": "pending",
            "attempts": 0, "next_attempt_at": m.not_before or now, "urgent": m.urgent,
            "registration_id": m.registration_id, "created_at": now,
        }
        for m in messages
    ]  # fmt: skip
    return await insert_ignore(session, OutboxMessage, rows, ["idempotency_key"])


async def claim(ctx: Context, channel: str, worker: str, limit: int = 50) -> list[Claimed]:
    """Take up to `limit` due rows of a channel for this worker (state pending -> sending)."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.state == "pending",
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.urgent.desc(), OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if ctx.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(await session.scalars(query))
        for row in rows:
            row.state, row.claimed_by, row.claimed_at = "sending", worker, now
            row.attempts += 1
        return [
            Claimed(r.id, r.channel, r.recipient, r.idempotency_key, r.template, r.payload, r.body, r.lang,
                    r.attempts, r.registration_id)
            for r in rows
        ]  # fmt: skip


async def _finish(ctx: Context, row_id: int, **values: Any) -> None:
    async with ctx.db.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.state == "sending")
            .values(claimed_by=None, **values)
        )


async def mark_sent(ctx: Context, row_id: int) -> None:
    """The channel accepted the message."""
    await _finish(ctx, row_id, state="sent", sent_at=ctx.clock.now(), last_error=None)


async def mark_blocked(ctx: Context, row_id: int, error: str) -> None:
    """The person blocked the bot / the address is undeliverable: never retried."""
    await _finish(ctx, row_id, state="blocked", last_error=error[:500])


async def mark_failed(ctx: Context, row_id: int, error: str) -> None:
    """A permanent failure: never retried."""
    await _finish(ctx, row_id, state="failed", last_error=error[:500])


async def mark_cancelled(ctx: Context, row_id: int, reason: str) -> None:
    """No longer wanted when its turn came (e.g. a reminder for a fee already paid): never sent."""
    await _finish(ctx, row_id, state="cancelled", last_error=reason[:500])


async def mark_retry(ctx: Context, row_id: int, attempts: int, error: str, at: datetime | None = None) -> None:
    """A temporary failure: back to pending at `at` (or exponential backoff); failed after MAX_ATTEMPTS."""
    if attempts >= MAX_ATTEMPTS:
        await mark_failed(ctx, row_id, f"gave up after {attempts} attempts: {error}")
        return
    when = at or ctx.clock.now() + timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
    await _finish(ctx, row_id, state="pending", next_attempt_at=when, last_error=error[:500])


async def recover_stale(ctx: Context, lease: timedelta = LEASE) -> dict[str, int]:
    """Rows left in `sending` by a dead worker: email back to pending, Telegram to uncertain."""
    cutoff = ctx.clock.now() - lease
    counts = {}
    async with ctx.db.transaction() as session:
        for channel, state in (("email", "pending"), ("telegram", "uncertain")):
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.channel == channel,
                    OutboxMessage.state == "sending",
                    OutboxMessage.claimed_at < cutoff,
                )
                .values(state=state, claimed_by=None, last_error="worker stopped during delivery")
            )
            counts[channel] = rowcount(result)
    return counts


async def cancel(session: AsyncSession, key_prefix: str) -> int:
    """Cancel pending rows whose idempotency key starts with `key_prefix` (e.g. a reminder no longer due)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key.startswith(key_prefix), OutboxMessage.state == "pending")
        .values(state="cancelled")
    )
    return rowcount(result)


async def counts_by_state(ctx: Context, key_prefix: str = "") -> dict[str, int]:
    """How many rows are in each state (optionally for one key prefix, e.g. a broadcast)."""
    async with ctx.db.sessions() as session:
        query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        if key_prefix:
            query = query.where(OutboxMessage.idempotency_key.startswith(key_prefix))
        rows = await session.execute(query)
        return {state: n for state, n in rows.all()}
