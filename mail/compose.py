"""Building outgoing messages with the headers that keep threads, replies and auto-responders right."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from mail.reply_keys import reply_address


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def _transfer_encoding(text: str) -> str:
    """7-bit safe for every relay: quoted-printable keeps mostly-ASCII text readable, base64 is shorter for CJK."""
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return "quoted-printable" if non_ascii * 10 <= len(text) else "base64"


def compose(
    *,
    from_addr: str,
    to: str | Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    from_name: str | None = None,
    reply_key: str | None = None,
    reply_base: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_generated: bool = True,
    message_id: str | None = None,
    message_id_domain: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """Build a UTF-8 message ready for ``smtp_sender.send``.

    ``reply_key`` puts ``base+KEY@domain`` in Reply-To (``reply_base`` defaults to ``from_addr``).
    ``message_id`` lets the outbox keep one Message-ID across retries; otherwise a unique one is made in
    ``message_id_domain`` (default: the sender's domain). ``auto_generated`` marks mail the system sends on its
    own (RFC 3834), so that well-behaved auto-responders do not answer it.
    """
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=from_name or "", addr_spec=from_addr)
    message["To"] = to if isinstance(to, str) else ", ".join(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain=message_id_domain or _domain(from_addr))
    if reply_key:
        message["Reply-To"] = reply_address(reply_base or from_addr, reply_key)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        chain = [ref for ref in references if ref != in_reply_to]
        message["References"] = " ".join([*chain, in_reply_to])
    elif references:
        message["References"] = " ".join(references)
    if auto_generated:
        message["Auto-Submitted"] = "auto-generated"
        # Exchange honours this instead of RFC 3834: no out-of-office or delivery receipts back to us.
        message["X-Auto-Response-Suppress"] = "All"
    message.set_content(text, charset="utf-8", cte=_transfer_encoding(text))
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte=_transfer_encoding(html))
    return message
