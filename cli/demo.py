"""`assistant demo`: the main job on the embedded default (SQLite, bundled knowledge, demo data)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import demo_db_url, open_context, run_async, settings_or_exit
from knowledge import load_knowledge
from workflows.demo import DEMO_NATIONAL_ID, load_demo
from workflows.identity import mask_id
from workflows.lookup import lookup_serials
from workflows.status import status_report
from workflows.status_text import render_status


def demo() -> None:
    """Build a fresh demo store and show what the assistant answers on it."""
    url = demo_db_url()
    Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    _show(url)


@run_async
async def _show(url: str) -> None:
    settings = settings_or_exit(admissions_db_url=url, admissions_demo=True)
    async with open_context(settings) as ctx:
        summary = await load_demo(ctx)
        typer.echo(f"Demo store {url}: {summary.rounds} rounds, {summary.registrations} fictitious registrations.\n")
        found = await lookup_serials(ctx, DEMO_NATIONAL_ID, "79/03", requester="demo")
        typer.echo(f"查詢報名序號 {mask_id(DEMO_NATIONAL_ID)} / 79年03月 -> "
                   + ", ".join(f"{r.serial} ({r.round_id})" for r in found.registrations))  # fmt: skip
        shown = next(r for r in found.registrations if r.round_id == summary.first_round)
        report = await status_report(ctx, shown.registration_id)
        assert report is not None
        typer.echo("\n" + render_status(report, "zh") + "\n")
    kb = load_knowledge()
    for question in ("碩專班報名費怎麼繳", "How long until my ATM payment shows?"):
        answer = kb.ask(question)
        typer.echo(f"Q: {question}\nA [{answer.status}]: {answer.answer}\n")
