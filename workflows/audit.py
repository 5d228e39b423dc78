"""The audit log: every identity attempt, link, resend and import is recorded. Never a full national ID."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workflows.models import AuditLog


def record(
    session: AsyncSession, at: datetime, actor: str, action: str, subject: str = "", **detail: Any
) -> None:
    """Add an audit row to the current transaction."""
    session.add(AuditLog(at=at, actor=actor, action=action, subject=subject, detail=detail))
