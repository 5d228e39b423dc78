"""Checking that a recommendation letter is a real, readable PDF within the size limit."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

ReasonCode = Literal["ok", "too_big", "not_pdf", "unreadable", "encrypted", "empty"]
MAX_LETTER_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class PdfCheck:
    """Outcome of ``check_pdf``: ``ok`` with the page count, or the reason it was refused."""

    ok: bool
    reason_code: ReasonCode
    pages: int = 0


def check_pdf(data: bytes, max_bytes: int = MAX_LETTER_BYTES) -> PdfCheck:
    """Check ``data`` is a PDF of at most ``max_bytes`` that opens without a password and has pages."""
    if len(data) > max_bytes:
        return PdfCheck(False, "too_big")
    if b"%PDF-" not in data[:1024]:  # the header may follow a little junk (PDF 1.7, 7.5.2)
        return PdfCheck(False, "not_pdf")
    # Imported here: pypdf costs memory in every `assistant serve`, and letters arrive rarely.
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # An empty user password opens in every viewer, so staff can read it; anything else they cannot.
            try:
                if not reader.decrypt(""):
                    return PdfCheck(False, "encrypted")
            except (PyPdfError, DependencyError, NotImplementedError):
                return PdfCheck(False, "encrypted")
        pages = len(reader.pages)
        for page in reader.pages:
            page.get_contents()
    except Exception:  # pypdf raises many kinds of errors on damaged files; all mean "cannot read it"
        return PdfCheck(False, "unreadable")
    if pages == 0:
        return PdfCheck(False, "empty")
    return PdfCheck(True, "ok", pages)
