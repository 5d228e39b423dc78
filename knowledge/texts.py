"""User-facing texts of the knowledge base, in Traditional Chinese and English."""

from __future__ import annotations

from collections.abc import Sequence

_AMBIGUOUS = {
    "zh": "這個問題的答案依招生梯次而不同，請問您報考的是哪一個？",
    "en": "The answer depends on the admission round. Which one are you applying to?",
}
_QUOTE = {
    "zh": "資料庫中沒有整理好的答案，以下是簡章原文的相關段落（引用）：\n「{text}」\n—— 引自《{title}》{section}",
    "en": "There is no curated answer; this is the relevant passage of the brochure, quoted in Chinese:\n"
          "\u201c{text}\u201d\n\u2014 quoted from {title}{section}",
}
_PERSONAL = {
    "zh": "這是關於您個人報名資料的問題，簡章無法回答；請完成身分驗證後查詢您的報名狀態。",
    "en": "This is about your own registration, which the brochures cannot answer; please verify your "
          "identity to see your status.",
}


def ambiguous_text(lang: str, round_names: Sequence[str]) -> str:
    """Ask which round is meant, listing the rounds as numbered choices."""
    lines = [_AMBIGUOUS[lang]]
    lines.extend(f"{number}. {name}" for number, name in enumerate(round_names, start=1))
    return "\n".join(lines)


def quote_text(lang: str, text: str, title: str, section: str) -> str:
    """A brochure passage marked as a quote, with its source."""
    if section:
        section = f"，{section}" if lang == "zh" else f", section \u201c{section}\u201d"
    return _QUOTE[lang].format(text=text, title=title, section=section)


def personal_text(lang: str) -> str:
    """Why a question about one's own data is not answered from the brochures."""
    return _PERSONAL[lang]
