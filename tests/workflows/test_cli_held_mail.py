"""`assistant mail held|held-show|resolve` and `assistant audit`, run as commands on a real store (both backends)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from tests.workflows.conftest import ALICE_ID, BOB_ID
from workflows import audit
from workflows.db import Database
from workflows.mail_state import hold_mail

T0 = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)  # 10:00 Taipei


async def _seed(url: str, raw: Path) -> list[int]:
    """Three held messages as the mail processor keeps them, and two older audit rows."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            ids = [
                await hold_mail(session, reason="wrong_sender", message_id="<a@example.com>", sender="a@example.com",
                                subject=f"[急件] 推薦函 {ALICE_ID}", text=f"身分證 {ALICE_ID}\n請協助", now=T0,
                                raw_path=str(raw)),
                await hold_mail(session, reason="late", message_id="<b@example.com>", sender="b@example.com",
                                subject="Re: 推薦函邀請\x1b[2J", text="sorry,\x1b]0;owned\x07 late", now=T0 + timedelta(hours=1)),
                await hold_mail(session, reason="empty", message_id="<c@example.com>", sender="c@example.com",
                                subject="", text="", now=T0 + timedelta(hours=2)),
            ]  # fmt: skip
            audit.record(session, T0 - timedelta(days=3), "cli", "serial_lookup", "A12*****89", outcome="ok")
            # A careless writer: the listing must still never show the full ID.
            audit.record(session, T0 - timedelta(days=1), "tg:42", "link_failed", BOB_ID, note=f"typed {ALICE_ID}")
    finally:
        await db.dispose()
    return ids


@pytest.fixture
def held(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    monkeypatch.setenv("ADMISSIONS_DB_URL", db_url)
    monkeypatch.setenv("ADMISSIONS_SECRET", "office-secret")
    monkeypatch.delenv("ADMISSIONS_DEMO", raising=False)
    raw = tmp_path / "held-mail" / "abc.eml"
    raw.parent.mkdir()
    raw.write_bytes(b"Subject: x\r\n\r\nA123456789\r\n")
    return asyncio.run(_seed(db_url, raw))


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _clean_failure(result: Result, code: int, text: str) -> None:
    assert result.exit_code == code, result.output
    assert text in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_held_lists_waiting_mail_newest_first_masked(held: list[int]) -> None:
    result = _run("mail", "held")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()[2:5]]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (str(held[2]), "2026-01-02", "12:00", "empty"), (str(held[1]), "2026-01-02", "11:00", "late"),
        (str(held[0]), "2026-01-02", "10:00", "wrong_sender")]  # fmt: skip
    assert "[急件] 推薦函 A12*****89" in result.output  # shown literally, not read as markup
    assert ALICE_ID not in result.output
    assert "3 封 message(s)" in result.output


def test_resolve_then_list_show_and_audit(held: list[int]) -> None:
    done = _run("mail", "resolve", str(held[0]), "--by", "王小姐", "--note", f"called the applicant {ALICE_ID}")
    assert done.exit_code == 0, done.output
    assert f"已結案 Resolved: held mail #{held[0]}" in done.output and "by 王小姐" in done.output

    waiting = _run("mail", "held").output
    assert "wrong_sender" not in waiting and "late" in waiting
    everything = _run("mail", "held", "--all", "--limit", "2").output
    assert "已處理 Resolved" in everything and "late" in everything and "wrong_sender" not in everything
    assert "--limit 看更多" in everything
    assert "wrong_sender" in _run("mail", "held", "--all").output

    shown = _run("mail", "held-show", str(held[0]))
    assert shown.exit_code == 0, shown.output
    for line in (f"待處理郵件 Held mail #{held[0]}", "原因 Reason: wrong_sender",
                 "收到 Received: 2026-01-02 10:00 (Asia/Taipei)", "寄件者 From: a@example.com",
                 "Message-ID: <a@example.com>", "推薦人 Recommender: -", "身分證 A12*****89", "請協助"):  # fmt: skip
        assert line in shown.output
    assert "原始郵件 Raw message: " in shown.output and "abc.eml" in shown.output and "missing" not in shown.output
    assert "狀態 Status: 已處理 resolved" in shown.output and "by 王小姐: called the applicant A12*****89" in shown.output
    assert ALICE_ID not in shown.output

    log = _run("audit", "--action", "held_mail_resolved")
    assert log.exit_code == 0, log.output
    [header, row] = log.output.splitlines()
    assert header.startswith("時間 At")
    assert row.split("\t")[1:4] == ["held_mail_resolved", "王小姐", str(held[0])]
    assert '"note": "called the applicant A12*****89"' in row and '"reason": "wrong_sender"' in row


