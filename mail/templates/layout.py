"""The shape of every outgoing email: Traditional Chinese first, English below, as text and simple HTML."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

SIGNATURE = {"zh": "招生委員會 敬上", "en": "Admissions Office"}
AUTOMATIC = {
    "zh": "（本信由系統自動寄出。）",
    "en": "(This message was sent automatically.)",
}


@dataclass(frozen=True)
class Quote:
    """Text the reader wrote (or a document says), shown as a quotation."""

    text: str


Block = str | Quote


@dataclass(frozen=True)
class RenderedMail:
    """Subject, plain text and HTML of one email."""

    subject: str
    text: str
    html: str


def _text_block(block: Block) -> str:
    if isinstance(block, Quote):
        return "\n".join(f"> {line}" if line else ">" for line in block.text.strip().splitlines())
    return block


def _html_block(block: Block) -> str:
    if isinstance(block, Quote):
        inner = html.escape(block.text.strip()).replace("\n", "<br>")
        return f'<blockquote style="border-left:3px solid #ccc;margin:0 0 1em;padding-left:1em">{inner}</blockquote>'
    return f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>"


def _section(blocks: Sequence[Block], lang: str) -> tuple[str, str]:
    text = "\n\n".join(_text_block(b) for b in blocks if b)
    body = "".join(_html_block(b) for b in blocks if b)
    return text, f'<div lang="{"zh-Hant" if lang == "zh" else "en"}">{body}</div>'


def page(subject: str, sections: Sequence[tuple[str, Sequence[Block]]]) -> RenderedMail:
    """An email of one or more language sections ``(lang, blocks)``, in the order given, signed and marked."""
    texts, htmls = [], []
    for lang, blocks in sections:
        text, body = _section([*blocks, f"{SIGNATURE[lang]}\n{AUTOMATIC[lang]}"], lang)
        texts.append(text)
        htmls.append(body)
    separator = "\n\n" + "-" * 40 + "\n\n"
    document = '<hr style="border:0;border-top:1px solid #ccc;margin:2em 0">'.join(htmls)
    return RenderedMail(
        subject,
        separator.join(texts) + "\n",
        f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">'
        f"{document}</body></html>",
    )


def bilingual(subject_zh: str, subject_en: str, zh: Sequence[Block], en: Sequence[Block]) -> RenderedMail:
    """The usual email: the Chinese section, then the English one; the subject carries both."""
    return page(f"{subject_zh} {subject_en}".strip(), [("zh", zh), ("en", en)])


def reply_subject(original: str) -> str:
    """``Re: <original>`` without piling up prefixes."""
    stripped = original.strip()
    if stripped.lower().startswith(("re:", "回覆:", "回覆：", "答复:", "回复:")):
        return stripped
    return f"Re: {stripped}" if stripped else "Re:"


def as_written(subject: str, text: str) -> RenderedMail:
    """Text written elsewhere in full (reminders), sent as it is with an HTML twin of its paragraphs."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    body = "".join(_html_block(p) for p in paragraphs)
    return RenderedMail(
        subject,
        text.rstrip("\n") + "\n",
        f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">'
        f"{body}</body></html>",
    )
