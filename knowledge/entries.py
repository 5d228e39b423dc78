"""The curated FAQ entry, as written in data/entries/<round-id>.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Questions(BaseModel):
    """Ways applicants ask the question, per language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: tuple[str, ...] = Field(min_length=3)
    en: tuple[str, ...] = Field(min_length=2)


class Bilingual(BaseModel):
    """A text in Traditional Chinese and English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in `lang` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en


class Source(BaseModel):
    """Where in which seed document the answer comes from (extra keys such as `page` are kept)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    doc: str = Field(min_length=1)
    section: str = Field(min_length=1)


class Entry(BaseModel):
    """One curated question/answer for one round (or for `all`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    round: str = Field(min_length=1)
    topic: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    questions: Questions
    answer: Bilingual
    source: Source
    facts: tuple[str, ...] = Field(default=(), max_length=4)

    @model_validator(mode="after")
    def _id_starts_with_round(self) -> Entry:
        if not self.id.startswith(self.round + "."):
            raise ValueError(f"id {self.id!r} must start with its round {self.round!r} and a dot")
        return self
