"""Outgoing messages carry the headers that threading, replies and auto-responders depend on."""

from __future__ import annotations

from datetime import UTC, datetime

from mail.compose import compose
from mail.extract import parse_message


def test_headers_of_an_automatic_reply() -> None:
    message = compose(
        from_addr="admissions@office.example",
        from_name="招生組 Admissions",
        to="王小明 <wang@example.com>",
        subject="Re: 報名費 Registration fee",
        text="報名費為 1,100 元。\nThe fee is NT$1,100.",
        html="<p>報名費為 1,100 元。</p>",
        reply_key="Ab3dEf6hIj",
        in_reply_to="<q1@example.com>",
        references=["<root@example.com>", "<q1@example.com>"],
        now=datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
    )
    parsed = parse_message(message.as_bytes())
    assert parsed.from_name == "招生組 Admissions"
    assert parsed.subject == "Re: 報名費 Registration fee"
    assert parsed.header("Auto-Submitted") == "auto-generated"
    assert parsed.header("X-Auto-Response-Suppress") == "All"
    assert parsed.header("Reply-To") == "admissions+Ab3dEf6hIj@office.example"
    assert parsed.in_reply_to == "<q1@example.com>"
    assert parsed.references == ("<root@example.com>", "<q1@example.com>")
    assert parsed.header("Date") == "Mon, 02 Mar 2026 07:00:00 +0000"
    assert parsed.message_id.endswith("@office.example>")
    assert parsed.text == "報名費為 1,100 元。\nThe fee is NT$1,100."
    assert message.get_content_type() == "multipart/alternative"
    assert message.as_bytes().isascii()  # everything MIME-encoded, safe for any relay


def test_person_written_mail_is_not_marked_automatic_and_ids_are_unique() -> None:
    first = compose(
        from_addr="staff@office.example", to="a@example.com", subject="s", text="t", auto_generated=False
    )
    second = compose(
        from_addr="staff@office.example", to="a@example.com", subject="s", text="t", auto_generated=False
    )
    assert "Auto-Submitted" not in first and "Reply-To" not in first and "In-Reply-To" not in first
    assert first["Message-ID"] != second["Message-ID"]


def test_given_message_id_and_domain() -> None:
    kept = compose(
        from_addr="a@office.example",
        to="b@example.com",
        subject="s",
        text="t",
        message_id="<outbox-7@office.example>",
    )
    assert kept["Message-ID"] == "<outbox-7@office.example>"
    other = compose(
        from_addr="a@office.example",
        to=["b@example.com", "c@example.com"],
        subject="s",
        text="t",
        message_id_domain="mail.office.example",
    )
    assert other["Message-ID"].endswith("@mail.office.example>")
    assert other["To"] == "b@example.com, c@example.com"


def test_in_reply_to_is_appended_to_references_once() -> None:
    message = compose(
        from_addr="a@office.example",
        to="b@example.com",
        subject="s",
        text="t",
        in_reply_to="<p@x>",
        references=["<r@x>"],
    )
    assert message["References"] == "<r@x> <p@x>"
