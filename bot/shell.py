"""A person chats with the real bot in the terminal: the bot runs against the local Bot API stand-in, so no
token and no network are needed. Emails the bot queues (login codes) are shown as a demo mailbox."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.app import build_bot
from bot.sandbox import BotApiSandbox
from bot.service import BotService
from knowledge import KnowledgeBase
from workflows.context import Context
from workflows.linking import mask_email
from workflows.models import OutboxMessage

SHELL_USER = 7_777_000_001
HELP = "Type a message or a /command. #N presses button N of the last message with buttons. /quit leaves."

JSON = dict[str, Any]


def render(message: JSON) -> str:
    """A bot message as terminal text, with its inline buttons numbered."""
    lines = [f"🤖 {message['text']}"]
    markup = message.get("reply_markup") or {}
    numbered = [b for row in markup.get("inline_keyboard", []) for b in row]
    lines += [f"   [{i}] {b['text']}" for i, b in enumerate(numbered, start=1)]
    return "\n".join(lines)


class TerminalChat:
    """Runs the bot on a sandbox and relays lines between a person and the bot."""

    def __init__(self, ctx: Context, kb: KnowledgeBase, out: Callable[[str], None] = print) -> None:
        self.ctx, self.kb, self.out = ctx, kb, out
        self.seen = 0
        self.mail_seen = 0
        self.last_with_buttons: JSON | None = None

    async def _show_new(self, sandbox: BotApiSandbox, settle: float = 0.4) -> None:
        await sandbox.wait_until(lambda: len(sandbox.sent(SHELL_USER)) > self.seen, timeout=5)
        while True:  # wait for quiet: one question can bring several messages
            count = len(sandbox.sent(SHELL_USER))
            await asyncio.sleep(settle)
            if len(sandbox.sent(SHELL_USER)) == count:
                break
        for message in sandbox.sent(SHELL_USER)[self.seen :]:
            self.out(render(message))
            if (message.get("reply_markup") or {}).get("inline_keyboard"):
                self.last_with_buttons = message
        self.seen = len(sandbox.sent(SHELL_USER))
        await self._show_mailbox()

    async def _show_mailbox(self) -> None:
        async with self.ctx.db.sessions() as session:
            rows = list(await session.scalars(
                select(OutboxMessage).where(OutboxMessage.channel == "email", OutboxMessage.template == "login_code",
                                            OutboxMessage.id > self.mail_seen).order_by(OutboxMessage.id)))  # fmt: skip
        for row in rows:
            self.out(f"📧 (demo mailbox) to {mask_email(row.recipient)}: code {row.payload.get('code')}")
            self.mail_seen = row.id

    def _press(self, sandbox: BotApiSandbox, line: str) -> bool:
        message = self.last_with_buttons
        buttons = [b for row in (message or {}).get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        index = int(line[1:]) - 1 if line[1:].isdigit() else -1
        if message is None or not 0 <= index < len(buttons):
            self.out("(no such button)")
            return False
        sandbox.push_callback(SHELL_USER, buttons[index]["callback_data"], message["message_id"])
        return True

    async def run(self, lines: asyncio.Queue[str | None], language: str = "zh-hant") -> None:
        """Relay until /quit or end of input."""
        async with BotApiSandbox() as sandbox:
            bot = build_bot(sandbox.token, sandbox.base_url)
            stop = asyncio.Event()
            service = asyncio.create_task(BotService(self.ctx, self.kb, bot, polling_timeout=1).run(stop))
            try:
                self.out(HELP)
                while (line := await lines.get()) is not None and line.strip() != "/quit":
                    line = line.strip()
                    if not line:
                        continue
                    if line.startswith("#"):
                        if not self._press(sandbox, line):
                            continue
                    else:
                        sandbox.push_message(SHELL_USER, line, language_code=language)
                    with contextlib.suppress(TimeoutError):
                        await self._show_new(sandbox)
            finally:
                stop.set()
                await service
                await bot.session.close()


async def stdin_lines() -> asyncio.Queue[str | None]:
    """Lines typed by the person, read in a thread so the bot keeps running; None at end of input."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    loop.run_in_executor(None, read)
    return queue
