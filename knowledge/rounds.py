"""Admission rounds, and finding which round (or school) a question names."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from knowledge.normalize import alternation

ALL_ROUNDS = "all"
"""Pseudo-round of entries that are true in every round."""


class Round(BaseModel):
    """One admission round (one source document), as listed in data/rounds.yaml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    school: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...] = ()
    source: str

    @property
    def school_code(self) -> str:
        """The code in parentheses at the end of `school` ("國立臺北科技大學 (NTUT)" -> "NTUT")."""
        match = re.search(r"\(([^)]+)\)\s*$", self.school)
        return match.group(1) if match else self.school

    def name(self, lang: str) -> str:
        """The round's name in `lang` ("zh" or "en")."""
        return self.name_zh if lang == "zh" else self.name_en


class Scope(BaseModel):
    """Which schools we speak for (short names per school code), which we do not, and what we never answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schools: dict[str, tuple[str, ...]] = {}
    other_schools: tuple[str, ...] = ()
    neutral: tuple[str, ...] = ()
    off_topics: tuple[str, ...] = ()
    incidental: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    school_words: tuple[str, ...] = ()
    refuse: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    personal_data: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundMention:
    """What a question says about rounds: the rounds it narrows to, and its text without those names."""

    rounds: frozenset[str]
    named_round: bool
    other_school: bool
    stripped: str
    school_named: bool = False  # one of OUR schools is named (not only a round alias)


_NEUTRAL = ""
_OTHER = "\x00other"


class RoundDetector:
    """Finds round aliases, school names and other schools' names in folded question text."""

    def __init__(self, rounds: Sequence[Round], scope: Scope, fold: Callable[[str], str]) -> None:
        self._school_rounds: dict[str, frozenset[str]] = {}
        for code in scope.schools:
            self._school_rounds[code] = frozenset(r.id for r in rounds if r.school_code == code)
        school_words = {fold(word): code for code, words in scope.schools.items() for word in words}
        targets: dict[str, str] = {}
        for word in scope.neutral:
            targets[fold(word)] = _NEUTRAL
        for word in scope.other_schools:
            targets[fold(word)] = _OTHER
        # An alias that names its school ("北商二技") names the school too, so the name before a programme
        # ("北商應外二技") is known to be ours.
        alias_schools: dict[str, str] = {}
        for rnd in rounds:
            for word in map(fold, rnd.aliases):
                # An alias two rounds list (進修部: NTUB's two-year programme, NTUT's evening transfer places)
                # names both; a school named with it chooses.
                listed = targets.get(word, "")
                shared = listed.removeprefix("round:") if listed.startswith("round:") else ""
                targets[word] = "round:" + ",".join(filter(None, (shared, rnd.id)))
                alias_schools.update((word, code) for name, code in school_words.items() if name in word)
        # A school's name is the school (all its rounds), even where a round lists it as an alias: "台科 轉學考"
        # then names a round of another school than the one named.
        targets.update((word, "school:" + code) for word, code in school_words.items())
        targets.pop("", None)
        self._targets: Mapping[str, str] = targets
        self._alias_schools: Mapping[str, str] = alias_schools
        self._pattern = alternation(targets)

    def detect(self, folded: str) -> RoundMention:
        """Return the rounds `folded` (output of Normalizer.fold) names, and the text without the names."""
        named: set[str] = set()
        schools: set[str] = set()
        other = False
        kept: list[str] = []
        position = 0
        for match in self._pattern.finditer(folded):
            word = re.sub(r"\s+", " ", match.group())
            target = self._targets[word]
            if target == _NEUTRAL:
                continue  # keep the ordinary word in the text
            kept.append(folded[position : match.start()])
            position = match.end()
            if target == _OTHER:
                other = True
            elif target.startswith("school:"):
                schools.add(target.removeprefix("school:"))
            else:
                named.update(target.removeprefix("round:").split(","))
                if code := self._alias_schools.get(word):
                    schools.add(code)
        kept.append(folded[position:])
        stripped = re.sub(r"\s+", " ", " ".join(kept)).strip()
        school_rounds: set[str] = set()
        for code in schools:
            school_rounds |= self._school_rounds.get(code, frozenset())
        if named and schools:
            # "台科 轉學考": both named; a round of another school than the one named is not ours.
            rounds = named & school_rounds
            other = not rounds
        else:
            rounds = named or school_rounds
            # "我台大畢業可以報北科嗎": naming one of our schools makes the other one the applicant's background.
            other = other and not schools
        return RoundMention(frozenset(rounds), bool(named or schools), other, stripped, bool(schools))
