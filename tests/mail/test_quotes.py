"""Quote and signature stripping for the reply headers of zh-TW, zh-CN and English clients."""

from __future__ import annotations

import pytest

from mail.quotes import html_to_text, strip_quoted_text


@pytest.mark.parametrize(
    "header",
    [
        "On Mon, Mar 2, 2026 at 3:15 PM Admissions <admissions@office.example> wrote:",
        "招生組 <admissions@office.example> 於 2026年3月2日 週一 下午3:15寫道：",
        "2026年3月2日 下午3:15，招生組 <admissions@office.example> 寫道：",
        '在 2026-03-02 15:15:00，"招生组" <admissions@office.example> 写道：',
        "-----原始郵件-----",
        "-----原始邮件-----",
        "-----Original Message-----",
        "------------------ 原始邮件 ------------------",
        "寄件者: 招生組 <admissions@office.example>\n寄件日期: 2026年3月2日 下午 03:15\n收件者: 王小明\n主旨: 推薦信邀請",
        "寄件者：招生組\n傳送時間：2026年3月2日\n收件者：王小明",
        "寄件者： 招生組 <admissions@office.example>\n傳送日期： 2026年3月2日 星期一 下午 03:15\n主旨： 推薦信邀請",
        "------------------ Original ------------------\nFrom: 招生组\nDate: Mon, Mar 2, 2026\nTo: 王磊",
        "发件人: 招生组\n发送时间: 2026年3月2日\n收件人: 王小明\n主题: 推荐信",
        "________________________________\nFrom: Admissions\nSent: Monday, March 2, 2026 3:15 PM\nTo: Prof\nSubject: x",
        "From: Admissions <admissions@office.example>\nDate: Monday, March 2, 2026\nTo: Prof\nSubject: x",
    ],
)
def test_history_after_a_reply_header_is_removed(header: str) -> None:
    text = f"新的內容 new text\n\n{header}\n\n舊的內容 old quoted text\n> 更舊的\n"
    assert strip_quoted_text(text) == "新的內容 new text"


def test_wrapped_english_attribution() -> None:
    text = "Yes.\n\nOn Mon, Mar 2, 2026 at 3:15 PM Admissions Office <\nadmissions@office.example> wrote:\n\n> old\n"
    assert strip_quoted_text(text) == "Yes."


def test_wrapped_chinese_attribution_keeps_the_line_before() -> None:
    text = "好的。\n謝謝\n招生組 <admissions@office.example>\n於 2026年3月2日 週一 下午3:15寫道：\n\n> 舊的\n"
    assert strip_quoted_text(text) == "好的。\n謝謝"


def test_bottom_posting_keeps_the_text_below_the_quote() -> None:
    text = "On 3/2/26 15:15, Admissions wrote:\n> Can you write a letter?\n> Thanks\n\nYes, by Friday.\n"
    assert strip_quoted_text(text) == "Yes, by Friday."


def test_interleaved_quotes_keep_every_answer() -> None:
    text = "> Question one?\nAnswer one.\n> Question two?\nAnswer two.\n"
    assert strip_quoted_text(text) == "Answer one.\nAnswer two."


@pytest.mark.parametrize(
    "footer",
    [
        "-- \nDr. Wu\nNTU",
        "--\nDr. Wu",
        "Sent from my iPhone",
        "從我的 iPhone 傳送",
        "發自我的 iPad",
        "Get Outlook for iOS",
        "发自我的iPhone",
    ],
)
def test_signatures_and_mobile_footers_are_removed(footer: str) -> None:
    assert strip_quoted_text(f"推薦信如附件。\n\n{footer}\n") == "推薦信如附件。"


def test_plain_text_without_quotes_is_unchanged() -> None:
    text = "Line one.\n\nLine two: with a colon.\nFrom: here on, I mean it."
    assert strip_quoted_text(text) == text


def test_html_quote_blocks_are_skipped_and_text_after_them_kept() -> None:
    html = (
        '<div>top</div><div class="gmail_quote"><div class="gmail_attr">On x wrote:</div><blockquote>old</blockquote>'
        '</div><blockquote type="cite">apple old</blockquote><div class="moz-cite-prefix">On y wrote:</div>'
        '<div class="yahoo_quoted">yahoo old</div><div>bottom</div>'
    )
    assert html_to_text(html, strip_quotes=True) == "top\nbottom"
    assert "old" in html_to_text(html)


def test_html_outlook_reply_marker_ends_the_reply() -> None:
    html = (
        '<p>reply</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> x</div><p>old</p>'
    )
    assert html_to_text(html, strip_quotes=True) == "reply"


def test_html_entities_breaks_and_invisible_parts() -> None:
    html = (
        "<html><head><style>p{}</style><title>t</title></head><body>A&amp;B&nbsp;C<br>D<ul><li>x</li></ul>"
        "<script>alert(1)</script></body></html>"
    )
    assert html_to_text(html) == "A&B C\nD\n- x"


def test_broken_html_does_not_raise() -> None:
    assert html_to_text("<div><b>unclosed <i>tags <blockquote type=cite>q") == "unclosed tags\nq"
