"""Separating what a person wrote from the quoted history and signature (zh-TW, zh-CN and English clients).

Two layers: ``html_to_text`` drops quoted blocks by their markup (Gmail, Outlook, Thunderbird, Apple Mail,
Yahoo), and ``strip_quoted_text`` finds reply headers and quote markers in plain text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_VOID_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    ]
)
_PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre"})
_INVISIBLE_TAGS = frozenset({"script", "style", "head", "title", "template"})

# Containers that hold quoted history or a signature: skipped whole, text after them is kept (bottom-posting).
_QUOTE_CLASSES = frozenset(
    {
        "gmail_quote",
        "gmail_quote_container",
        "gmail_attr",
        "gmail_signature",
        "moz-cite-prefix",
        "moz-signature",
        "yahoo_quoted",
        "protonmail_quote",
    }
)
_QUOTE_IDS = frozenset({"applemailsignature", "mail-editor-reference-message-container", "yahoo_quoted"})
# Markers after which everything is history: Outlook puts the quoted mail after them, not inside them.
_HISTORY_IDS = frozenset({"divrplyfwdmsg", "appendonsend", "stopspelling"})


class _TextExtractor(HTMLParser):
    """Turns HTML into plain text, optionally skipping quoted blocks."""

    def __init__(self, strip_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._strip_quotes = strip_quotes
        self._parts: list[str] = []
        self._newlines = 1  # newlines at the end of the text so far; the start counts as a line start
        self._invisible_depth = 0
        self._skip_depth = 0
        self._finished = False

    def _emit(self, text: str) -> None:
        self._parts.append(text)
        stripped = text.rstrip("\n")
        self._newlines = (self._newlines if not stripped else 0) + len(text) - len(stripped)

    def _line_break(self, count: int = 1) -> None:
        """Make sure the text ends with ``count`` newlines (a block edge does not stack on another)."""
        if self._newlines < count:
            self._emit("\n" * (count - self._newlines))

    def text(self) -> str:
        joined = "".join(self._parts).replace("\xa0", " ")
        lines = [re.sub(r"[ \t]+", " ", line).strip() for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    def _is_quote(self, tag: str, attrs: dict[str, str]) -> bool:
        classes = set(attrs.get("class", "").lower().split())
        element_id = attrs.get("id", "").lower()
        if classes & _QUOTE_CLASSES or element_id in _QUOTE_IDS or element_id.startswith("yahoo_quoted"):
            return True
        return tag == "blockquote" and attrs.get("type", "").lower() == "cite"

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        if self._finished:
            return
        attrs = {name.lower(): (value or "") for name, value in attrs_list}
        void = tag in _VOID_TAGS
        if self._skip_depth:
            self._skip_depth += 0 if void else 1
            return
        if tag in _INVISIBLE_TAGS:
            self._invisible_depth += 1
            return
        if self._strip_quotes:
            if attrs.get("id", "").lower() in _HISTORY_IDS:
                self._finished = True
                return
            if self._is_quote(tag, attrs):
                self._skip_depth = 0 if void else 1
                return
        if tag == "br":
            self._emit("\n")
        elif tag in _PARAGRAPH_TAGS:
            self._line_break(2)
        elif tag in _BLOCK_TAGS:
            self._line_break()
        if tag == "li":
            self._emit("- ")
        elif tag in ("td", "th"):
            self._emit(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._finished or tag in _VOID_TAGS:
            return
        if self._skip_depth:
            self._skip_depth -= 1
            return
        if tag in _INVISIBLE_TAGS:
            self._invisible_depth = max(0, self._invisible_depth - 1)
            return
        if tag in _PARAGRAPH_TAGS:
            self._line_break(2)
        elif tag in _BLOCK_TAGS:
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self._finished or self._skip_depth or self._invisible_depth:
            return
        text = re.sub(r"\s+", " ", data)
        if self._newlines and not text.strip():
            return  # whitespace between blocks is markup layout, not content
        self._emit(text)


def html_to_text(html: str, strip_quotes: bool = False) -> str:
    """Convert HTML mail to readable plain text; with ``strip_quotes``, leave out quoted history by markup."""
    extractor = _TextExtractor(strip_quotes)
    try:
        extractor.feed(html)
        extractor.close()
    except (AssertionError, ValueError):  # HTMLParser can choke on pathological markup; keep what was read
        pass
    return extractor.text()


_COLON = r"\s*\*?\s*[:：]"
_ATTRIBUTION_END = re.compile(
    r"(\bwrote\s*:|寫道\s*[:：]|写道\s*[:：]|來信\s*[:：]|来信\s*[:：])\s*$", re.IGNORECASE
)
_ON_LINE = re.compile(r"^\s*On\s", re.IGNORECASE)
_WRAPPED_ADDRESS = re.compile(r"[<@]")
_SENTENCE_END = re.compile(r"[。！？.!?]$")
_SEPARATOR = re.compile(
    r"^\s*-{3,}\s*(Original Message|Original|原始郵件|原始邮件|原始訊息|Forwarded message|轉寄郵件|转发邮件)\s*-{3,}\s*$"
    r"|^\s*(Begin forwarded message|開始轉寄的郵件|开始转发的邮件)\s*[:：]\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{20,}\s*$")
_HEADER_FROM = re.compile(rf"^\s*\*?\s*(From|寄件者|寄件人|發件人|发件人){_COLON}", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    rf"^\s*\*?\s*(Sent|Date|To|Cc|Subject|寄件日期|傳送日期|寄件時間|傳送時間|日期|發送時間|发送时间|发送日期|收件者|收件人|副本|抄送|主旨|主題|主题){_COLON}",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(--|-- |__)\s*$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(Sent from my \w+|Sent from (Mail|Outlook|Yahoo Mail)\b|Get Outlook for \w+|Sent via \w+"
    r"|從我的\s*\S+\s*(傳送|寄出|發送)|[发發]自我的\s*\S+|從我的\s*\S+$|寄自我的\s*\S+|傳送自\s*\S+|透過\s*\S+\s*傳送)",
    re.IGNORECASE,
)


def _is_outlook_header(lines: list[str], index: int) -> bool:
    """A From / 寄件者 line followed closely by Sent / To / Subject lines starts a quoted header block."""
    if not _HEADER_FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1 : index + 6] if line.strip()]
    return sum(1 for line in following if _HEADER_OTHER.match(line)) >= 2


def _attribution_start(lines: list[str], index: int) -> int | None:
    """If an attribution ("On … wrote:", 「… 寫道：」) ends at ``index``, return the index of its first line."""
    if not _ATTRIBUTION_END.search(lines[index]):
        return None
    if _ON_LINE.match(lines[index]):
        return index
    start = index
    # Gmail and Outlook wrap long attributions over two or three lines; look back for where it begins.
    for back in (index - 1, index - 2):
        previous = lines[back].strip() if back >= 0 else ""
        if not previous:
            break
        if _ON_LINE.match(previous):
            return back
        if _WRAPPED_ADDRESS.search(previous) and not _SENTENCE_END.search(previous):
            start = back
    return start


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _cut_history(lines: list[str]) -> list[str]:
    """Drop reply headers and what follows; keep text written below a '>' quote (bottom-posting)."""
    for index, line in enumerate(lines):
        if _SEPARATOR.match(line) or _is_outlook_header(lines, index):
            return lines[:index]
        if _UNDERSCORES.match(line) and any(_HEADER_FROM.match(nxt) for nxt in lines[index + 1 : index + 3]):
            return lines[:index]
        start = _attribution_start(lines, index)
        if start is None:
            continue
        rest = lines[index + 1 :]
        quoted_next = next((r for r in rest if r.strip()), "")
        after_quote = [r for r in rest if r.strip() and not _is_quoted(r)]
        if _is_quoted(quoted_next) and after_quote:
            return lines[:start] + _cut_history(rest)
        return lines[:start]
    return lines


def _cut_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line) or _MOBILE_FOOTER.match(line):
            return lines[:index]
    return lines


def strip_quoted_text(text: str) -> str:
    """Return only the newly written part of a plain-text reply: no quoted history, no signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [line.rstrip() for line in _cut_signature(_cut_history(lines)) if not _is_quoted(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
