"""National IDs, resident certificate numbers, ROC dates and masking.

A national ID is never stored or logged in plain text: the store keeps `hash_id(...)` (a keyed HMAC, so a
lookup can still match) and `mask_id(...)` for display.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# Official letter codes for the first letter (and, in old resident numbers, the second letter).
_LETTER_CODES = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1)
_NATIONAL = re.compile(r"^[A-Z][12]\d{8}$")
_RESIDENT_NEW = re.compile(r"^[A-Z][89]\d{8}$")
_RESIDENT_OLD = re.compile(r"^[A-Z][A-D]\d{8}$")
ROC_OFFSET = 1911
_WEEKDAYS_ZH = "一二三四五六日"


class IdentityError(ValueError):
    """Input that is not a valid ID or date; `code` is stable for adapters to translate."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ValidId:
    """A validated, normalised identity number."""

    value: str
    kind: str  # "national" | "resident_new" | "resident_old"

    def __repr__(self) -> str:  # never let a full ID reach a log through repr()
        return f"ValidId({mask_id(self.value)!r}, {self.kind!r})"

    __str__ = __repr__


def _normalise(raw: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw)).upper()


def _weighted(first_code: int, second_value: int, digits7: str) -> int:
    total = first_code // 10 + (first_code % 10) * 9 + second_value * 8
    return total + sum(int(d) * w for d, w in zip(digits7, _WEIGHTS[1:], strict=True))


def _checksum_ok(first_code: int, second_value: int, digits: str) -> bool:
    return (_weighted(first_code, second_value, digits[:7]) + int(digits[7])) % 10 == 0


def national_id(letter: str, gender: int, digits7: str) -> str:
    """A national ID with its check digit (for fictitious demo and benchmark people)."""
    check = -_weighted(_LETTER_CODES[letter], gender, digits7) % 10
    return f"{letter}{gender}{digits7}{check}"


def validate_id(raw: str) -> ValidId:
    """Validate a Taiwan national ID or a resident certificate number (old or new format), any case.

    Raises IdentityError with code "format" (wrong shape) or "checksum" (right shape, wrong check digit).
    """
    value = _normalise(raw)
    first = _LETTER_CODES.get(value[:1])
    if first is None or len(value) != 10:
        raise IdentityError("format", "an ID is one letter and 9 digits (or 2 letters and 8 digits)")
    if _NATIONAL.match(value) or _RESIDENT_NEW.match(value):
        kind = "national" if _NATIONAL.match(value) else "resident_new"
        ok = _checksum_ok(first, int(value[1]), value[2:])
    elif _RESIDENT_OLD.match(value):
        kind = "resident_old"
        ok = _checksum_ok(first, _LETTER_CODES[value[1]] % 10, value[2:])
    else:
        raise IdentityError("format", "an ID is one letter and 9 digits (or 2 letters and 8 digits)")
    if not ok:
        raise IdentityError("checksum", "the check digit does not match")
    return ValidId(value, kind)


@dataclass(frozen=True)
class HashedId:
    """A validated ID reduced to what may be kept between conversation steps: its keyed hash and mask."""

    hash: str
    masked: str


_ID_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Da-d0-9]\d{8}(?!\d)")


def redact_ids(text: str) -> str:
    """Mask anything shaped like a national ID or resident number inside free text (before logging it)."""
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), unicodedata.normalize("NFKC", text))


def hash_id(valid: ValidId, secret: bytes) -> str:
    """Keyed hash of a validated ID: what the store keeps instead of the ID."""
    return hmac.new(secret, valid.value.encode(), hashlib.sha256).hexdigest()


def mask_id(value: str) -> str:
    """`A123456789` -> `A12*****89`: enough for a person to recognise, useless to anyone else."""
    value = _normalise(value)
    if len(value) < 6:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


@dataclass(frozen=True, order=True)
class YearMonth:
    """A birth year and month, as the serial lookup asks for it."""

    year: int
    month: int

    def matches(self, day: date) -> bool:
        """True if the date falls in this month."""
        return day.year == self.year and day.month == self.month


_DATE_PATTERNS = (
    # 民國115年1月5日, 115年01月05日, 2026年1月5日
    re.compile(r"^(?:民國|民)?(?P<y>\d{2,4})年(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日號]?)?$"),
    # 115/01/05, 115-1-5, 115.01.05, 2026-01-05, 2026/1/5, 115/01
    re.compile(r"^(?:民國|民)?(?P<y>\d{2,4})[/\-.](?P<m>\d{1,2})(?:[/\-.](?P<d>\d{1,2}))?$"),
    # 1150105 / 20260105 / 11501 / 202601 (digits only)
    re.compile(r"^(?P<y>\d{3}|\d{4})(?P<m>\d{2})(?P<d>\d{2})?$"),
)


def _western_year(year: int) -> int:
    # Years written with 2-3 digits are ROC years (民國); 4 digits are Western.
    return year + ROC_OFFSET if year < 1000 else year


def _parse_parts(raw: str) -> tuple[int, int, int | None]:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            day = found.group("d")
            return _western_year(int(found.group("y"))), int(found.group("m")), int(day) if day else None
    raise IdentityError("date_format", "write the date like 115/01/05, 115年1月5日 or 2026-01-05")


def parse_date(raw: str) -> date:
    """Parse a full date typed in ROC or Western form. Raises IdentityError (date_format / impossible)."""
    year, month, day = _parse_parts(raw)
    if day is None:
        raise IdentityError("date_format", "the day is missing: write e.g. 115/01/05")
    try:
        return date(year, month, day)
    except ValueError:
        raise IdentityError("impossible", "there is no such date") from None


def parse_year_month(raw: str) -> YearMonth:
    """Parse a year and month (a full date is accepted too). Raises IdentityError."""
    year, month, day = _parse_parts(raw)
    if not 1 <= month <= 12 or year < 1912:
        raise IdentityError("impossible", "there is no such month")
    if day is not None:
        parse_date(raw)  # a day was typed: it must exist
    return YearMonth(year, month)


def format_roc(day: date, *, weekday: bool = True) -> str:
    """`115年01月05日（星期一）`, as the brochures write dates."""
    text = f"{day.year - ROC_OFFSET}年{day.month:02d}月{day.day:02d}日"
    return f"{text}（星期{_WEEKDAYS_ZH[day.weekday()]}）" if weekday else text


def format_english(day: date, *, weekday: bool = True) -> str:
    """`Monday, 5 January 2026`."""
    text = f"{day.day} {day:%B} {day.year}"
    return f"{day:%A}, {text}" if weekday else text
