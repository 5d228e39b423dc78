"""Machine or person: the individual rules, beyond what the corpus shows."""

from __future__ import annotations

import pytest

from mail.classify import classify, is_own_address
from mail.extract import parse_message


def classify_headers(headers: str, body: str = "hello\n", own: tuple[str, ...] = ()) -> tuple[str, str]:
    raw = (headers.strip() + "\nMessage-ID: <x@example.com>\n\n" + body).replace("\n", "\r\n").encode()
    result = classify(parse_message(raw), own_addresses=own)
    return result.kind, result.reason


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("From: a@example.com\nSubject: question", "human"),
        ("From: a@example.com\nSubject: q\nAuto-Submitted: no", "human"),
        ("From: a@example.com\nSubject: q\nAuto-Submitted: auto-replied", "auto_reply"),
        ("From: a@example.com\nSubject: q\nAuto-Submitted: auto-notified", "auto_reply"),
        ("From: a@example.com\nSubject: q\nX-Autorespond: yes", "auto_reply"),
        ("From: a@example.com\nSubject: q\nX-Autoreply: yes", "auto_reply"),
        # Exchange adds this to people's mail sent through distribution lists: not a machine marker
        ("From: a@example.com\nSubject: q\nX-Auto-Response-Suppress: All", "human"),
        ("From: a@example.com\nSubject: Out of Office: back Monday", "auto_reply"),
        ("From: a@example.com\nSubject: Automatic reply: hello", "auto_reply"),
        ("From: a@example.com\nSubject: 自動回覆：您好", "auto_reply"),
        ("From: a@example.com\nSubject: 自动回复: 您好", "auto_reply"),
        ("From: a@example.com\nSubject: 不在辦公室", "auto_reply"),
        ("From: a@example.com\nSubject: 休假通知：3/2-3/10", "auto_reply"),
        ("From: a@example.com\nSubject: 休假期間可以報名嗎？", "human"),  # an applicant asking about holidays
        ("From: a@example.com\nSubject: 外出工作者可以報考嗎", "human"),
        ("From: a@example.com\nSubject: q\nPrecedence: junk", "bulk"),
        ("From: a@example.com\nSubject: q\nPrecedence: bulk", "bulk"),
        ("From: a@example.com\nSubject: q\nList-Unsubscribe: <mailto:u@example.com>", "bulk"),
        ("From: noreply@example.com\nSubject: receipt", "bulk"),
        ("From: do-not-reply@example.com\nSubject: receipt", "bulk"),
        ("From: Postmaster <postmaster@example.com>\nSubject: Returned mail", "bounce"),
        ("Subject: Undeliverable: hello", "bounce"),  # no sender at all, bounce subject
        ("From: a@example.com\nSubject: Re: the out of office question", "human"),
    ],
)
def test_rules(headers: str, kind: str) -> None:
    assert classify_headers(headers)[0] == kind


def test_auto_reply_wins_over_bulk_for_vacation_messages_with_precedence_bulk() -> None:
    assert (
        classify_headers("From: a@example.com\nSubject: Out of office\nPrecedence: bulk")[0] == "auto_reply"
    )


def test_own_address_is_a_loop_even_with_a_key() -> None:
    own = ("Admissions@Office.example",)
    assert classify_headers("From: admissions+abcdefgh@office.example\nSubject: q", own=own) == (
        "auto_reply",
        "loop: sent from our own address",
    )
    assert is_own_address("ADMISSIONS@office.example", own)
    assert not is_own_address("admissions@other.example", own)
    assert not is_own_address("", own)


def test_report_without_recipient_blocks_still_counts_as_bounce() -> None:
    headers = 'From: MAILER-DAEMON@mx.example\nSubject: x\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"'
    body = "--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n--b--\n"
    raw = (headers + "\n\n" + body).replace("\n", "\r\n").encode()
    result = classify(parse_message(raw))
    assert result.kind == "bounce"
    assert result.bounce is not None and result.bounce.recipients == () and not result.bounce.permanent


def test_failed_with_temporary_status_is_not_permanent() -> None:
    headers = 'From: MAILER-DAEMON@mx.example\nSubject: x\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"'
    body = ("--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
            "Final-Recipient: rfc822; a@x.example\nAction: failed\nStatus: 4.2.2\n\n--b--\n")  # fmt: skip
    raw = (headers + "\n\n" + body).replace("\n", "\r\n").encode()
    bounce = classify(parse_message(raw)).bounce
    assert bounce is not None
    assert (bounce.recipients, bounce.action, bounce.status, bounce.permanent) == (
        ("a@x.example",),
        "failed",
        "4.2.2",
        False,
    )


def test_success_notice_is_a_report_but_not_a_failure() -> None:
    headers = 'From: MAILER-DAEMON@mx.example\nSubject: Successful Mail Delivery Report\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"'
    body = ("--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
            "Final-Recipient: rfc822; a@x.example\nAction: relayed\nStatus: 2.0.0\n\n--b--\n")  # fmt: skip
    raw = (headers + "\n\n" + body).replace("\n", "\r\n").encode()
    bounce = classify(parse_message(raw)).bounce
    assert bounce is not None
    assert (bounce.recipients, bounce.action, bounce.permanent) == (("a@x.example",), "delivered", False)
