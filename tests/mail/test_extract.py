"""Decoding what people really send: charsets, encoded words, MIME structure, missing parts."""

from __future__ import annotations

import base64
import hashlib

import pytest

from mail.charsets import decode_bytes, decode_header_value
from mail.extract import detect_lang, parse_message


def mail(headers: str, body: bytes = b"body\n") -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n" + body


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("測試".encode("big5"), "big5", "測試"),
        ("我哋".encode("big5hkscs"), "big5", "我哋"),  # HKSCS characters labelled plain big5
        ("喆".encode("gbk"), "gb2312", "喆"),  # GBK characters labelled gb2312
        ("中文".encode(), "x-no-such-charset", "中文"),
        ("中文".encode(), None, "中文"),
        ("測試".encode("big5"), None, "測試"),  # undeclared Big5 still reads
        ("naïve".encode("latin-1"), "iso-8859-1", "naïve"),
    ],
)
def test_charset_fallbacks(data: bytes, declared: str | None, expected: str) -> None:
    assert decode_bytes(data, declared) == expected


def test_a_stray_bad_byte_does_not_switch_the_whole_text_to_another_charset() -> None:
    assert decode_bytes("報名費多少".encode() + b"\xff" + "謝謝".encode(), "utf-8") == "報名費多少\ufffd謝謝"
    assert (
        decode_bytes("測試".encode("big5"), "us-ascii") == "測試"
    )  # an ASCII label over 8-bit bytes is no label


def test_undecodable_bytes_are_replaced_not_raised() -> None:
    decoded = decode_bytes(b"\xff\xfe\xfa\x80abc", "utf-8")
    assert decoded.endswith("abc") and "\ufffd" in decoded


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?UTF-8?B?5ris6Kmm?=", "測試"),
        ("=?big5?Q?=B4=FA=B8=D5?=", "測試"),
        ("Re: =?utf-8?q?caf=C3=A9?= ok", "Re: café ok"),
        # a character split across two words: joined before decoding
        ("=?UTF-8?B?5ris?= =?UTF-8?B?6Kmm?=", "測試"),
        ("=?utf-8?B?5ris6Kmm", "=?utf-8?B?5ris6Kmm"),  # unterminated: left as it is
        ("=?utf-8*zh-tw?B?5ris6Kmm?=", "測試"),  # RFC 2231 language suffix
        ("=?bogus?B?5ris6Kmm?=", "測試"),
        ("line one\r\n line two", "line one line two"),
    ],
)
def test_header_decoding(raw: str, expected: str) -> None:
    assert decode_header_value(raw) == expected


def test_missing_message_id_gets_a_stable_synthetic_one() -> None:
    raw = mail("From: a@example.com\nSubject: hi\n")
    parsed = parse_message(raw)
    assert parsed.message_id_synthetic
    assert parsed.message_id == f"<{hashlib.sha256(raw).hexdigest()}@sha256.invalid>"
    assert parse_message(raw).message_id == parsed.message_id


def test_addresses_threading_and_date() -> None:
    raw = mail(
        'From: "Wang, Xiao-Ming" <wang@example.com>\nTo: a@x.example, "B" <b@x.example>\nCc: c@x.example\n'
        "Delivered-To: d+k@x.example\nX-Original-To: e@x.example\nMessage-ID: <m1@example.com>\n"
        "In-Reply-To: <parent@office.example>\nReferences: <root@office.example>\n <parent@office.example>\n"
        "Date: Mon, 2 Mar 2026 15:15:00 +0800\n"
    )
    parsed = parse_message(raw)
    assert (parsed.from_name, parsed.from_addr) == ("Wang, Xiao-Ming", "wang@example.com")
    assert parsed.to_addrs == ("a@x.example", "b@x.example")
    assert parsed.cc_addrs == ("c@x.example",)
    assert parsed.delivered_to == ("d+k@x.example", "e@x.example")
    assert parsed.in_reply_to == "<parent@office.example>"
    assert parsed.references == ("<root@office.example>", "<parent@office.example>")
    assert parsed.date is not None and parsed.date.utcoffset() is not None
    assert parsed.header("message-id") == "<m1@example.com>"


def test_plain_part_is_preferred_and_html_used_when_alone() -> None:
    alternative = mail(
        'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain words\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html words</p>\r\n--b--\r\n",
    )
    assert parse_message(alternative).text == "plain words"
    html_only = mail("Content-Type: text/html; charset=utf-8\n", b"<p>only <b>html</b></p>")
    assert parse_message(html_only).text == "only html"


def test_attachments_inline_and_attached_messages() -> None:
    pdf = b"%PDF-1.4 fake"
    body = (
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(pdf)
        + b"\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n"
    )
    parsed = parse_message(mail('Content-Type: multipart/mixed; boundary="b"\n', body))
    assert parsed.text == "see attached"
    pdf_part, inner = parsed.attachments
    assert (pdf_part.filename, pdf_part.content_type, pdf_part.data, pdf_part.size) == (
        "",
        "application/pdf",
        pdf,
        13,
    )
    assert inner.content_type == "message/rfc822" and b"inner body" in inner.data


def test_broken_base64_and_bad_content_type_still_parse() -> None:
    raw = mail(
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n", b"5ris6Km!!!\n"
    )
    assert parse_message(raw).text  # whatever could be decoded, no exception
    weird = mail("Content-Type: ;;;===\n", b"hello")
    assert parse_message(weird).text == "hello"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("請問報名費多少？", "zh"),
        ("Hi, 請問報名費", "zh"),
        ("Please find the letter attached. 王小明", "en"),
        ("", "en"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_last_resort_when_the_mime_parser_itself_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(raw: bytes) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("mail.extract.message_from_bytes", explode)
    parsed = parse_message(b"Subject: x\r\n\r\n\xe6\xb8\xac\xe8\xa9\xa6 body")
    assert parsed.damaged and parsed.message_id_synthetic
    assert "測試 body" in parsed.text


def test_raw_8bit_filenames_and_non_body_text_parts() -> None:
    body = (
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
        "--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n"
        '--b\r\nContent-Type: application/pdf; name="推薦信.pdf"\r\nContent-Disposition: attachment; filename="推薦信.pdf"'
        "\r\n\r\n%PDF-1.4\r\n--b--\r\n"
    ).encode()
    parsed = parse_message(mail('Content-Type: multipart/mixed; boundary="b"\n', body))
    assert parsed.text == "hello"
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("", "text/calendar"),
        ("推薦信.pdf", "application/pdf"),
    ]
    big5 = (
        'Content-Type: text/plain; charset=big5\r\nContent-Disposition: inline; filename="說明.txt"\r\n\r\n'
    )
    [note] = parse_message(big5.encode("big5") + "測試".encode("big5")).attachments
    assert note.filename == "說明.txt"
