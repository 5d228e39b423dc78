"""Malformed mail never crashes the processor: parse, classify and key lookup accept anything."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.classify import classify
from mail.extract import ParsedMail, parse_message
from mail.quotes import html_to_text, strip_quoted_text
from mail.reply_keys import find_reply_key

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.eml"))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADER_NAMES = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Content-Type",
                "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted", "Precedence", "List-Id",
                "Delivered-To", "MIME-Version", "X-Weird"]  # fmt: skip
CHARSETS = ["utf-8", "big5", "gb2312", "gbk", "x-bogus", "", "utf-7", "iso-2022-jp", "utf-16", "'"]
TYPES = ["text/plain", "text/html", "multipart/mixed", "multipart/alternative", "multipart/report",
         "message/rfc822", "message/delivery-status", "application/pdf", "text/rfc822-headers", "garbage"]  # fmt: skip

header_value = st.one_of(
    st.text(max_size=60),
    st.builds(lambda cs, enc, payload: f"=?{cs}?{enc}?{payload}?=", st.sampled_from(CHARSETS),
              st.sampled_from(["B", "Q", "X", "b"]), st.text(alphabet="A-Za-z0-9=+/_?", max_size=30)),
    st.builds(lambda t, cs, extra: f'{t}; charset="{cs}"; boundary="{extra}"; report-type=delivery-status',
              st.sampled_from(TYPES), st.sampled_from(CHARSETS), st.text(max_size=10)),
    st.sampled_from(["base64", "quoted-printable", "8bit", "x-uuencode", "attachment; filename*=utf-8''%E6%8E",
                     '"unterminated <a@b', "<>", "<<<@>>>", "rfc822; a@b"]),
)  # fmt: skip


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """Header soup over a body that may hold MIME parts, truncated anywhere."""
    lines = [f"{draw(st.sampled_from(HEADER_NAMES))}: {draw(header_value)}"
             for _ in range(draw(st.integers(0, 12)))]  # fmt: skip
    boundary = draw(st.sampled_from(["b", "", "--", "x y"]))
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        part_headers = "\r\n".join(f"{draw(st.sampled_from(HEADER_NAMES))}: {draw(header_value)}"
                                   for _ in range(draw(st.integers(0, 4))))  # fmt: skip
        parts.append(f"--{boundary}\r\n{part_headers}\r\n\r\n".encode(errors="surrogateescape")
                     + draw(st.binary(max_size=200)))  # fmt: skip
    head = "\r\n".join(lines).encode("utf-8", errors="surrogatepass")
    raw = head + b"\r\n\r\n" + b"\r\n".join(parts) + draw(st.binary(max_size=100))
    return raw[: draw(st.integers(0, len(raw)))]


def check(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMail)
    assert not parsed.damaged  # the tolerant parser coped; the last-resort fallback was not needed
    assert parsed.message_id.startswith("<")
    assert isinstance(parsed.text, str) and isinstance(parsed.reply_text, str)
    assert classify(parsed, own_addresses=["admissions@office.example"]).kind in {
        "auto_reply",
        "bounce",
        "bulk",
        "human",
    }
    key = find_reply_key(parsed, "admissions@office.example")
    assert key is None or isinstance(key, str)
    find_reply_key(parsed, None)  # must not raise either


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(messages())
def test_malformed_headers_charsets_and_mime(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(st.sampled_from(CORPUS), st.data())
def test_damaged_real_messages(path: Path, data: st.DataObject) -> None:
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(0, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    check(bytes(raw[: data.draw(st.integers(0, len(raw)))]))


@FUZZ
@given(st.text(max_size=500))
def test_text_helpers_accept_anything(text: str) -> None:
    assert isinstance(html_to_text(text, strip_quotes=True), str)
    assert isinstance(strip_quoted_text(text), str)
