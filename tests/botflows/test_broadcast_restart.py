"""A broadcast to 5,000 chats through `assistant serve` in a separate process, with 429s and blocked users
injected by the stand-in, stopped in the middle and restarted: every chat that has not blocked the bot gets the
announcement exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert

from bot.sandbox import BotApiSandbox, FloodLimits
from tests.workflows.conftest import SPEC
from workflows import outbox
from workflows.broadcasts import create_broadcast
from workflows.catalog import install_round
from workflows.context import Context
from workflows.identity import national_id
from workflows.importers import import_rows
from workflows.models import ChatLink, Registration, TelegramChat

CHATS = 5000
BLOCKED = range(0, CHATS, 97)  # every 97th chat has blocked the bot without the store knowing
FIRST_CHAT = 8_000_000_000


async def _linked_chats(ctx: Context) -> None:
    async with ctx.db.transaction() as session:
        await install_round(session, SPEC)
    rows = [
        {"round": SPEC.id, "program": "260", "serial": f"BC{i:05d}", "name": "考生", "national_id":
         national_id("ABCDEFGHJK"[i % 10], 1 + i % 2, f"{i:07d}"), "birth_date": "1990-01-01",
         "email": f"p{i}@example.com", "virtual_account": f"{i:014d}"}
        for i in range(CHATS)
    ]  # fmt: skip
    assert (await import_rows(ctx, "registrations", enumerate(rows, start=2))).imported
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        ids = (await session.execute(Registration.__table__.select().with_only_columns(Registration.id)
                                     .order_by(Registration.id))).scalars().all()  # fmt: skip
        await session.execute(insert(TelegramChat), [
            {"chat_id": FIRST_CHAT + i, "user_id": FIRST_CHAT + i, "language": "zh", "reminders_enabled": True,
             "blocked": False, "first_seen_at": now} for i in range(CHATS)])  # fmt: skip
        await session.execute(insert(ChatLink), [
            {"user_id": FIRST_CHAT + i, "chat_id": FIRST_CHAT + i, "registration_id": reg, "linked_at": now}
            for i, reg in enumerate(ids)])  # fmt: skip


async def _serve(sandbox: BotApiSandbox, db_url: str, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "ADMISSIONS_DB_URL": db_url, "ADMISSIONS_SECRET": "test-secret",
           "TELEGRAM_BOT_TOKEN": sandbox.token, "TELEGRAM_API_BASE": sandbox.base_url,
           "TELEGRAM_GLOBAL_RATE": "1000", "TELEGRAM_CHAT_RATE": "1", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    with log.open("ab") as out:  # a file, not a pipe: nobody reads the child's output while it runs
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "cli", "serve", env=env, stdout=out,
                                                    stderr=out, cwd=Path(__file__).parents[2])  # fmt: skip


def _delivered(sandbox: BotApiSandbox) -> dict[int, int]:
    counts: dict[int, int] = {}
    for message in sandbox.all_sent():
        if "系統維護" in message["text"]:
            counts[message["chat"]["id"]] = counts.get(message["chat"]["id"], 0) + 1
    return counts


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL])
async def test_broadcast_survives_a_restart(ctx: Context, db_url: str, stop_signal: int, tmp_path: Path) -> None:
    await _linked_chats(ctx)
    broadcast_id = await create_broadcast(ctx, staff="tg:1", text="系統維護通知", segment="all")
    async with BotApiSandbox(seed=7, limits=FloodLimits(per_chat_rate=1, per_chat_burst=1, global_rate=1200,
                                                        global_burst=20)) as sandbox:  # fmt: skip
        for i in BLOCKED:
            sandbox.block(FIRST_CHAT + i)
        sandbox.inject_429(None, retry_after=1, times=25)
        first = await _serve(sandbox, db_url, tmp_path / "serve.log")
        started = await sandbox.wait_until(lambda: len(_delivered(sandbox)) >= CHATS // 3, timeout=120)
        assert started, (tmp_path / "serve.log").read_text()[-3000:]
        first.send_signal(stop_signal)
        await asyncio.wait_for(first.wait(), 30)
        after_stop = _delivered(sandbox)
        assert len(after_stop) < CHATS - len(BLOCKED), "stopped too late to test a restart"
        second = await _serve(sandbox, db_url, tmp_path / "serve.log")
        try:
            expected = CHATS - len(BLOCKED)
            counts = await outbox.counts_by_state(ctx, f"broadcast:{broadcast_id}:")
            await sandbox.wait_until(lambda: len(_delivered(sandbox)) >= expected - 200, timeout=120)
            for _ in range(100):  # until every row has a final state (or only in-flight ones of the kill remain)
                counts = await outbox.counts_by_state(ctx, f"broadcast:{broadcast_id}:")
                if counts.get("pending", 0) == 0 and counts.get("sending", 0) <= (0 if stop_signal == signal.SIGTERM else 200):
                    break
                await asyncio.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.wait(), 30)
        delivered = _delivered(sandbox)
    assert max(delivered.values()) == 1, "a chat got the announcement twice"
    assert not set(delivered) & {FIRST_CHAT + i for i in BLOCKED}
    assert sandbox.too_many_requests >= 25
    counts = await outbox.counts_by_state(ctx, f"broadcast:{broadcast_id}:")
    if stop_signal == signal.SIGTERM:
        # A graceful stop finishes and records what is in flight: nothing lost, nothing twice.
        assert counts == {"sent": CHATS - len(BLOCKED), "blocked": len(BLOCKED)}
        assert len(delivered) == CHATS - len(BLOCKED)
    else:
        # A hard kill can leave the messages that were in flight unrecorded; they are never resent
        # (recover_stale marks them uncertain once their lease expires), so at most those are missing.
        in_flight = counts.get("sending", 0)
        assert in_flight <= 200
        assert counts.get("sent", 0) + counts.get("blocked", 0) + in_flight == CHATS
        assert counts.get("blocked", 0) >= len(BLOCKED) - in_flight
        assert len(delivered) >= CHATS - len(BLOCKED) - in_flight
