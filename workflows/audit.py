"""The audit log: every identity attempt, link, resend and import is recorded. Never a full national ID."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.context import Context
from workflows.models import AuditLog


def record(
    session: AsyncSession, at: datetime, actor: str, action: str, subject: str = "", **detail: Any
) -> None:
    """Add an audit row to the current transaction."""
    session.add(AuditLog(at=at, actor=actor, action=action, subject=subject, detail=detail))


@dataclass(frozen=True)
class AuditEntry:
    """One audit row as written (subject and detail are masked or hashed by whoever recorded them)."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


async def list_audit(
    ctx: Context, *, since: datetime | None = None, action: str | None = None, actor: str | None = None,
    limit: int = 50,
) -> list[AuditEntry]:  # fmt: skip
    """Audit rows at or after ``since`` with exactly this action and actor (each filter optional), newest first."""
    query = select(AuditLog)
    if since is not None:
        query = query.where(AuditLog.at >= since)
    if action:
        query = query.where(AuditLog.action == action)
    if actor:
        query = query.where(AuditLog.actor == actor)
    async with ctx.db.sessions() as session:
        rows = await session.scalars(query.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit))
        return [AuditEntry(r.id, r.at, r.actor, r.action, r.subject, dict(r.detail or {})) for r in rows]
