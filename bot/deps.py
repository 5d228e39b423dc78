"""What the bot's handlers need, injected through the dispatcher (no global state)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from knowledge import KnowledgeBase
from workflows.context import Context


@dataclass
class BotDeps:
    """The store context, the knowledge base, who is staff, and a wake-up for the outbox sender."""

    ctx: Context
    kb: KnowledgeBase
    staff_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    def is_staff(self, user_id: int | None) -> bool:
        """True for the office's Telegram accounts."""
        return user_id is not None and user_id in self.staff_ids
