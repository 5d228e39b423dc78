"""Cutting the brochures into quotable paragraphs with their headings."""

from __future__ import annotations

from knowledge.passages import MAX_PASSAGE, quote, split_document

TEXT = """# 國立臺北科技大學

## 報名費繳交方式說明

- 一、報名費：新臺幣 1,100 元整。請於期限內完成繳費，逾期不受理。

三、報名地點：
現場報名地點為本校行政大樓二樓，請攜帶身分證件。

選單
"""


def test_paragraphs_keep_their_headings() -> None:
    passages = split_document("002.txt", TEXT, "ntut105-transfer")
    assert [p.section for p in passages] == ["報名費繳交方式說明", "報名費繳交方式說明 / 三、報名地點："]
    assert passages[0].text.startswith("- 一、報名費") and passages[0].round == "ntut105-transfer"
    assert "行政大樓" in passages[1].text  # the numbered heading starts its own paragraph
    assert all("選單" not in p.text for p in passages)  # too short to be worth quoting


def test_long_paragraphs_are_cut_at_line_ends() -> None:
    line = "報名資料請依序放入信封並以限時掛號寄出。" * 5
    passages = split_document("d.txt", "## 注意事項\n" + "\n".join([line] * 10), "r")
    assert len(passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE + len(line) for p in passages)
    assert "".join(p.text.replace("\n", "") for p in passages) == line * 10


def test_quote_is_one_line_and_bounded() -> None:
    assert quote("一\n二   三") == "一 二 三"
    long = quote("字" * 1000)
    assert len(long) == 300 and long.endswith("…")
