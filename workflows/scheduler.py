"""The reminder scheduler: every minute, write the reminders and the staff digest that are due."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from workflows.context import Context
from workflows.digest import enqueue_digest
from workflows.reminder_rules import RuleBook, rules_for
from workflows.reminders import RunReport, enqueue_due

log = logging.getLogger(__name__)


class ReminderScheduler:
    """Runs the reminder rules against the store; several may run at once (the outbox keys dedupe)."""

    def __init__(self, ctx: Context, book: RuleBook | None = None, wakeup: asyncio.Event | None = None) -> None:
        self.ctx = ctx
        self.book = book or rules_for(ctx.settings)  # a broken rules file stops the start, naming the rule
        self.wakeup = wakeup

    async def run_once(self) -> RunReport:
        """Write what is due now; returns what was written."""
        report = await enqueue_due(self.ctx, self.book)
        report.digests = await enqueue_digest(self.ctx, self.book.digest_at)
        if report.enqueued or report.digests:
            log.info("reminders: %d enqueued (%d late), %d dropped, %d unreachable, %d digest(s)",
                     report.enqueued, report.late, report.dropped, report.unreachable, report.digests)  # fmt: skip
            if self.wakeup is not None:
                self.wakeup.set()
        return report

    async def run_forever(self, stop: asyncio.Event, interval_seconds: float = 60.0) -> None:
        """Run every `interval_seconds` until `stop` is set; an error in one run is logged, not fatal."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # a store outage must not stop the service; the next run catches up
                log.exception("reminder run failed; retrying in %.0f s", interval_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
