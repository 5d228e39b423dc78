"""Several bot workers share conversations (store or Redis storage); webhook mode end to end."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Update

from bot.app import build_bot, build_dispatcher
from bot.deps import BotDeps
from bot.fsm_storage import StoreStorage
from bot.sandbox import BotApiSandbox
from bot.service import WEBHOOK_PATH, BotService
from knowledge import KnowledgeBase
from tests.botflows.conftest import ALICE_TG, seed
from tests.conftest import REDIS_URL, require_redis
from workflows.context import Context


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _webhook_ctx(ctx: Context, **settings: Any) -> tuple[Context, int]:
    """A context whose settings make BotService a webhook worker on a free loopback port (plus `settings`)."""
    port = _free_port()
    hook_settings = ctx.settings.model_copy(update={
        "telegram_webhook_url": f"http://127.0.0.1:{port}", "telegram_webhook_listen": f"127.0.0.1:{port}",
        **settings})  # fmt: skip
    return Context(db=ctx.db, settings=hook_settings, clock=ctx.clock), port


@asynccontextmanager
async def _webhook_workers(hook_ctx: Context, kb: KnowledgeBase, sandbox: BotApiSandbox,
                           count: int = 1) -> AsyncIterator[None]:  # fmt: skip
    """`count` BotService webhook workers running until the block ends (each has set the webhook)."""
    bots = [build_bot(sandbox.token, sandbox.base_url) for _ in range(count)]
    stop = asyncio.Event()
    workers = [asyncio.create_task(BotService(hook_ctx, kb, bot).run(stop)) for bot in bots]
    try:
        assert await sandbox.wait_until(lambda: sandbox.calls["setWebhook"] >= count, timeout=10)
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*workers), 10)
        for bot in bots:
            await bot.session.close()


async def _redis_storage() -> BaseStorage:
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    storage = RedisStorage.from_url(REDIS_URL, key_builder=DefaultKeyBuilder(prefix=f"test-{uuid.uuid4().hex[:8]}"))
    await require_redis(storage.redis)
    return storage


@pytest.mark.parametrize("backend", ["store", "redis"])
async def test_two_workers_share_one_conversation(ctx: Context, kb: KnowledgeBase, backend: str) -> None:
    """Updates of one conversation land on alternating workers, as behind a load balancer."""
    await seed(ctx)
    storages = [StoreStorage(ctx), StoreStorage(ctx)] if backend == "store" else [
        await _redis_storage(), await _redis_storage()]  # fmt: skip
    if backend == "redis":  # both workers must use the same prefix: share the first one's key builder
        storages[1].key_builder = storages[0].key_builder  # type: ignore[attr-defined]
    async with BotApiSandbox(seed=5) as sandbox:
        bot = build_bot(sandbox.token, sandbox.base_url)
        workers = [build_dispatcher(BotDeps(ctx, kb), storage) for storage in storages]
        try:
            for n, text in enumerate(["/serial", "A123456789", "79/03"]):
                update = sandbox.push_message(ALICE_TG, text)
                await workers[n % 2].feed_update(bot, Update.model_validate(update, context={"bot": bot}))
            replies = [m["text"] for m in sandbox.sent(ALICE_TG)]
            assert "MD0026" in replies[-1], replies
        finally:
            for storage in storages:
                await storage.close()
            await bot.session.close()


async def test_webhook_mode(ctx: Context, kb: KnowledgeBase) -> None:
    hook_ctx, port = _webhook_ctx(ctx, telegram_webhook_secret="s3cret-token")
    async with BotApiSandbox(seed=3) as sandbox, _webhook_workers(hook_ctx, kb, sandbox):
        sandbox.push_message(4242, "/start")
        replies = await sandbox.wait_for_sent(4242, 1, timeout=10)
        assert "招生助理" in replies[0]["text"]
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            wrong: Any = await http.post(url, json={"update_id": 1}, headers={
                "X-Telegram-Bot-Api-Secret-Token": "wrong"})  # fmt: skip
            assert wrong.status == 401


async def test_two_webhook_workers_on_one_port_share_the_send_rate(ctx: Context, kb: KnowledgeBase) -> None:
    """Two `serve` workers listen on one port (the kernel spreads Telegram's connections); with Redis they
    keep one overall send rate between them. Every user gets exactly one reply."""
    redis = await _redis_storage()  # fails under CI=true when Redis is missing
    await redis.close()
    hook_ctx, _ = _webhook_ctx(ctx, redis_url=REDIS_URL, telegram_global_rate=40.0)
    async with BotApiSandbox(seed=11) as sandbox, _webhook_workers(hook_ctx, kb, sandbox, count=2):
        users = [sandbox.new_user_id() for _ in range(30)]
        start = time.monotonic()
        for user in users:
            sandbox.push_message(user, "/help")
        assert await sandbox.wait_until(lambda: all(sandbox.sent(u) for u in users), timeout=20)
        # 30 replies at 40/s overall take 29/40 s, however the two workers split them.
        assert time.monotonic() - start >= 29 / 40 * 0.9
        await asyncio.sleep(0.2)  # nothing more may arrive
        assert all(len(sandbox.sent(u)) == 1 for u in users)
        assert all("/status" in sandbox.sent(u)[0]["text"] for u in users)


async def test_a_burst_beyond_the_redis_pool_loses_no_update(ctx: Context, kb: KnowledgeBase,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Webhook updates are handled all at once; with more of them than Redis connections, commands wait for a
    connection instead of failing (redis-py's default pool raises, and the update would be lost)."""
    redis = await _redis_storage()  # fails under CI=true when Redis is missing
    await redis.close()
    monkeypatch.setattr("bot.service.REDIS_CONNECTIONS", 2)
    hook_ctx, _ = _webhook_ctx(ctx, redis_url=REDIS_URL, telegram_global_rate=1000.0, telegram_chat_rate=100.0)
    async with BotApiSandbox(seed=13) as sandbox, _webhook_workers(hook_ctx, kb, sandbox):
        users = [sandbox.new_user_id() for _ in range(40)]
        for user in users:
            sandbox.push_message(user, "/help")
        assert await sandbox.wait_until(lambda: all(sandbox.sent(u) for u in users), timeout=20)
        assert all(len(sandbox.sent(u)) == 1 for u in users)
