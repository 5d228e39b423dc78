"""`assistant mail inspect`: how the mail processor reads a message (kind, reply text, reply key, attachments)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from mail.classify import classify
from mail.extract import parse_message
from mail.reply_keys import find_reply_key

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
