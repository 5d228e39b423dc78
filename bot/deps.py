"""What the bot's handlers need, injected through the dispatcher (no global state)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from knowledge import KnowledgeBase
from workflows.chats import ChatSnapshots
from workflows.context import Context
from workflows.questions import QuestionLog
from workflows.status import StatusReports


@dataclass
class BotDeps:
    """The store context, the knowledge base, who is staff, a wake-up for the outbox sender, and the coalesced
    per-update reads and writes."""

    ctx: Context
    kb: KnowledgeBase
    staff_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    snapshots: ChatSnapshots = field(init=False)
    questions: QuestionLog = field(init=False)
    status_reports: StatusReports = field(init=False)

    def __post_init__(self) -> None:
        # Per bot, not global: the reads and writes of concurrent updates share round trips.
        self.snapshots = ChatSnapshots(self.ctx)
        self.questions = QuestionLog(self.ctx)
        self.status_reports = StatusReports(self.ctx)

    def is_staff(self, user_id: int | None) -> bool:
        """True for the office's Telegram accounts."""
        return user_id is not None and user_id in self.staff_ids
