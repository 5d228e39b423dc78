"""`assistant serve`: the reminder scheduler, and the bot with its outbox sender when a token is configured,
until SIGTERM / Ctrl-C."""

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
from workflows.context import Context
from workflows.reminder_rules import ReminderRulesError
from workflows.scheduler import ReminderScheduler

log = logging.getLogger("assistant")


@run_async
async def serve() -> None:
    """Run the services that are configured: deadline reminders always, the Telegram bot when it has a token."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings_or_exit()
    token = settings.telegram_bot_token
    try:
        if token:
            validate_token(token)
    except TokenValidationError:
        raise fail("TELEGRAM_BOT_TOKEN: malformed (expected digits:secret, as BotFather gives it)") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with open_context(settings) as ctx:
        try:
            reminders = asyncio.create_task(ReminderScheduler(ctx).run_forever(stop))
        except ReminderRulesError as exc:
            raise fail(str(exc)) from None
        try:
            if token:
                await _serve_bot(ctx, token, stop)
            else:
                log.info("TELEGRAM_BOT_TOKEN is not set: serving deadline reminders only")
                await stop.wait()
        finally:
            stop.set()
            await reminders
    typer.echo("stopped")


async def _serve_bot(ctx: Context, token: str, stop: asyncio.Event) -> None:
    bot = build_bot(token, ctx.settings.telegram_api_base)
    try:
        log.info("bot serving (%s)", "webhook" if ctx.settings.telegram_webhook_url else "polling")
        await BotService(ctx, load_knowledge(), bot).run(stop)
    finally:
        await bot.session.close()
