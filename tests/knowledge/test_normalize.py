"""Normalisation: width, script, case, punctuation, synonyms, tokens, language."""

from __future__ import annotations

import pytest

from knowledge.normalize import Normalizer, SynonymTable, detect_language

SYNONYMS = SynonymTable(
    groups=(("報名費", "報考費", "報名費用", "fee", "application fee"), ("照片", "相片", "photo")),
    stopwords=("請問", "嗎", "the", "is"),
)


@pytest.fixture(scope="module")
def normalizer() -> Normalizer:
    return Normalizer(SYNONYMS)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ＡＴＭ繳費１２３", "atm繳費123"),  # full width to half width
        ("报名费多少", "報名費多少"),  # Simplified to Traditional
        ("台北商業大學", "臺北商業大學"),  # variant folded
        ("What IS the Fee?", "what is the fee"),  # case and punctuation
        ("報名費：新臺幣1,100元。", "報名費 新臺幣1100元"),  # thousands separator, full-width punctuation
        ("照片  要\n多大？？", "照片 要 多大"),
    ],
)
def test_fold(normalizer: Normalizer, raw: str, folded: str) -> None:
    assert normalizer.fold(raw) == folded


def test_synonyms_become_the_canonical_word(normalizer: Normalizer) -> None:
    assert normalizer.analyze("請問报考费是多少").text == normalizer.analyze("報名費是多少").text
    assert normalizer.analyze("What is the application fee?").text == "what 報名費"
    assert normalizer.analyze("相片").text == normalizer.analyze("photo").text == "照片"


def test_longest_synonym_wins_and_english_needs_word_boundaries(normalizer: Normalizer) -> None:
    assert normalizer.analyze("報名費用").text == "報名費"
    assert "報名費" not in normalizer.analyze("coffee feet").text


def test_tokens_are_bigrams_unigrams_and_words(normalizer: Normalizer) -> None:
    tokens = dict(normalizer.analyze("上傳照片 jpg files").tokens)
    assert {"上傳", "照片", "jpg", "file"} <= tokens.keys()
    assert tokens["上傳"] == 1.0 and tokens["上"] < 1.0  # unigrams weigh less than bigrams


@pytest.mark.parametrize(
    ("text", "lang"),
    [("報名費多少", "zh"), ("how much is the fee", "en"), ("報名費 fee", "zh"), ("what is the 報名費", "zh"),
     ("what is the application fee for NTUB", "en"), ("12345", "en")],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang
