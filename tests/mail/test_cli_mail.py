"""`assistant mail inspect`: one JSON object per line and file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

CORPUS = Path(__file__).parent / "corpus"


def test_inspect_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_REPLY_ADDRESS", "admissions@office.example")
    files = [CORPUS / "02_gmail_zhtw_reply_pdf.eml", CORPUS / "24_bounce_postfix.eml"]
    result = CliRunner().invoke(app, ["mail", "inspect", *map(str, files), "--json"])
    assert result.exit_code == 0, result.output
    reply, bounce = (json.loads(line) for line in result.output.splitlines())
    assert set(reply) == {
        "file",
        "kind",
        "reason",
        "from",
        "subject",
        "message_id",
        "reply_key",
        "text",
        "lang",
        "attachments",
        "bounce",
    }
    assert (reply["kind"], reply["reply_key"], reply["lang"]) == ("human", "Tk8aPq2Lm9Zx", "zh")
    assert reply["text"] == "您好，推薦信已附上，請查收。\n\n陳志明 敬上"
    assert reply["attachments"] == [
        {"filename": "推薦信.pdf", "content_type": "application/pdf", "size": 462}
    ]
    assert reply["bounce"] is None
    assert bounce["kind"] == "bounce"
    assert bounce["bounce"]["recipients"] == ["nobody@uni.example"]
    assert bounce["bounce"]["permanent"] is True


def test_reply_address_from_the_environment_limits_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    file = str(CORPUS / "01_gmail_en_reply_pdf.eml")
    monkeypatch.setenv("MAIL_REPLY_ADDRESS", "other@office.example")
    assert (
        json.loads(CliRunner().invoke(app, ["mail", "inspect", file, "--json"]).output)["reply_key"] is None
    )
    monkeypatch.delenv("MAIL_REPLY_ADDRESS")
    assert (
        json.loads(CliRunner().invoke(app, ["mail", "inspect", file, "--json"]).output)["reply_key"]
        == "Xk3p9QzR2mLw"
    )


def test_readable_output_and_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["mail", "inspect", str(CORPUS / "18_ooo_outlook_zhtw.eml"), str(tmp_path / "no.eml")]
    )
    assert result.exit_code == 1
    assert "kind 類別: auto_reply" in result.output
    assert "no.eml: cannot read" in result.output
