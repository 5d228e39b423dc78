"""Text normalisation and tokenisation shared by questions, entries and brochure passages.

Chinese has no spaces, so text is cut into character unigrams and bigrams (cheap, no dictionary to load);
English is cut into words. Synonyms from `data/synonyms.yaml` become one canonical token first, so
報考費 / 報名費用 / fee all look alike to the matcher.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import opencc

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_WORD_RE = re.compile(f"[{_CJK}]+|[a-z]+|[0-9]+(?:\\.[0-9]+)?")
_NON_WORD_RE = re.compile(f"[^{_CJK}a-z0-9.\\s]+|(?<![0-9])\\.|\\.(?![0-9])")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3})")
_APOSTROPHE_RE = re.compile(r"(?<=[a-z])['’](?=[a-z])")
_SPACES_RE = re.compile(r"\s+")
# Traditional variants applicants mix freely (台北 / 臺北, 裏 / 裡).
_VARIANTS = {"台": "臺", "裏": "裡", "着": "著", "綫": "線", "峯": "峰", "敎": "教", "証": "證", "甚": "什", "賬": "帳"}
# Characters of grammar (pronouns, auxiliaries, negation, adverbs, conjunctions, prepositions): they say how a
# question is put, not what it is about, so an entry not containing them says nothing about the subject.
FUNCTION_CHARACTERS = frozenset("我你他她您們是有在要會能想去來到把被給讓就都也還再又才很這那個些不沒得著過跟和與或及對從為但而")
# Unigrams help with typos, but alone they carry less meaning than bigrams and words.
UNIGRAM_WEIGHT = 0.4


@dataclass(frozen=True)
class SynonymTable:
    """Synonym groups (first word canonical), stop words, question words and everyday words, as read from
    synonyms.yaml."""

    groups: tuple[tuple[str, ...], ...]
    stopwords: tuple[str, ...] = ()
    question_words: tuple[str, ...] = ()
    everyday: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """A text after normalisation: the folded text, the canonical text and its weighted tokens."""

    folded: str
    text: str
    tokens: tuple[tuple[str, float], ...]


def count_scripts(text: str) -> tuple[int, int]:
    """Return (number of CJK characters, number of Latin words) in `text`."""
    cjk = len(_CJK_RE.findall(text))
    latin = len(re.findall(r"[A-Za-z]+", unicodedata.normalize("NFKC", text)))
    return cjk, latin


def detect_language(text: str) -> str:
    """Return "zh" when the text is mostly Chinese, else "en" (one CJK character outweighs one word)."""
    cjk, latin = count_scripts(text)
    return "zh" if cjk and cjk >= latin else "en"


def is_latin(term: str) -> bool:
    """True for terms written in Latin letters/digits only (these need word boundaries)."""
    return not _CJK_RE.search(term)


def script_table() -> dict[int, str]:
    """Simplified-to-Traditional character table (OpenCC's STCharacters, first choice) plus variants.

    Character by character rather than OpenCC's phrase conversion: about 100 times faster, and for
    matching it does not matter that 头发 becomes 頭發 instead of 頭髮, as both sides get the same.
    """
    table: dict[int, str] = {}
    path = Path(opencc.__file__).parent / "dictionary" / "STCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets:
            table[ord(source)] = targets.split()[0]
    for source, target in _VARIANTS.items():
        table[ord(source)] = target
    for key, value in table.items():
        table[key] = "".join(_VARIANTS.get(ch, ch) for ch in value)
    return table


def is_cjk(text: str) -> bool:
    """True when `text` is made of Chinese characters only."""
    return bool(text) and all(_CJK_RE.match(ch) for ch in text)


def is_unigram(token: str) -> bool:
    """True for a single Chinese character token."""
    return len(token) == 1 and bool(_CJK_RE.match(token))


def _trie_pattern(terms: list[str], end: str) -> str:
    # A prefix tree as a regex: each position tries a few characters instead of hundreds of words.
    trie: dict[str, dict] = {}
    for term in terms:
        node = trie
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_pattern(trie, end)


def _node_pattern(node: dict[str, dict], end: str) -> str:
    # Longer continuations come before the end of a term, so the longest term wins.
    branches = [
        (r"\s+" if ch == " " else re.escape(ch)) + _node_pattern(node[ch], end) for ch in sorted(node) if ch
    ]
    if "" in node:
        branches.append(end)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def alternation(terms: Iterable[str]) -> re.Pattern[str]:
    """A regex matching any of `terms`, longest first, Latin terms only on word boundaries."""
    unique = {t for t in terms if t}
    if not unique:
        return re.compile("(?!)")
    cjk = sorted(t for t in unique if not is_latin(t))
    latin = sorted(t for t in unique if is_latin(t))
    parts = []
    if cjk:
        parts.append(_first_chars(cjk) + _trie_pattern(cjk, ""))
    if latin:
        parts.append(r"(?<![a-z])" + _first_chars(latin) + _trie_pattern(latin, "(?![a-z])"))
    return re.compile("|".join(parts))


def _first_chars(terms: list[str]) -> str:
    # One set lookup rejects most positions before any branch of the tree is tried.
    return "(?=[" + "".join(sorted({re.escape(t[0]) for t in terms})) + "])"


def runs(text: str) -> list[str]:
    """The runs of `text` (folded) as tokenisation sees them: Chinese runs, Latin words (stemmed), numbers."""
    return [_stem(run) if run[0].isascii() and run[0].isalpha() else run for run in _WORD_RE.findall(text)]


def _stem(word: str) -> str:
    # Plurals are the commonest mismatch in short English questions ("files" / "file", "fees" / "fee").
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _plain_tokens(segment: str) -> list[tuple[str, float]]:
    tokens: list[tuple[str, float]] = []
    for run in _WORD_RE.findall(segment):
        if run[0] >= "\u3400":  # a CJK run (the only runs starting above ASCII)
            tokens += [(sys.intern(ch), UNIGRAM_WEIGHT) for ch in run]
            tokens += [(sys.intern(run[i : i + 2]), 1.0) for i in range(len(run) - 1)]
        elif run[0].isdigit():
            tokens.append((sys.intern(run), 1.0))
        else:
            tokens.append((sys.intern(_stem(run)), 1.0))
    # Interned: the same bigram stands in thousands of vectors and index keys; one copy saves ~10 MB.
    return tokens


def _canonical_tokens(canonical: str) -> tuple[tuple[str, float], ...]:
    tokens = [(canonical, 1.0)]
    if not is_latin(canonical):
        # Its characters and bigrams too, so 多少錢 still meets a plain 多少.
        tokens += [(ch, UNIGRAM_WEIGHT) for ch in canonical]
        if len(canonical) > 2:
            tokens += [(canonical[i : i + 2], 1.0) for i in range(len(canonical) - 1)]
    return tuple(tokens)


class Normalizer:
    """Folds text (width, script, case, punctuation) and maps synonyms to canonical tokens."""

    def __init__(self, synonyms: SynonymTable) -> None:
        self._table = script_table()
        mapping: dict[str, str] = {}
        for word in synonyms.stopwords:
            mapping[self.fold(word)] = ""
        for group in synonyms.groups:
            canonical = self.fold(group[0])
            for word in group:
                mapping[self.fold(word)] = canonical
        mapping.pop("", None)
        self._mapping = mapping
        self.question_words = synonyms.question_words
        self.everyday = synonyms.everyday
        self._canonical_tokens = {c: _canonical_tokens(c) for c in set(mapping.values()) if c}
        self._pattern = alternation(mapping)

    def fold(self, text: str) -> str:
        """NFKC (full/half width), Simplified to Traditional, lower case, punctuation to spaces."""
        text = unicodedata.normalize("NFKC", text)
        text = text.lower().translate(self._table)
        text = _APOSTROPHE_RE.sub("", _THOUSANDS_RE.sub("", text))  # 1,100 -> 1100, what's -> whats
        return _SPACES_RE.sub(" ", _NON_WORD_RE.sub(" ", text)).strip()

    def analyze(self, text: str, *, folded: bool = False) -> Analysis:
        """Normalise `text` (already folded when `folded`) into canonical text and weighted tokens."""
        base = text if folded else self.fold(text)
        parts: list[str] = []
        tokens: list[tuple[str, float]] = []
        position = 0
        for match in self._pattern.finditer(base):
            segment = base[position : match.start()]
            parts.append(segment)
            tokens += _plain_tokens(segment)
            found = match.group()
            canonical = self._mapping[found if " " not in found else _SPACES_RE.sub(" ", found)]
            if canonical:
                parts.append(f" {canonical} ")
                tokens += self._canonical_tokens[canonical]
            position = match.end()
        tail = base[position:]
        parts.append(tail)
        tokens.extend(_plain_tokens(tail))
        return Analysis(base, _SPACES_RE.sub(" ", "".join(parts)).strip(), tuple(tokens))
