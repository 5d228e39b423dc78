"""Running the bot: polling (default) or webhook, plus the Telegram outbox sender, until told to stop."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.fsm.storage.base import BaseStorage
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import build_dispatcher, set_commands
from bot.deps import BotDeps
from bot.fsm_storage import StoreStorage
from bot.outbox_sender import TelegramOutbox
from bot.pacing import DirectReplyPacing
from bot.polling import PollPause
from bot.rate_limit import RedisRateLimiter
from bot.sender import TelegramSender
from knowledge import KnowledgeBase
from workflows.context import Context

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
REDIS_CONNECTIONS = 50
REDIS_WAIT = 30.0  # seconds a command waits for a free connection before it fails


@dataclass
class BotService:
    """The bot and its outbox sender sharing one Bot session."""

    ctx: Context
    kb: KnowledgeBase
    bot: Bot
    polling_timeout: int = 30

    def storage(self, redis: Redis | None) -> BaseStorage:
        """Conversation state shared by all workers: Redis when configured, else the store."""
        if redis is not None:
            from aiogram.fsm.storage.redis import RedisStorage

            return RedisStorage(redis)
        return StoreStorage(self.ctx)

    def _redis(self) -> Redis | None:
        """The Redis holding the conversation state and the send rate all of this bot's workers share, if
        configured. Its pool waits for a free connection: redis-py's default pool raises at 100, and a burst of
        webhook updates (each handled at once) would lose the updates that hit the limit."""
        if not self.ctx.settings.redis_url:
            return None
        from redis.asyncio import BlockingConnectionPool, Redis  # only when configured: see bot/rate_limit.py

        pool = BlockingConnectionPool.from_url(self.ctx.settings.redis_url, max_connections=REDIS_CONNECTIONS,
                                               timeout=REDIS_WAIT)  # fmt: skip
        return Redis(connection_pool=pool)

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set; in-flight outbox sends finish and are recorded before returning."""
        settings = self.ctx.settings
        deps = BotDeps(self.ctx, self.kb, settings.staff_ids, settings.staff_chat_id)
        redis = self._redis()
        webhook = bool(settings.telegram_webhook_url)
        dp = build_dispatcher(deps, self.storage(redis), settings.telegram_concurrency if webhook else None)
        await set_commands(self.bot, deps.staff_ids)
        limiter = None if redis is None else RedisRateLimiter(
            redis, f"telegram:{self.bot.id}:send-slot", settings.telegram_global_rate)  # fmt: skip
        sender = TelegramSender(self.bot, global_rate=settings.telegram_global_rate,
                                per_chat_rate=settings.telegram_chat_rate, limiter=limiter)  # fmt: skip
        self.bot.session.middleware(DirectReplyPacing(sender.limiter))
        worker = f"{socket.gethostname()}:{os.getpid()}"
        outbox_task = asyncio.create_task(TelegramOutbox(self.ctx, sender, worker).run_forever(stop, deps.outbox_wakeup))
        try:
            if webhook:
                await self._webhook(dp, stop)
            else:
                self.bot.session.middleware(PollPause(settings.telegram_poll_pause))
                polling = asyncio.create_task(dp.start_polling(
                    self.bot, handle_signals=False, close_bot_session=False, polling_timeout=self.polling_timeout,
                    tasks_concurrency_limit=settings.telegram_concurrency))  # fmt: skip
                await stop.wait()
                await dp.stop_polling()
                await polling
        finally:
            stop.set()
            await outbox_task
            await dp.storage.close()
            if redis is not None:
                await redis.aclose(close_connection_pool=True)

    async def _webhook(self, dp: object, stop: asyncio.Event) -> None:
        settings = self.ctx.settings
        app = web.Application()
        SimpleRequestHandler(dp, self.bot, secret_token=settings.telegram_webhook_secret).register(app, path=WEBHOOK_PATH)  # type: ignore[arg-type]
        setup_application(app, dp, bot=self.bot)  # type: ignore[arg-type]
        host, _, port = settings.telegram_webhook_listen.rpartition(":")
        runner = web.AppRunner(app)
        await runner.setup()
        # reuse_port: several workers on one host listen on the same port and the kernel spreads Telegram's
        # connections between them.
        await web.TCPSite(runner, host or "0.0.0.0", int(port), reuse_port=True).start()
        url = settings.telegram_webhook_url.rstrip("/") + WEBHOOK_PATH  # type: ignore[union-attr]
        await self.bot.set_webhook(url, secret_token=settings.telegram_webhook_secret)
        log.info("webhook at %s", url)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
