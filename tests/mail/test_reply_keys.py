"""Reply keys in addresses: building them and finding them again, and refusing anything that is not a token."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mail.extract import parse_message
from mail.reply_keys import find_reply_key, key_from_address, reply_address

BASE = "admissions@office.example"


def test_reply_address_inserts_the_key() -> None:
    assert reply_address(BASE, "AbC-123_xyz") == "admissions+AbC-123_xyz@office.example"


@pytest.mark.parametrize("key", ["short", "has space1", "bad!chars", "x" * 65, "", "ключключключ"])
def test_reply_address_rejects_non_tokens(key: str) -> None:
    with pytest.raises(ValueError):
        reply_address(BASE, key)


@pytest.mark.parametrize("base", ["admissions+old@office.example", "no-at-sign", "@office.example"])
def test_reply_address_rejects_bad_bases(base: str) -> None:
    with pytest.raises(ValueError):
        reply_address(base, "abcdefgh")


@given(st.builds(lambda n: secrets.token_urlsafe(n), st.integers(min_value=6, max_value=48)))
def test_round_trip_of_generated_tokens(key: str) -> None:
    assert key_from_address(reply_address(BASE, key), BASE) == key


@pytest.mark.parametrize(
    ("address", "base", "key"),
    [
        ("admissions+abcdefgh@office.example", BASE, "abcdefgh"),
        ("ADMISSIONS+abcdefgh@OFFICE.example", BASE, "abcdefgh"),  # case of local part and domain may change
        ("admissions+abcdefgh@other.example", BASE, None),
        ("someone+abcdefgh@office.example", BASE, None),
        ("someone+abcdefgh@office.example", None, "abcdefgh"),
        ("admissions@office.example", BASE, None),
        ("admissions+abc$defgh@office.example", BASE, None),
        ("not an address", BASE, None),
    ],
)
def test_key_from_address(address: str, base: str | None, key: str | None) -> None:
    assert key_from_address(address, base) == key


def test_find_reply_key_looks_at_to_cc_and_delivery_headers_in_order() -> None:
    raw = (
        b"From: p@uni.example\r\nTo: other@uni.example\r\nCc: admissions+ccKey1234@office.example\r\n"
        b"Delivered-To: admissions+dtKey1234@office.example\r\n\r\nhi\r\n"
    )
    assert find_reply_key(parse_message(raw), BASE) == "ccKey1234"
