"""National IDs, resident certificates, ROC dates and masking."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.identity import (
    IdentityError,
    ValidId,
    YearMonth,
    format_english,
    format_roc,
    hash_id,
    mask_id,
    parse_date,
    parse_year_month,
    redact_ids,
    validate_id,
)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("A123456789", "national"),
        ("a123456789", "national"),
        (" A１２３４５６７８９ ", "national"),  # full-width digits, spaces
        ("B120863158", "national"),
        ("AC01234567", "resident_old"),
        ("FA12345689", "resident_old"),
        ("A800000014", "resident_new"),
    ],
)
def test_valid_ids(raw: str, kind: str) -> None:
    valid = validate_id(raw)
    assert valid.kind == kind
    assert valid.value == valid.value.upper() and len(valid.value) == 10


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("A123456788", "checksum"),
        ("A223456789", "checksum"),
        ("AC01234568", "checksum"),
        ("A12345678", "format"),
        ("1234567890", "format"),
        ("A323456789", "format"),  # second digit must be 1/2 (or 8/9 for new resident numbers)
        ("AZ01234567", "format"),
        ("", "format"),
    ],
)
def test_invalid_ids(raw: str, code: str) -> None:
    with pytest.raises(IdentityError) as err:
        validate_id(raw)
    assert err.value.code == code


def test_repr_never_shows_the_full_id(caplog: pytest.LogCaptureFixture) -> None:
    valid = validate_id("A123456789")
    logging.getLogger("t").warning("got %s / %r", valid, valid)
    assert "A123456789" not in caplog.text
    assert "A12*****89" in caplog.text


def test_mask_and_hash() -> None:
    assert mask_id("a123456789") == "A12*****89"
    valid = validate_id("A123456789")
    assert hash_id(valid, b"k1") == hash_id(validate_id("a123456789"), b"k1")
    assert hash_id(valid, b"k1") != hash_id(valid, b"k2")
    assert "A123456789" not in hash_id(valid, b"k1")


@pytest.mark.parametrize(
    "raw", ["115/01/05", "115年1月5日", "民國115年01月05日", "2026-01-05", "2026/1/5", "115.01.05", "１１５／０１／０５",
            "1150105", "20260105"],
)  # fmt: skip
def test_parse_date_forms(raw: str) -> None:
    assert parse_date(raw) == date(2026, 1, 5)


@pytest.mark.parametrize("raw", ["民國115年01月", "115/01", "2026-01", "115年1月", "11501", "115/01/05"])
def test_parse_year_month_forms(raw: str) -> None:
    assert parse_year_month(raw) == YearMonth(2026, 1)


@pytest.mark.parametrize(("raw", "code"), [("115/02/30", "impossible"), ("115/13", "impossible"),
                                           ("115/00", "impossible"), ("yesterday", "date_format"),
                                           ("115", "date_format"), ("2025-02-29", "impossible")])  # fmt: skip
def test_bad_dates(raw: str, code: str) -> None:
    with pytest.raises(IdentityError) as err:
        parse_year_month(raw) if code == "impossible" and raw.count("/") == 1 else parse_date(raw)
    assert err.value.code == code


def test_leap_day_roc() -> None:
    assert parse_date("113/02/29") == date(2024, 2, 29)


def test_formatting() -> None:
    assert format_roc(date(2026, 1, 5)) == "115年01月05日（星期一）"
    assert format_roc(date(2026, 1, 6), weekday=False) == "115年01月06日"
    assert format_english(date(2026, 1, 5)) == "Monday, 5 January 2026"


@given(st.text(max_size=30))
def test_parsers_never_crash(text: str) -> None:
    """Any text either parses to the right type or is refused with IdentityError, never another error."""
    for parser, kind in ((validate_id, ValidId), (parse_date, date), (parse_year_month, YearMonth)):
        try:
            result = parser(text)
        except IdentityError as exc:
            assert exc.code in {"format", "checksum", "date_format", "impossible"}
        else:
            assert isinstance(result, kind)


def test_redact_ids_in_free_text() -> None:
    text = "我的身分證是A123456789，居留證 ac01234567，序號MD0026，電話0912345678"
    out = redact_ids(text)
    assert "A123456789" not in out and "AC01234567" not in out.upper()
    assert "A12*****89" in out and "MD0026" in out and "0912345678" in out
