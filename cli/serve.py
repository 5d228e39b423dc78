"""`assistant serve`: the bot (when a token is configured) and its outbox sender, until SIGTERM / Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal

import typer
from aiogram.utils.token import TokenValidationError, validate_token

from bot.app import build_bot
from bot.service import BotService
from cli.common import fail, open_context, run_async, settings_or_exit
from knowledge import load_knowledge

log = logging.getLogger("assistant")


@run_async
async def serve() -> None:
    """Run the services that are configured (Telegram bot; mail and reminders join them when configured)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings_or_exit()
    if not settings.telegram_bot_token:
        raise fail("TELEGRAM_BOT_TOKEN is not set: nothing to serve (try `assistant demo` for the local sandbox)")
    try:
        validate_token(settings.telegram_bot_token)
    except TokenValidationError:
        raise fail("TELEGRAM_BOT_TOKEN: malformed (expected digits:secret, as BotFather gives it)") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    kb = load_knowledge()
    async with open_context(settings) as ctx:
        bot = build_bot(settings.telegram_bot_token, settings.telegram_api_base)
        try:
            log.info("bot serving (%s)", "webhook" if settings.telegram_webhook_url else "polling")
            await BotService(ctx, kb, bot).run(stop)
        finally:
            await bot.session.close()
    typer.echo("stopped")
