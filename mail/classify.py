"""Telling people from machines: auto-replies, bounces and list mail are recognised and never answered.

Rules follow RFC 3834 (Auto-Submitted), RFC 3464 (delivery status reports) and Discourse's checks, with the
Chinese out-of-office subjects those lack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from mail.extract import Header, ParsedMail

Kind = Literal["auto_reply", "bounce", "bulk", "human"]
BounceAction = Literal["failed", "delayed", "delivered"]  # delivered: a success notice (relayed, expanded)

_DAEMON_LOCAL = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|maildaemon)$", re.IGNORECASE)
_NOREPLY_LOCAL = re.compile(
    r"^(no-?reply|do-?not-?reply|donotreply|notifications?)([+.\-_].*)?$", re.IGNORECASE
)
_AUTO_HEADER_NAME = re.compile(
    r"auto[\-_]?(response|submitted|replied|reply|generated|respond)|autoreply|autorespond", re.IGNORECASE
)
_OOO_SUBJECT = re.compile(
    r"^\s*(Auto:|Auto[\- ]?reply|Automatic reply|Autosvar|Out of (the )?Office|OOO\b|Abwesenheit"
    r"|自動回覆|自动回复|自動回復|自動答覆|自动答复|不在辦公室|不在办公室|(休假|外出|出差|請假|请假)(通知|中))",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(Undeliver(ed|able)|Delivery Status Notification|Delivery (has )?failed|Mail delivery failed"
    r"|Returned mail|failure notice|無法傳遞|无法传递|退信|投遞失敗|投递失败|傳送失敗)",
    re.IGNORECASE,
)
_QMAIL_RECIPIENT = re.compile(r"^<([^<>\s@]+@[^<>\s@]+)>:", re.MULTILINE)
_BODY_MSGID = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")


@dataclass(frozen=True)
class BounceInfo:
    """What a delivery report says about the message it returns."""

    recipients: tuple[str, ...]
    action: BounceAction
    status: str | None
    original_message_id: str | None
    permanent: bool
    diagnostic: str | None = None


@dataclass(frozen=True)
class Classification:
    """Who wrote a message: a person (``human``) or a machine (the other kinds)."""

    kind: Kind
    reason: str
    bounce: BounceInfo | None = None

    @property
    def is_machine(self) -> bool:
        """True for anything that must not be answered."""
        return self.kind != "human"


def _local_part(address: str) -> str:
    return address.rsplit("@", 1)[0] if "@" in address else address


def _base_address(address: str) -> str:
    """``admissions+key@x`` -> ``admissions@x``, lower-cased, for comparing who an address belongs to."""
    local, _, domain = address.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else address.strip().lower()


def is_own_address(address: str, own_addresses: Iterable[str]) -> bool:
    """Loop guard: True when ``address`` is one of ours, with or without a ``+key`` tag."""
    own = {_base_address(candidate) for candidate in own_addresses if candidate}
    return bool(address) and _base_address(address) in own


def _field(block: tuple[Header, ...], name: str) -> str | None:
    return next((value for key, value in block if key.lower() == name.lower()), None)


def _typed_value(value: str | None) -> str | None:
    """``rfc822; user@example.com`` -> ``user@example.com``."""
    if not value:
        return None
    return " ".join(value.split(";", 1)[-1].split()).strip("<>") or None


def _original_message_id(parsed: ParsedMail) -> str | None:
    found = parsed.original_header("Message-ID")
    if found:
        match = re.search(r"<[^<>\s]+>", found)
        return match.group(0) if match else f"<{found.strip()}>"
    match = _BODY_MSGID.search(parsed.text)
    return match.group(1) if match else None


def _report_bounce(parsed: ParsedMail) -> BounceInfo:
    """Read an RFC 3464 report: one block per recipient with Action / Status / Diagnostic-Code."""
    failed: list[str] = []
    delayed: list[str] = []
    delivered: list[str] = []
    statuses: list[str] = []
    diagnostic: str | None = None
    for block in parsed.delivery_status:
        recipient = _typed_value(_field(block, "Final-Recipient") or _field(block, "Original-Recipient"))
        action = (_field(block, "Action") or "").strip().lower()
        if not recipient and not action:
            continue  # the per-message block (Reporting-MTA, Arrival-Date)
        status = (_field(block, "Status") or "").strip().split(" ", 1)[0] or None
        diagnostic = diagnostic or _typed_value(_field(block, "Diagnostic-Code"))
        if action.startswith("delay"):
            delayed.append(recipient or "")
        elif action in ("delivered", "relayed", "expanded"):
            delivered.append(recipient or "")
        elif action in ("failed", "") or (status or "").startswith("5"):
            failed.append(recipient or "")
            if status:
                statuses.append(status)
    status = statuses[0] if statuses else None
    if failed:
        # Action: failed with no status, or a 5.x.x status, is final; a 4.x.x status may still be delivered.
        permanent = status is None or status.startswith("5")
        return BounceInfo(
            tuple(r for r in failed if r),
            "failed",
            status,
            _original_message_id(parsed),
            permanent,
            diagnostic,
        )
    outcome: BounceAction = "delivered" if delivered and not delayed else "delayed"
    recipients = tuple(r for r in (delayed or delivered) if r)
    return BounceInfo(recipients, outcome, None, _original_message_id(parsed), False, diagnostic)


def _plain_bounce(parsed: ParsedMail) -> BounceInfo:
    """Best effort for old-style bounces without a report part (qmail, some gateways)."""
    recipients = tuple(dict.fromkeys(_QMAIL_RECIPIENT.findall(parsed.text)))
    status_match = _STATUS_CODE.search(parsed.text)
    status = status_match.group(1) if status_match else None
    delayed = bool(re.search(r"\b(delayed|will (keep )?retry|not yet been delivered)\b", parsed.text, re.I))
    if delayed and not (status or "").startswith("5"):
        return BounceInfo(recipients, "delayed", status, _original_message_id(parsed), False)
    return BounceInfo(
        recipients, "failed", status, _original_message_id(parsed), not (status or "").startswith("4")
    )


def _auto_header_reason(parsed: ParsedMail) -> str | None:
    auto_submitted = (parsed.header("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = (parsed.header("Precedence") or parsed.header("X-Precedence") or "").strip().lower()
    if precedence == "auto_reply":
        return "Precedence: auto_reply"
    # X-Auto-Response-Suppress asks Exchange not to answer; Exchange also adds it to people's mail sent through
    # distribution lists, so it does not mean "machine" (Discourse PR 21367, osTicket PR 5320 dropped it too).
    for name, _value in parsed.headers:
        if name.lower() not in ("auto-submitted", "x-auto-response-suppress") and _AUTO_HEADER_NAME.search(
            name
        ):
            return f"{name} header"
    return None


def _bulk_reason(parsed: ParsedMail) -> str | None:
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if parsed.header(name):
            return f"{name} header"
    precedence = (parsed.header("Precedence") or parsed.header("X-Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    if _NOREPLY_LOCAL.match(_local_part(parsed.from_addr)):
        return "no-reply sender"
    return None


def classify(parsed: ParsedMail, own_addresses: Iterable[str] = ()) -> Classification:
    """Decide whether ``parsed`` came from a person; ``own_addresses`` are ours (mail from them is a loop)."""
    content_type = parsed.content_type.lower()
    if (
        content_type == "multipart/report"
        and parsed.report_type == "delivery-status"
        or parsed.delivery_status
    ):
        return Classification("bounce", "delivery status report (RFC 3464)", _report_bounce(parsed))
    if _DAEMON_LOCAL.match(_local_part(parsed.from_addr)) or (
        not parsed.from_addr and _BOUNCE_SUBJECT.search(parsed.subject)
    ):
        return Classification("bounce", f"sender {parsed.from_addr or '<>'}", _plain_bounce(parsed))
    if content_type == "multipart/report":
        return Classification("auto_reply", f"report ({parsed.report_type or 'unknown type'})")
    if is_own_address(parsed.from_addr, own_addresses):
        return Classification("auto_reply", "loop: sent from our own address")
    reason = _auto_header_reason(parsed)
    if reason:
        return Classification("auto_reply", reason)
    if _OOO_SUBJECT.search(parsed.subject):
        return Classification("auto_reply", "out-of-office subject")
    reason = _bulk_reason(parsed)
    if reason:
        return Classification("bulk", reason)
    return Classification("human", "no machine markers")
