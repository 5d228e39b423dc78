"""`assistant serve`: the reminder scheduler, and the bot with its outbox sender when a token is configured,
until SIGTERM / Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import signal
from pathlib import Path

import typer

from cli.common import fail, open_context, run_async, settings_or_exit
from knowledge import KnowledgeBase, load_knowledge
from mail.service import MailService, MailSetup, mail_configured
from workflows.context import Context
from workflows.reminder_rules import ReminderRulesError
from workflows.scheduler import ReminderScheduler

log = logging.getLogger("assistant")
M_ARENA_MAX = -8  # mallopt parameter number in glibc's malloc.h


def _tune_allocator() -> None:
    """glibc: two malloc arenas instead of one per thread (store and mail threads), fewer fragmented pages."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 2)


def _pin_to_cpu(cpu: int) -> None:
    """Run on one CPU; done before the store's connection threads start, so they inherit it."""
    allowed = sorted(os.sched_getaffinity(0))
    if cpu not in allowed:
        raise fail(f"SERVE_CPU={cpu}: this process may only run on CPU {', '.join(map(str, allowed))}")
    # Threads already running (numpy's BLAS pool starts at import) are moved too; later ones inherit it.
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(task.name), {cpu})


def _release_startup_memory() -> None:
    """Hand back what start-up left behind (schema building, YAML parsing): serve runs for weeks.

    What survives start-up (aiogram's models, the knowledge base: about a million objects) lives as long as the
    process, so it is frozen out of the collector: a full collection that walked it paused every reply for
    over 100 ms.
    """
    gc.collect()
    gc.freeze()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@run_async
async def serve() -> None:
    """Run the services that are configured: deadline reminders always, the Telegram bot when it has a token."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one line per update costs more than it tells
    _tune_allocator()
    settings = settings_or_exit()
    if settings.serve_cpu is not None:
        _pin_to_cpu(settings.serve_cpu)
    token = settings.telegram_bot_token
    mail_setup = MailSetup.from_settings(settings) if mail_configured(settings) else None
    # The knowledge base is built before the bot framework is imported: aiogram's many small objects then fill
    # the memory the build let go of instead of adding to it (15 MB of the 250 MB budget).
    kb = load_knowledge() if token or mail_setup else None
    if token:
        _check_token(token)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with open_context(settings) as ctx:
        try:
            reminders = asyncio.create_task(ReminderScheduler(ctx).run_forever(stop))
        except ReminderRulesError as exc:
            raise fail(str(exc)) from None
        _release_startup_memory()
        mail = asyncio.create_task(MailService(ctx, kb, mail_setup).run(stop)) if kb and mail_setup else None
        try:
            if token and kb:
                await _serve_bot(ctx, kb, token, stop)
            else:
                log.info("TELEGRAM_BOT_TOKEN is not set: no Telegram bot")
                await stop.wait()
        finally:
            stop.set()
            await reminders
            if mail is not None:
                await mail
    typer.echo("stopped")


def _check_token(token: str) -> None:
    from bot.app import valid_token

    if not valid_token(token):
        raise fail("TELEGRAM_BOT_TOKEN: malformed (expected digits:secret, as BotFather gives it)")


async def _serve_bot(ctx: Context, kb: KnowledgeBase, token: str, stop: asyncio.Event) -> None:
    from bot.app import build_bot
    from bot.service import BotService

    bot = build_bot(token, ctx.settings.telegram_api_base)
    try:
        log.info("bot serving (%s)", "webhook" if ctx.settings.telegram_webhook_url else "polling")
        await BotService(ctx, kb, bot).run(stop)
    finally:
        await bot.session.close()
