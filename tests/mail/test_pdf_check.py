"""Recommendation letters must be real, readable PDFs of at most 10 MB."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfWriter

from mail.extract import parse_message
from mail.pdf_check import check_pdf


def make_pdf(pages: int = 1, user_password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if user_password is not None:
        writer.encrypt(user_password, owner_password="owner-secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_real_pdf_passes_with_its_page_count() -> None:
    result = check_pdf(make_pdf(pages=3))
    assert (result.ok, result.reason_code, result.pages) == (True, "ok", 3)


def test_too_big_is_checked_before_anything_else() -> None:
    data = make_pdf()
    assert check_pdf(data, max_bytes=len(data)).ok
    assert check_pdf(data, max_bytes=len(data) - 1).reason_code == "too_big"
    assert check_pdf(b"x" * (10 * 1024 * 1024 + 1)).reason_code == "too_big"


def test_not_a_pdf() -> None:
    assert check_pdf(b"PK\x03\x04 this is a zip").reason_code == "not_pdf"
    assert check_pdf(b"").reason_code == "not_pdf"


def test_truncated_or_garbled_pdf_is_unreadable() -> None:
    data = make_pdf()
    assert check_pdf(data[: len(data) // 3]).reason_code == "unreadable"
    assert check_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 100).reason_code == "unreadable"


def test_password_protected_is_refused_but_an_empty_user_password_opens() -> None:
    assert check_pdf(make_pdf(user_password="secret")).reason_code == "encrypted"
    assert check_pdf(make_pdf(user_password="")).ok


def test_a_pdf_without_pages_is_empty() -> None:
    assert check_pdf(make_pdf(pages=0)).reason_code == "empty"


def test_letters_attached_to_the_corpus_replies() -> None:
    corpus = Path(__file__).parent / "corpus"
    results = {}
    for path in sorted(corpus.glob("*.eml")):
        for attachment in parse_message(path.read_bytes()).attachments:
            if attachment.content_type == "application/pdf":
                results[path.name] = check_pdf(attachment.data).reason_code
    assert results.pop("40_truncated_mime.eml") == "unreadable"  # cut off in the middle of the base64
    assert len(results) >= 6 and set(results.values()) == {"ok"}
