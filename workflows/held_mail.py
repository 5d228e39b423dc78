"""Held mail as staff see it: list what is waiting, read one message, mark it resolved.

The mail processor keeps these rows (`mail_state.hold_mail`, national IDs already masked); who resolved a
message and why lives in the audit log, so the `held_mail` table needs no columns for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows import audit
from workflows.context import Context
from workflows.identity import redact_ids
from workflows.models import AuditLog, HeldMail, Recommender, Registration

RESOLVED_ACTION = "held_mail_resolved"
MAX_ACTOR = 64  # AuditLog.actor
MAX_NOTE = 1000
MAX_ID = 2**31 - 1  # held_mail.id is a 32-bit integer on PostgreSQL: a larger id is unknown, not a query error


@dataclass(frozen=True)
class HeldSummary:
    """One held message as a line of the list."""

    id: int
    received_at: datetime
    reason: str
    sender: str
    subject: str
    resolved_at: datetime | None


@dataclass(frozen=True)
class HeldMessage(HeldSummary):
    """The whole record: the list fields, the (masked) text, where the raw message is, and who resolved it."""

    message_id: str
    text: str
    recommender_id: int | None
    serial: str | None  # the registration the recommender belongs to
    raw_path: str | None
    resolved_by: str | None
    resolution_note: str | None


@dataclass(frozen=True)
class ResolveResult:
    """status: resolved | already_resolved | not_found; when and by whom for the first two."""

    status: Literal["resolved", "already_resolved", "not_found"]
    held_id: int
    resolved_at: datetime | None = None
    resolved_by: str | None = None


async def list_held(ctx: Context, *, include_resolved: bool = False, limit: int = 50) -> list[HeldSummary]:
    """Held messages, newest first; only those still waiting unless ``include_resolved``."""
    query = select(
        HeldMail.id, HeldMail.received_at, HeldMail.reason, HeldMail.sender, HeldMail.subject, HeldMail.resolved_at
    )
    if not include_resolved:
        query = query.where(HeldMail.resolved_at.is_(None))
    async with ctx.db.sessions() as session:
        rows = await session.execute(query.order_by(HeldMail.received_at.desc(), HeldMail.id.desc()).limit(limit))
        return [HeldSummary(*row) for row in rows.all()]


async def _resolution(session: AsyncSession, held_id: int) -> tuple[str, str | None] | None:
    """(actor, note) of the audit row that resolved the message, if any."""
    row = await session.scalar(
        select(AuditLog)
        .where(AuditLog.action == RESOLVED_ACTION, AuditLog.subject == str(held_id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(1)
    )
    return None if row is None else (row.actor, row.detail.get("note"))


async def get_held(ctx: Context, held_id: int) -> HeldMessage | None:
    """One held message with everything staff need to act on it; None when there is no such id."""
    if not 0 < held_id <= MAX_ID:
        return None
    async with ctx.db.sessions() as session:
        found = (
            await session.execute(
                select(HeldMail, Registration.serial)
                .outerjoin(Recommender, Recommender.id == HeldMail.recommender_id)
                .outerjoin(Registration, Registration.id == Recommender.registration_id)
                .where(HeldMail.id == held_id)
            )
        ).first()
        if found is None:
            return None
        held, serial = found
        resolution = await _resolution(session, held_id) if held.resolved_at else None
    return HeldMessage(
        id=held.id, received_at=held.received_at, reason=held.reason, sender=held.sender, subject=held.subject,
        resolved_at=held.resolved_at, message_id=held.message_id, text=held.text,
        recommender_id=held.recommender_id, serial=serial, raw_path=held.raw_path,
        resolved_by=resolution[0] if resolution else None, resolution_note=resolution[1] if resolution else None,
    )  # fmt: skip


async def resolve_held(ctx: Context, held_id: int, *, actor: str, note: str | None = None) -> ResolveResult:
    """Mark a held message resolved and record who did it (and the note, IDs masked) in the audit log.

    Resolving is done once: a second attempt, or an unknown id, changes nothing and says so.
    """
    if not 0 < held_id <= MAX_ID:
        return ResolveResult("not_found", held_id)
    now = ctx.clock.now()
    actor = redact_ids(actor.strip())[:MAX_ACTOR] or "unknown"
    note = redact_ids((note or "").strip())[:MAX_NOTE]
    async with ctx.db.transaction() as session:
        # The condition on resolved_at makes the update the arbiter when two people resolve at once.
        claimed = await session.scalar(
            update(HeldMail)
            .where(HeldMail.id == held_id, HeldMail.resolved_at.is_(None))
            .values(resolved_at=now)
            .returning(HeldMail.reason)
        )
        if claimed is not None:
            audit.record(session, now, actor, RESOLVED_ACTION, str(held_id), reason=claimed,
                         **({"note": note} if note else {}))  # fmt: skip
            return ResolveResult("resolved", held_id, now, actor)
        resolved_at = await session.scalar(select(HeldMail.resolved_at).where(HeldMail.id == held_id))
        if resolved_at is None:  # the update matched nothing, so there is no such row
            return ResolveResult("not_found", held_id)
        resolution = await _resolution(session, held_id)
        return ResolveResult("already_resolved", held_id, resolved_at, resolution[0] if resolution else None)
