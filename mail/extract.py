"""Turning raw RFC 5322 bytes into a ``ParsedMail``: headers, body text, reply text and attachments.

Never raises on bad input: real mail has broken charsets, truncated MIME and malformed headers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Literal

from mail.charsets import decode_bytes, decode_header_value, recover_8bit
from mail.quotes import html_to_text, strip_quoted_text

Header = tuple[str, str]
_MSGID = re.compile(r"<[^<>\s]+>")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN = re.compile(r"[A-Za-z]")
# Parts of a delivery report that describe the bounce rather than being attachments a person sent.
_REPORT_PARTS = frozenset(
    {
        "message/delivery-status",
        "message/rfc822",
        "text/rfc822-headers",
        "message/disposition-notification",
        "message/global-delivery-status",
        "message/global-headers",
        "message/global",
    }
)


@dataclass(frozen=True)
class Attachment:
    """A file carried by a message."""

    filename: str
    content_type: str
    size: int
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ParsedMail:
    """How a message reads once decoded; the input of classification and reply routing."""

    message_id: str
    message_id_synthetic: bool
    from_addr: str
    from_name: str
    to_addrs: tuple[str, ...]
    cc_addrs: tuple[str, ...]
    delivered_to: tuple[str, ...]
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    date: datetime | None
    text: str
    reply_text: str
    lang: Literal["zh", "en"]
    attachments: tuple[Attachment, ...]
    headers: tuple[Header, ...] = field(repr=False)
    content_type: str = "text/plain"
    report_type: str | None = None
    delivery_status: tuple[tuple[Header, ...], ...] = field(default=(), repr=False)
    original_headers: tuple[Header, ...] = field(default=(), repr=False)
    damaged: bool = False  # the MIME parser gave up; only the raw bytes as text are available

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), decoded, or None."""
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name: str) -> tuple[str, ...]:
        """All values of header ``name`` (case-insensitive), decoded, in message order."""
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == wanted)

    def original_header(self, name: str) -> str | None:
        """First value of ``name`` in the headers of the returned message inside a bounce, or None."""
        return _first(self.original_headers, name)


def _raw_headers(message: Message) -> list[Header]:
    return [(recover_8bit(str(name)), str(value)) for name, value in message.raw_items()]


def _raw_value(part: Message, name: str) -> str | None:
    """A header as stored; ``Message.get`` returns Header objects, not strings, for raw 8-bit values."""
    return next((value for key, value in _raw_headers(part) if key.lower() == name.lower()), None)


def _addresses(raw_values: list[str]) -> list[tuple[str, str]]:
    """Parse address headers before decoding encoded words, so a comma in a display name cannot split it."""
    pairs: list[tuple[str, str]] = []
    for name, addr in getaddresses(
        [recover_8bit(v).replace("\r", "").replace("\n", " ") for v in raw_values]
    ):
        if "@" in addr:
            pairs.append((decode_header_value(name), addr.strip()))
    return pairs