def test_control_characters_never_reach_the_terminal(held: list[int]) -> None:
    listed, shown = _run("mail", "held").output, _run("mail", "held-show", str(held[1])).output
    assert "Re: 推薦函邀請[2J" in listed and "sorry,]0;owned late" in shown
    assert "\x1b" not in listed + shown and "\x07" not in shown


def test_resolve_twice_and_unknown_ids(held: list[int]) -> None:
    assert _run("mail", "resolve", str(held[1]), "--by", "staff").exit_code == 0
    _clean_failure(_run("mail", "resolve", str(held[1]), "--by", "other"), 1, "先前已結案 Already resolved")
    assert "by staff" in _run("mail", "resolve", str(held[1])).output
    _clean_failure(_run("mail", "resolve", "99999"), 1, "No held mail #99999")
    _clean_failure(_run("mail", "held-show", "99999"), 1, "No held mail #99999")
    _clean_failure(_run("mail", "held-show", "99999999999"), 1, "No held mail #99999999999")
    assert _run("audit", "--action", "held_mail_resolved").output.count("held_mail_resolved") == 1


def test_resolve_by_defaults_to_the_cli_user(held: list[int]) -> None:
    result = _run("mail", "resolve", str(held[2]))
    assert result.exit_code == 0 and "by cli" in result.output
    assert _run("audit", "--action", "held_mail_resolved").output.splitlines()[1].split("\t")[2].startswith("cli")


def test_audit_filters_and_masking(held: list[int]) -> None:
    everything = _run("audit").output.splitlines()
    assert [line.split("\t")[1] for line in everything[1:]] == ["link_failed", "serial_lookup"]  # newest first
    assert everything[1].startswith("2026-01-01 10:00:00\tlink_failed\ttg:42\tB12*****58")
    assert ALICE_ID not in "\n".join(everything) and BOB_ID not in "\n".join(everything)
    assert '"note": "typed A12*****89"' in everything[1]

    assert [line.split("\t")[1] for line in _run("audit", "--actor", "cli").output.splitlines()[1:]] == [
        "serial_lookup"]  # fmt: skip
    assert len(_run("audit", "--since", "2026-01-01").output.splitlines()) == 2  # header + link_failed
    assert len(_run("audit", "--since", "2026-01-01 10:00").output.splitlines()) == 2  # inclusive
    assert len(_run("audit", "--since", "2026-01-01 10:01").output.splitlines()) == 1
    assert len(_run("audit", "--limit", "1").output.splitlines()) == 2
    assert _run("audit", "--actor", "nobody").output.strip() == "沒有稽核紀錄 No audit rows"


@pytest.mark.parametrize("since", ["2026-13-01", "yesterday", "2026/01/01"])
def test_malformed_since_is_one_line(held: list[int], since: str) -> None:
    _clean_failure(_run("audit", "--since", since), 2, "--since: not a date and time")


def test_nothing_held(held: list[int]) -> None:
    for held_id in held:
        assert _run("mail", "resolve", str(held_id)).exit_code == 0
    assert _run("mail", "held").output.strip() == "沒有待處理郵件 No held mail"
