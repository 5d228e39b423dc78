"""`assistant mail inspect`: how the mail processor reads a message (kind, reply text, reply key, attachments);
`mail held`, `mail held-show`, `mail resolve`: the mail kept for staff, and closing it."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.common import fail, open_context, printable, run_async, settings_or_exit, taipei
from mail.classify import classify
from mail.extract import parse_message
from mail.reply_keys import find_reply_key
from workflows.held_mail import HeldMessage, HeldSummary, get_held, list_held, resolve_held

mail_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Mail tools (郵件工具).")


def inspect_message(
    raw: bytes, file: str, reply_address: str | None, own_addresses: list[str]
) -> dict[str, Any]:
    """The inspect record for one raw message."""
    parsed = parse_message(raw)
    result = classify(parsed, own_addresses)
    return {
        "file": file,
        "kind": result.kind,
        "reason": result.reason,
        "from": parsed.from_addr,
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "reply_key": find_reply_key(parsed, reply_address),
        "text": parsed.reply_text,
        "lang": parsed.lang,
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size}
                        for a in parsed.attachments],
        "bounce": asdict(result.bounce) if result.bounce else None,
    }  # fmt: skip


def _render(record: dict[str, Any]) -> str:
    lines = [
        f"== {record['file']}",
        f"kind 類別: {record['kind']} ({record['reason']})",
        f"from 寄件者: {record['from']}",
        f"subject 主旨: {record['subject']}",
        f"reply key 回覆金鑰: {record['reply_key'] or '-'}",
        f"lang 語言: {record['lang']}",
    ]
    lines += [f"attachment 附件: {a['filename'] or '(unnamed)'} {a['content_type']} {a['size']} B"
              for a in record["attachments"]]  # fmt: skip
    if record["bounce"]:
        bounce = record["bounce"]
        lines.append(f"bounce 退信: {', '.join(bounce['recipients']) or '?'} {bounce['action']} "
                     f"{bounce['status'] or ''} permanent={bounce['permanent']}")  # fmt: skip
    lines += ["text 內容:", record["text"] or "(empty 空白)", ""]
    return "\n".join(lines)


@mail_app.command("inspect")
def inspect(
    files: Annotated[list[Path], typer.Argument(help="Message files (.eml) 郵件檔")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line 每行一個 JSON")] = False,
) -> None:
    """Show how each message is understood 顯示每封郵件的判讀結果.

    The reply-key address comes from MAIL_REPLY_ADDRESS (else any +key in a recipient); mail from
    MAIL_FROM or MAIL_REPLY_ADDRESS counts as our own (a loop).
    """
    reply_address = os.environ.get("MAIL_REPLY_ADDRESS") or None
    own = [a for a in (os.environ.get("MAIL_FROM"), reply_address) if a]
    failed = False
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as error:
            typer.echo(f"{path}: cannot read 無法讀取: {error.strerror}", err=True)
            failed = True
            continue
        record = inspect_message(raw, str(path), reply_address, own)
        typer.echo(json.dumps(record, ensure_ascii=False) if as_json else _render(record))
    if failed:
        raise typer.Exit(1)


def _held_table(rows: list[HeldSummary], with_resolved: bool) -> Table:
    # One line per message: in a narrow terminal sender and subject are cut short (held-show has the rest).
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("編號 ID", justify="right", no_wrap=True)
    table.add_column("收到 Received (Taipei)", no_wrap=True)
    table.add_column("原因 Reason", no_wrap=True)
    table.add_column("寄件者 From", max_width=40)
    table.add_column("主旨 Subject")
    if with_resolved:
        table.add_column("已處理 Resolved", no_wrap=True)
    for row in rows:
        # Text(), not str: a subject like "[urgent]" must not be read as rich markup.
        cells = [Text(str(row.id)), Text(taipei(row.received_at)), Text(row.reason),
                 Text(printable(row.sender), no_wrap=True, overflow="ellipsis"),
                 Text(printable(row.subject) or "(無主旨 no subject)", no_wrap=True, overflow="ellipsis")]  # fmt: skip
        if with_resolved:
            cells.append(Text(taipei(row.resolved_at)))
        table.add_row(*cells)
    return table


@mail_app.command("held")
@run_async
async def held(
    show_all: Annotated[bool, typer.Option("--all", help="include resolved mail 包含已處理")] = False,
    limit: Annotated[int, typer.Option(min=1, help="at most this many, newest first 最多幾封")] = 50,
) -> None:
    """List mail kept for staff, newest first 列出待處理郵件 (times in Asia/Taipei)."""
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        rows = await list_held(ctx, include_resolved=show_all, limit=limit)
    if not rows:
        typer.echo("沒有待處理郵件 No held mail")
        return
    console = Console(highlight=False)
    if not console.is_terminal:  # piped or captured: whole rows, never cut to a guessed 80 columns
        console.width = 10_000
    console.print(_held_table(rows, show_all))
    more = " (--limit 看更多 for more)" if len(rows) == limit else ""
    typer.echo(f"{len(rows)} 封 message(s){more}; 全文 full record: mail held-show ID; 結案 close: mail resolve ID")


def _render_held(message: HeldMessage) -> str:
    raw = message.raw_path or "(未保存 not kept)"
    if message.raw_path and not Path(message.raw_path).is_file():
        raw += " (檔案不存在 missing)"
    recommender = "-" if message.recommender_id is None else f"#{message.recommender_id}"
    if message.serial:
        recommender += f" ({message.serial})"
    if message.resolved_at is None:
        state = "未處理 open"
    else:
        state = f"已處理 resolved {taipei(message.resolved_at)} by {message.resolved_by or '?'}"
        if message.resolution_note:
            state += f": {message.resolution_note}"
    lines = [
        f"待處理郵件 Held mail #{message.id}",
        f"原因 Reason: {message.reason}",
        f"收到 Received: {taipei(message.received_at)} (Asia/Taipei)",
        f"寄件者 From: {message.sender}",
        f"主旨 Subject: {message.subject}",
        f"Message-ID: {message.message_id}",
        f"推薦人 Recommender: {recommender}",
        f"原始郵件 Raw message: {raw}",
        f"狀態 Status: {state}",
        "內容 Text:",
        message.text or "(空白 empty)",
    ]
    return printable("\n".join(lines))


@mail_app.command("held-show")
@run_async
async def held_show(held_id: Annotated[int, typer.Argument(help="held mail id 編號")]) -> None:
    """Show one held message in full 顯示一封待處理郵件 (national IDs masked; the raw file is as received)."""
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        message = await get_held(ctx, held_id)
    if message is None:
        raise fail(f"沒有這封待處理郵件 No held mail #{held_id}", 1)
    typer.echo(_render_held(message))


def _operator() -> str:
    """Who runs the command, for the audit log when --by is not given."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (some containers)
        return "cli"


@mail_app.command("resolve")
@run_async
async def resolve(
    held_id: Annotated[int, typer.Argument(help="held mail id 編號")],
    by: Annotated[str | None, typer.Option("--by", help="who resolved it 處理人 (default: cli:$USER)")] = None,
    note: Annotated[str | None, typer.Option(help="what was done 處理說明 (kept in the audit log)")] = None,
) -> None:
    """Mark a held message resolved 標記為已處理 (who and the note go to the audit log)."""
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        result = await resolve_held(ctx, held_id, actor=by or _operator(), note=note)
    if result.status == "not_found":
        raise fail(f"沒有這封待處理郵件 No held mail #{held_id}", 1)
    if result.status == "already_resolved":
        raise fail(f"先前已結案 Already resolved: held mail #{held_id} ({taipei(result.resolved_at)} "
                   f"by {result.resolved_by or '?'})", 1)  # fmt: skip
    typer.echo(f"已結案 Resolved: held mail #{held_id} ({taipei(result.resolved_at)} by {result.resolved_by})")