def _first(headers: tuple[Header, ...], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def _header_values(raw: list[Header], name: str) -> list[str]:
    return [value for key, value in raw if key.lower() == name.lower()]


def _first_msgid(value: str | None) -> str | None:
    if not value:
        return None
    match = _MSGID.search(value)
    if match:
        return match.group(0)
    stripped = value.strip()
    return f"<{stripped}>" if stripped and " " not in stripped else None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # raw 8-bit parameters trip the email package; the type itself is plain ASCII
        declared = recover_8bit(_raw_value(part, "Content-Type") or "").split(";", 1)[0].strip().lower()
        return declared if declared.count("/") == 1 and " " not in declared else "text/plain"


def _readable_params(part: Message) -> Message:
    """``part``, or a stand-in whose Content-Type / Content-Disposition have raw 8-bit bytes decoded.

    Clients that write ``filename="推薦信.pdf"`` unencoded leave bytes the email package cannot read as text.
    """
    values = {name: _raw_value(part, name) for name in ("Content-Type", "Content-Disposition")}
    if all(value is None or value == recover_8bit(value) for value in values.values()):
        return part
    stand_in = Message()
    for name, value in values.items():
        if value is not None:
            stand_in[name] = recover_8bit(value)
    return stand_in


def _param(part: Message, name: str) -> str | None:
    try:
        value = _readable_params(part).get_param(name)
    except Exception:
        return None
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        charset, _language, text = value
        return decode_bytes(text.encode("latin-1", errors="replace"), charset or "utf-8")
    return recover_8bit(value) if isinstance(value, str) else None


def _filename(part: Message) -> str | None:
    try:
        name = _readable_params(part).get_filename() or _param(part, "name")
    except Exception:
        name = _param(part, "name")
    if not name:
        return None
    # Outlook and Chinese webmail put RFC 2047 words inside the filename parameter.
    return decode_header_value(recover_8bit(name)) or None


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken base64 / quoted-printable
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""


def _attachment_data(part: Message) -> bytes:
    if not isinstance(part.get_payload(), list):
        return _payload_bytes(part)
    try:  # an attached message/rfc822 is held parsed; serialise it back
        inner = part.get_payload(0)
        return inner.as_bytes() if isinstance(inner, Message) else b""
    except Exception:
        return b""


def _part_text(part: Message) -> str:
    return decode_bytes(_payload_bytes(part), _param(part, "charset")).replace("\r\n", "\n")


def _is_attachment(part: Message, content_type: str, filename: str | None) -> bool:
    disposition = (_raw_value(part, "Content-Disposition") or "").split(";", 1)[0].strip().lower()
    if disposition == "attachment" or filename:
        return True
    # Only plain text and HTML are the body; calendars, vCards and the like travel as files.
    return content_type not in ("text/plain", "text/html")


def _walk(part: Message, in_report: bool = False) -> Iterator[tuple[Message, bool]]:
    """Yield leaf parts, without descending into attached messages; flags parts of a delivery report."""
    content_type = _content_type(part)
    if content_type.startswith("multipart/"):
        report = in_report or content_type == "multipart/report"
        payload = part.get_payload()
        children = payload if isinstance(payload, list) else []
        for child in children:
            if isinstance(child, Message):
                yield from _walk(child, report)
        return
    yield part, in_report


def _status_blocks(part: Message) -> tuple[tuple[Header, ...], ...]:
    """Fields of a message/delivery-status part, one tuple per block (per-message, then per-recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        sources = [block for block in payload if isinstance(block, Message)]
    else:  # encoded or unparsed report: split the text into blocks ourselves
        chunks = re.split(r"\n\s*\n", _part_text(part))
        sources = [HeaderParser().parsestr(chunk.strip() + "\n") for chunk in chunks]
    blocks = (tuple((k, decode_header_value(v)) for k, v in _raw_headers(source)) for source in sources)
    return tuple(block for block in blocks if block)


def _returned_headers(part: Message, content_type: str) -> tuple[Header, ...]:
    if content_type in ("message/rfc822", "message/global"):
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            return tuple((k, decode_header_value(v)) for k, v in _raw_headers(inner))
        return ()
    headers = HeaderParser().parsestr(_part_text(part))
    return tuple((k, decode_header_value(v)) for k, v in _raw_headers(headers))


def detect_lang(text: str) -> Literal["zh", "en"]:
    """ "zh" when Chinese characters carry a fair share of the text, else "en"."""
    cjk = len(_CJK.findall(text))
    return "zh" if cjk and cjk * 3 >= len(_LATIN.findall(text)) else "en"


@dataclass
class _Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    status: tuple[tuple[Header, ...], ...] = ()
    original: tuple[Header, ...] = ()


def _collect(message: Message) -> _Body:
    body = _Body()
    for part, in_report in _walk(message):
        content_type = _content_type(part)
        if in_report and content_type in _REPORT_PARTS:
            if content_type.endswith("delivery-status"):
                body.status = _status_blocks(part)
            elif not body.original:
                body.original = _returned_headers(part, content_type)
            continue
        filename = _filename(part)
        if _is_attachment(part, content_type, filename):
            data = _attachment_data(part)
            body.attachments.append(Attachment(filename or "", content_type, len(data), data))
        elif content_type == "text/html":
            body.html.append(_part_text(part))
        else:
            body.plain.append(_part_text(part))
    return body


def _parse(raw: bytes) -> ParsedMail:
    message = message_from_bytes(raw)
    raw_headers = _raw_headers(message)
    headers = tuple((name, decode_header_value(value)) for name, value in raw_headers)
    body = _collect(message)

    plain = "\n".join(t for t in body.plain if t.strip())
    html = "\n".join(body.html)
    if plain.strip():
        text, reply_source = plain, plain
    else:
        text = html_to_text(html)
        reply_source = html_to_text(html, strip_quotes=True)
    reply_text = strip_quoted_text(reply_source)

    sender = _addresses(_header_values(raw_headers, "From")) or _addresses(
        _header_values(raw_headers, "Sender")
    )
    from_name, from_addr = (
        sender[0] if sender else ("", parseaddr(recover_8bit(_raw_value(message, "From") or ""))[1])
    )
    message_id = _first_msgid(_first(headers, "Message-ID"))
    in_reply_to = _first_msgid(_first(headers, "In-Reply-To"))
    references = tuple(_MSGID.findall(" ".join(v for k, v in headers if k.lower() == "references")))
    delivered = [
        addr
        for name in ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
        for _n, addr in _addresses(_header_values(raw_headers, name))
    ]
    return ParsedMail(
        message_id=message_id or f"<{hashlib.sha256(raw).hexdigest()}@sha256.invalid>",
        message_id_synthetic=message_id is None,
        from_addr=from_addr,
        from_name=from_name,
        to_addrs=tuple(a for _n, a in _addresses(_header_values(raw_headers, "To"))),
        cc_addrs=tuple(a for _n, a in _addresses(_header_values(raw_headers, "Cc"))),
        delivered_to=tuple(delivered),
        subject=_first(headers, "Subject") or "",
        in_reply_to=in_reply_to,
        references=references,
        date=_date(_first(headers, "Date")),
        text=text.strip(),
        reply_text=reply_text,
        lang=detect_lang(reply_text or text),
        attachments=tuple(body.attachments),
        headers=headers,
        content_type=_content_type(message),
        report_type=(_param(message, "report-type") or "").lower() or None,
        delivery_status=body.status,
        original_headers=body.original,
    )


def _fallback(raw: bytes) -> ParsedMail:
    """What is left when even the tolerant parser fails: the bytes as text, nothing else trusted."""
    text = decode_bytes(raw)
    return ParsedMail(
        message_id=f"<{hashlib.sha256(raw).hexdigest()}@sha256.invalid>",
        message_id_synthetic=True,
        from_addr="",
        from_name="",
        to_addrs=(),
        cc_addrs=(),
        delivered_to=(),
        subject="",
        in_reply_to=None,
        references=(),
        date=None,
        text=text,
        reply_text=strip_quoted_text(text),
        lang=detect_lang(text),
        attachments=(),
        headers=(),
        damaged=True,
    )


def parse_message(raw: bytes) -> ParsedMail:
    """Parse a raw message; never raises, whatever the input."""
    try:
        return _parse(raw)
    except Exception:  # the processor must survive any mail; the fallback keeps the bytes
        return _fallback(raw)
