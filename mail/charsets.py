"""Decoding bytes and header words in whatever charset real mail clients declare (or fail to declare)."""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

# Declared charsets are trusted first; these are what to try when the declared one fails, because Taiwanese and
# Hong Kong mail labelled big5 often uses cp950 / HKSCS extensions and gb2312 mail often uses GBK/GB18030 characters.
_FALLBACKS: dict[str, tuple[str, ...]] = {
    "big5": ("big5hkscs", "cp950"),
    "cp950": ("big5hkscs",),
    "big5hkscs": ("cp950",),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "iso8859-1": ("cp1252",),
    "latin-1": ("cp1252",),
}
# Labels that mail clients use but Python does not know (or knows under another name).
_ALIASES: dict[str, str] = {
    "x-big5": "big5",
    "big-5": "big5",
    "cn-big5": "big5",
    "x-gbk": "gbk",
    "x-gb2312": "gb2312",
    "euc-cn": "gb2312",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
    "us-ascii": "ascii",
}
# When nothing is declared, these cover almost all the mail an admissions office in Taiwan receives.
_UNDECLARED: tuple[str, ...] = ("utf-8", "cp950", "big5hkscs", "gb18030")

_DECODE_ERRORS = (UnicodeError, LookupError, ValueError, TypeError)
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"^[ \t\r\n]+$")


def _codec_name(label: str | None) -> str | None:
    """Return Python's name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    cleaned = label.strip().strip("\"'").lower().split("*", 1)[0]  # RFC 2231 allows charset*language
    cleaned = _ALIASES.get(cleaned, cleaned)
    try:
        return codecs.lookup(cleaned).name
    except (LookupError, ValueError):  # unknown, or not even a valid name (NUL bytes)
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode ``data`` in the declared charset, falling back to its known supersets.

    A known declared charset is trusted (a stray bad byte becomes U+FFFD rather than the whole text being
    read as another charset); without a usable label (none, unknown, or us-ascii over 8-bit bytes) the
    charsets common in Taiwan and China are tried in turn, then UTF-8 with replacement.
    """
    label = _codec_name(declared)
    codec = "utf-8" if label in (None, "ascii") else label
    candidates = [*_UNDECLARED] if label in (None, "ascii") else [codec, *_FALLBACKS.get(codec, ())]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except _DECODE_ERRORS:
            continue
    try:
        return data.decode(codec, errors="replace")
    except _DECODE_ERRORS:  # labels naming non-text codecs (base64, rot13, idna ...)
        return data.decode("utf-8", errors="replace")


def recover_8bit(value: str) -> str:
    """Undo the surrogate escapes the email package leaves for raw 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("ascii", errors="surrogateescape"))


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        padded = payload + "=" * (-len(payload) % 4)
        try:
            return base64.b64decode(padded, validate=False)
        except (binascii.Error, ValueError):
            return payload.encode("ascii", errors="replace")
    return quopri.decodestring(payload.replace("_", " ").encode("ascii", errors="replace"), header=False)


def decode_header_value(value: str | None) -> str:
    """Unfold a raw header value and decode RFC 2047 encoded words, tolerating broken ones.

    Adjacent words in the same charset are joined before decoding, because clients split multi-byte
    characters across words.
    """
    if not value:
        return ""
    text = recover_8bit(re.sub(r"\r?\n[ \t]", " ", value))
    pieces: list[str] = []
    pending: bytes = b""
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            pieces.append(decode_bytes(pending, pending_charset))
        pending, pending_charset = b"", None

    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        if between and not (pending and _BETWEEN_WORDS.match(between)):
            flush()
            pieces.append(between)
        charset, encoding, payload = match.groups()
        if pending and charset.lower() != (pending_charset or "").lower():
            flush()
        pending += _word_bytes(encoding, payload)
        pending_charset = charset
        position = match.end()
    flush()
    pieces.append(text[position:])
    return "".join(pieces).strip()
