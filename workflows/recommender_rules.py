"""The rules for recommenders, as pure functions shared by the status report and the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from workflows.models import Deadline, Recommender

RESEND_INTERVAL = timedelta(hours=24)
MAX_MESSAGE = 500


def resend_refusal(rec: Recommender, deadline: Deadline | None, now: datetime) -> tuple[str, datetime | None] | None:
    """Why the invitation cannot be resent now (reason code, and when it can be where that applies), or None.

    Codes: completed, declined, past_deadline, undeliverable, too_soon.
    """
    if rec.status in ("completed", "declined"):
        return rec.status, None
    if deadline is not None and now > deadline.due_at:
        return "past_deadline", None
    if rec.email_undeliverable:
        return "undeliverable", None
    next_allowed = rec.last_invited_at + RESEND_INTERVAL
    if rec.resend_count > 0 and now < next_allowed:
        return "too_soon", next_allowed
    return None


def editable(rec: Recommender) -> bool:
    """Name, organisation, title, relationship and phone can change until the recommender has started."""
    return rec.status == "invited" and rec.started_at is None
