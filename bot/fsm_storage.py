"""aiogram FSM storage in the workflow store, so conversations survive restarts and several bot workers
share them without Redis. (With REDIS_URL set, aiogram's RedisStorage is used instead.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey

from workflows.bulk import upsert
from workflows.context import Context
from workflows.models import ConversationState


class StoreStorage(BaseStorage):
    """One row per conversation key in `conversation_states`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.keys = DefaultKeyBuilder(with_bot_id=True)

    async def _write(self, key: StorageKey, **values: Any) -> None:
        row = {"key": self.keys.build(key), "updated_at": self.ctx.clock.now(), **values}
        async with self.ctx.db.transaction() as session:
            await upsert(session, ConversationState, [{"state": None, "data": {}, **row}], ["key"],
                         [c for c in values] + ["updated_at"])  # fmt: skip

    async def _read(self, key: StorageKey) -> ConversationState | None:
        async with self.ctx.db.sessions() as session:
            return await session.get(ConversationState, self.keys.build(key))

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        await self._write(key, state=state.state if isinstance(state, State) else state)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        return dict(row.data) if row else {}

    async def close(self) -> None:
        """Nothing to close: the store's engine belongs to the composition root."""
