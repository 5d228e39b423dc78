"""Every message in the corpus is understood as expected.yaml says: kind, reply text, key, attachments, bounce."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mail.classify import classify
from mail.extract import parse_message
from mail.reply_keys import find_reply_key

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
OFFICE = "admissions@office.example"


def test_corpus_is_complete() -> None:
    files = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_message_is_understood(name: str) -> None:
    expected = EXPECTED[name]
    parsed = parse_message((CORPUS / name).read_bytes())
    result = classify(parsed, own_addresses=[OFFICE])

    assert result.kind == expected["kind"], result.reason
    for fragment in expected["reply_contains"]:
        assert fragment in parsed.reply_text
    for fragment in expected["reply_excludes"]:
        assert fragment not in parsed.reply_text
    for fragment in expected.get("text_contains", []):
        assert fragment in parsed.text
    assert find_reply_key(parsed, OFFICE) == expected["reply_key"]
    assert [a.filename for a in parsed.attachments] == expected["attachments"]
    assert parsed.lang == expected["lang"]
    assert not parsed.message_id_synthetic
    if "subject" in expected:
        assert parsed.subject == expected["subject"]
    if "from_name" in expected:
        assert parsed.from_name == expected["from_name"]
    if "bounce" in expected:
        assert result.bounce is not None
        bounce = expected["bounce"]
        assert list(result.bounce.recipients) == bounce["recipients"]
        assert result.bounce.action == bounce["action"]
        assert result.bounce.status == bounce["status"]
        assert result.bounce.permanent == bounce["permanent"]
        assert result.bounce.original_message_id == bounce["original_message_id"]
    else:
        assert result.bounce is None
