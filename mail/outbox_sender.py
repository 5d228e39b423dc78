"""Delivers the email rows of the outbox over SMTP, one connection per batch, each row marked as it goes.

Every row gets a Message-ID derived from its outbox id, so a row retried after a crash goes out with the same
Message-ID (mail clients drop the rare duplicate) and a bounce names the row it returns. Temporary failures
go back to the outbox with backoff, permanent ones are marked failed; unwanted reminders are cancelled and
addresses known to bounce are not tried again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage

from mail.compose import compose
from mail.smtp_sender import SendOutcome, SmtpSession, SmtpSettings
from mail.templates import RenderedMail, UnknownTemplate, invitation, render
from workflows import outbox
from workflows.context import Context
from workflows.delivery_checks import unwanted_reason
from workflows.mail_state import undeliverable_among
from workflows.recommenders import invitation_details

log = logging.getLogger(__name__)
_OUTBOX_ID = re.compile(r"^<outbox\.(\d+)\.[0-9a-f]+@")


@dataclass(frozen=True)
class MailIdentity:
    """Who the office's mail comes from, and the base address reply keys are added to."""

    from_addr: str
    reply_base: str
    from_name: str = "招生委員會 Admissions Office"

    @property
    def domain(self) -> str:
        """The domain of Message-IDs."""
        return self.from_addr.rpartition("@")[2] or "localhost"


def outbox_message_id(row_id: int, idempotency_key: str, domain: str) -> str:
    """The Message-ID of an outbox row: stable across retries, unique across stores (the key's hash)."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]
    return f"<outbox.{row_id}.{digest}@{domain}>"


def outbox_id(message_id: str | None) -> int | None:
    """The outbox row a Message-ID of ours belongs to (for bounces), or None."""
    match = _OUTBOX_ID.match(message_id or "")
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class _Skip:
    """A row that is not sent: how to mark it."""

    state: str  # cancelled | blocked | failed
    reason: str


class EmailOutbox:
    """Claims due email rows in batches and sends them on one SMTP connection per batch."""

    def __init__(self, ctx: Context, smtp: SmtpSettings, identity: MailIdentity, worker: str, *,
                 batch: int = 50, idle_seconds: float = 1.0, gather_seconds: float = 0.05) -> None:  # fmt: skip
        self.ctx = ctx
        self.gather_seconds = gather_seconds
        self.smtp = smtp
        self.identity = identity
        self.worker = worker
        self.batch = batch
        self.idle_seconds = idle_seconds

    async def run_once(self, session: SmtpSession | None = None) -> int:
        """Deliver one batch (on ``session`` when given, else on a connection of its own); returns how many
        rows were claimed."""
        rows = await outbox.claim(self.ctx, "email", self.worker, limit=self.batch)
        if not rows:
            return 0
        bouncing = await undeliverable_among(self.ctx, [r.recipient for r in rows])
        async with contextlib.AsyncExitStack() as stack:
            smtp = session if session is not None else await stack.enter_async_context(SmtpSession(self.smtp))
            for row in rows:
                prepared = await self._prepare(row, bouncing)
                if isinstance(prepared, _Skip):
                    await _mark_skipped(self.ctx, row.id, prepared)
                    continue
                outcome = await smtp.send(
                    prepared, sender=self.identity.from_addr, recipients=[row.recipient]
                )
                await self._record(row, outcome)
        return len(rows)

    async def _prepare(self, row: outbox.Claimed, bouncing: set[str]) -> EmailMessage | _Skip:
        if row.recipient.strip().lower() in bouncing:
            return _Skip("blocked", "the address is known to bounce")
        unwanted = await unwanted_reason(self.ctx, row)
        if unwanted:
            return _Skip("cancelled", unwanted)
        reply_key = row.payload.get("reply_key")
        try:
            if row.template == "recommender_invitation":
                details = await invitation_details(self.ctx, int(row.payload["recommender_id"]))
                if details is None:
                    return _Skip("failed", "the recommender no longer exists")
                if details.status != "invited":
                    return _Skip("cancelled", f"the recommender has {details.status}")
                rendered: RenderedMail = invitation(
                    details, row.payload.get("message"), bool(row.payload.get("resend"))
                )
                reply_key = details.reply_key
            else:
                rendered = render(row)
        except (UnknownTemplate, KeyError, ValueError) as exc:
            return _Skip("failed", f"cannot render: {exc}")
        return compose(
            from_addr=self.identity.from_addr, from_name=self.identity.from_name, to=row.recipient,
            subject=rendered.subject, text=rendered.text, html=rendered.html,
            reply_key=reply_key, reply_base=self.identity.reply_base,
            in_reply_to=row.payload.get("in_reply_to"), references=row.payload.get("references") or (),
            message_id=outbox_message_id(row.id, row.idempotency_key, self.identity.domain), now=self.ctx.clock.now(),
        )  # fmt: skip

    async def _record(self, row: outbox.Claimed, outcome: SendOutcome) -> None:
        if outcome.status == "sent":
            await outbox.mark_sent(self.ctx, row.id)
        elif outcome.status == "permanent":
            log.warning("email row %s refused for good: %s", row.id, outcome.detail)
            await outbox.mark_failed(self.ctx, row.id, outcome.detail)
        else:
            log.info("email row %s not sent yet (attempt %s): %s", row.id, row.attempts, outcome.detail)
            await outbox.mark_retry(self.ctx, row.id, row.attempts, outcome.detail)

    async def run_forever(self, stop: asyncio.Event, wakeup: asyncio.Event | None = None) -> None:
        """Deliver until ``stop`` is set; sleeps when idle, wakes early when ``wakeup`` is set.

        Rows left in ``sending`` by a worker that died are retried with their same Message-ID.
        """
        recovered = await outbox.recover_stale(self.ctx)
        if recovered.get("email"):
            log.warning("%d email(s) were in flight when a worker stopped: sending again", recovered["email"])
        wakeup = wakeup or asyncio.Event()
        # One connection while there is work; closed when idle, so that no server times out a silent one.
        session = SmtpSession(self.smtp)
        while not stop.is_set():
            try:
                if await self.run_once(session):
                    continue
            except Exception:  # the store being briefly unavailable must not end the sender
                log.exception("email outbox pass failed; trying again shortly")
            await session.close()
            wakeup.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wakeup.wait())]
            await asyncio.wait(waiters, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if wakeup.is_set() and not stop.is_set():
                # Woken by one new row: give its neighbours a moment, so that a burst is claimed as one batch.
                await asyncio.sleep(self.gather_seconds)
        await session.close()


async def _mark_skipped(ctx: Context, row_id: int, skip: _Skip) -> None:
    if skip.state == "cancelled":
        await outbox.mark_cancelled(ctx, row_id, skip.reason)
    elif skip.state == "blocked":
        await outbox.mark_blocked(ctx, row_id, skip.reason)
    else:
        await outbox.mark_failed(ctx, row_id, skip.reason)
