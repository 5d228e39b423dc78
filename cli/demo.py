"""`assistant demo`: the main job on the embedded default: a fresh demo store (SQLite, the five rounds,
fictitious applicants), the bundled knowledge, and the real bot in the terminal on the local stand-in."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import demo_db_url, open_context, run_async, settings_or_exit
from cli.shell import chat_in_terminal, shell_user
from workflows.demo import DEMO_NATIONAL_ID, load_demo
from workflows.identity import mask_id

GUIDE = """\
Try, in Chinese or English:
  碩專班報名費多少？ / When does my ATM payment show up? / 轉學考可以找人代理報到嗎
  /serial  (ID {id_hint}: type {id}; birth month 79/03)
  /login   (serial {serial}, ID {id}, birth date 79/03/15; the code appears in the demo mailbox)
  /status  /recommenders  /reminders off  /lang
  staff: /broadcast  /broadcast_status  /stats  /handoffs
"""


def demo() -> None:
    """Build a fresh demo store and chat with the assistant on it (end with /quit or Ctrl-D)."""
    url = demo_db_url()
    Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    _run(url)


@run_async
async def _run(url: str) -> None:
    settings = settings_or_exit(admissions_db_url=url, admissions_demo=True, staff_telegram_ids=str(shell_user()))
    async with open_context(settings) as ctx:
        summary = await load_demo(ctx)
    typer.echo(f"Demo store {url}: {summary.rounds} rounds, {summary.registrations} fictitious registrations.")
    typer.echo(GUIDE.format(id=DEMO_NATIONAL_ID, id_hint=mask_id(DEMO_NATIONAL_ID), serial=summary.first_serial))
    await chat_in_terminal(settings, "zh-hant")
