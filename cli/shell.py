"""`assistant shell`: chat with the real bot in the terminal, on the local Bot API stand-in."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import open_context, run_async, settings_or_exit
from knowledge import load_knowledge
from workflows.settings import Settings


async def chat_in_terminal(settings: Settings, language: str) -> None:
    """Run the bot on the store in `settings` and relay the terminal to it."""
    kb = load_knowledge()
    from bot.shell import TerminalChat, stdin_lines  # see shell_user()

    async with open_context(settings) as ctx:
        await TerminalChat(ctx, kb).run(await stdin_lines(), language)


def shell_user() -> int:
    """The Telegram user id the terminal chats as.

    The bot modules are imported inside functions: commands that never chat (ask, lookup, mail ...) then start
    without aiogram, which takes more than half a second and 40 MB to import.
    """
    from bot.shell import SHELL_USER

    return SHELL_USER


@run_async
async def shell(
    staff: Annotated[bool, typer.Option(help="chat as an office staff member (broadcasts, stats)")] = False,
    english: Annotated[bool, typer.Option("--english", help="start in English")] = False,
) -> None:
    """Chat with the bot in the terminal; no token or network needed."""
    overrides = {"staff_telegram_ids": str(shell_user())} if staff else {}
    await chat_in_terminal(settings_or_exit(**overrides), "en" if english else "zh-hant")
