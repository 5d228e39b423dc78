"""`assistant audit`: read the audit log (who did what, when), newest first."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.common import open_context, parse_moment, printable, run_async, settings_or_exit, taipei
from workflows.audit import AuditEntry, list_audit


def format_entry(entry: AuditEntry) -> str:
    """One tab-separated line (greppable): time (Taipei), action, actor, subject, detail as JSON."""
    detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else ""
    # Rows are written masked; the redaction is a second guard, since subjects and notes are free text.
    fields = [taipei(entry.at, seconds=True), entry.action, entry.actor, entry.subject or "-", detail]
    return printable("\t".join(fields).rstrip())


@run_async
async def audit_command(
    since: Annotated[
        str | None, typer.Option(help="from this date or time on, Taipei 起始時間 (2026-01-04 or 2026-01-04 09:00)")
    ] = None,
    action: Annotated[str | None, typer.Option(help="only this action 動作, e.g. held_mail_resolved")] = None,
    actor: Annotated[str | None, typer.Option(help="only this actor 執行者, e.g. cli, import, tg:123")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many rows 最多幾筆")] = 50,
) -> None:
    """Show the audit log, newest first (稽核紀錄); times in Asia/Taipei, national IDs never in full."""
    moment = parse_moment(since, "--since") if since is not None else None  # before touching the store
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        entries = await list_audit(ctx, since=moment, action=action, actor=actor, limit=limit)
    if not entries:
        typer.echo("沒有稽核紀錄 No audit rows")
        return
    typer.echo("時間 At\t動作 Action\t執行者 Actor\t對象 Subject\t細節 Detail")
    for entry in entries:
        typer.echo(format_entry(entry))
