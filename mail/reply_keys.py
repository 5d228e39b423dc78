"""Reply keys carried in the address (``admissions+KEY@office.example``), the way Discourse routes replies."""

from __future__ import annotations

import re

from mail.extract import ParsedMail

# Keys are url-safe tokens (secrets.token_urlsafe); anything else in the tag is ignored, never trusted.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _split(address: str) -> tuple[str, str]:
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {address!r}")
    return local, domain


def reply_address(base: str, key: str) -> str:
    """``reply_address("admissions@x", "KEY")`` -> ``"admissions+KEY@x"``; rejects keys that are not tokens."""
    if not KEY_PATTERN.match(key):
        raise ValueError("reply key must be a url-safe token of 8 to 64 characters")
    local, domain = _split(base)
    if "+" in local:
        raise ValueError(f"base address already has a +tag: {base!r}")
    return f"{local}+{key}@{domain}"


def key_from_address(address: str, base_address: str | None) -> str | None:
    """The key in ``address`` if it is ``base_address`` with a +key (any ``local+key@`` when base is None)."""
    try:
        local, domain = _split(address)
    except ValueError:
        return None
    owner, plus, key = local.partition("+")
    if not plus or not KEY_PATTERN.match(key):
        return None
    if base_address is not None:
        try:
            base_local, base_domain = _split(base_address)
        except ValueError:
            return None
        # Mail systems may change the case of the local part and domain; the key itself is case-sensitive.
        if owner.lower() != base_local.lower() or domain.lower() != base_domain.lower():
            return None
    return key


def find_reply_key(parsed: ParsedMail, base_address: str | None) -> str | None:
    """The reply key from To, Cc, then Delivered-To / X-Original-To; None when there is no valid one."""
    for address in (*parsed.to_addrs, *parsed.cc_addrs, *parsed.delivered_to):
        key = key_from_address(address, base_address)
        if key:
            return key
    return None
