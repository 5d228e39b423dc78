"""Delivers the Telegram rows of the outbox through the one rate-limited sender, each exactly once.

A row is marked as soon as its own send returns, so a crash can leave at most the messages in flight
unmarked; `recover_stale` turns those into `uncertain` instead of sending them again. Stopping (SIGTERM,
`stop` set) lets the batch in hand finish and be marked first.
"""

from __future__ import annotations

import asyncio
import logging

from bot.outbox_render import UnknownTemplate, render
from bot.sender import TelegramSender
from workflows import outbox
from workflows.chats import blocked_chats, set_blocked
from workflows.context import Context
from workflows.delivery_checks import unwanted_reason
from workflows.handoffs import attach_staff_message

log = logging.getLogger(__name__)


class TelegramOutbox:
    """Claims due Telegram rows in batches and sends them concurrently within the sender's limits."""

    def __init__(self, ctx: Context, sender: TelegramSender, worker: str, *, batch: int = 100,
                 idle_seconds: float = 1.0) -> None:  # fmt: skip
        self.ctx = ctx
        self.sender = sender
        self.worker = worker
        self.batch = batch
        self.idle_seconds = idle_seconds

    async def run_once(self) -> int:
        """Deliver one batch; returns how many rows were claimed."""
        rows = await outbox.claim(self.ctx, "telegram", self.worker, limit=self.batch)
        if not rows:
            return 0
        blocked = await blocked_chats(self.ctx, [int(r.recipient) for r in rows if r.recipient.lstrip("-").isdigit()])
        await asyncio.gather(*(self._deliver(row, blocked) for row in rows))
        return len(rows)

    async def _deliver(self, row: outbox.Claimed, blocked: set[int]) -> None:
        try:
            text = render(row)
            chat_id = int(row.recipient)
        except (UnknownTemplate, ValueError) as exc:
            await outbox.mark_failed(self.ctx, row.id, f"cannot render: {exc}")
            return
        if chat_id in blocked:
            await outbox.mark_blocked(self.ctx, row.id, "chat has blocked the bot")
            return
        unwanted = await unwanted_reason(self.ctx, row)  # a reminder whose task was done since it was planned
        if unwanted:
            await outbox.mark_cancelled(self.ctx, row.id, unwanted)
            return
        result = await self.sender.send(chat_id, text)
        if result.status == "sent":
            await outbox.mark_sent(self.ctx, row.id)
            handoff_id = row.payload.get("handoff_id")
            if row.template == "staff_notice" and handoff_id and result.message_id:
                # An emailed question shown in the staff chat: a reply to this message answers it by email.
                await attach_staff_message(self.ctx, int(handoff_id), result.message_id)
        elif result.status == "blocked":
            await outbox.mark_blocked(self.ctx, row.id, result.error or "blocked")
            await set_blocked(self.ctx, chat_id, True)
        elif result.status == "failed":
            await outbox.mark_failed(self.ctx, row.id, result.error or "failed")
        else:
            await outbox.mark_retry(self.ctx, row.id, row.attempts, result.error or "retry", result.retry_at)

    async def run_forever(self, stop: asyncio.Event, wakeup: asyncio.Event | None = None) -> None:
        """Deliver until `stop` is set; sleeps when idle, wakes early when `wakeup` is set."""
        recovered = await outbox.recover_stale(self.ctx)
        if recovered.get("telegram"):
            log.warning("%d Telegram message(s) were in flight when a worker stopped: marked uncertain",
                        recovered["telegram"])  # fmt: skip
        wakeup = wakeup or asyncio.Event()
        while not stop.is_set():
            if await self.run_once():
                continue
            wakeup.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wakeup.wait())]
            await asyncio.wait(waiters, timeout=self.idle_seconds, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
