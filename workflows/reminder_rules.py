"""The reminder rules (data/reminder_rules.yaml): defaults, per-round changes, validated when loaded.

A broken file fails loudly with one line naming the rule and the field, never half-loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workflows.clock import TAIPEI, as_utc, to_local
from workflows.models import Deadline
from workflows.settings import Settings
from workflows.status_text import DEADLINE_NAMES

RULES_FILE = Path(__file__).with_name("data") / "reminder_rules.yaml"

Who = Literal["unpaid", "uploads_missing", "recommenders_pending", "recommender", "eligible"]
# The texts that fit each audience; the first is the default.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "unpaid": ("reminder_payment",),
    "uploads_missing": ("reminder_upload",),
    "recommenders_pending": ("reminder_recommenders",),
    "recommender": ("reminder_letter",),
    "eligible": ("reminder_event",),
}


class ReminderRulesError(ValueError):
    """The rules file is missing, malformed, or a rule is invalid (the message names it)."""


class ReminderRule(BaseModel):
    """Who is reminded of which date, when (days before, at a local time), by which channel and text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    deadline: str
    who: Who
    days_before: int = Field(ge=0, le=60)
    at: time
    anchor: Literal["due", "start"] = "due"
    channel: Literal["auto", "telegram", "email"] = "auto"
    template: str = ""
    urgent: bool = False

    @field_validator("deadline")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in DEADLINE_NAMES:
            raise ValueError(f"unknown deadline kind {value!r}; use one of {', '.join(DEADLINE_NAMES)}")
        return value

    @model_validator(mode="after")
    def _check(self) -> ReminderRule:
        allowed = TEMPLATES[self.who]
        if not self.template:
            object.__setattr__(self, "template", allowed[0])  # frozen model: fill the default once
        elif self.template not in allowed:
            raise ValueError(f"template {self.template!r} does not fit who={self.who}; use {', '.join(allowed)}")
        if self.who == "recommender" and self.channel != "email":
            raise ValueError("recommenders are reached by email only: set channel: email")
        return self

    @property
    def group(self) -> tuple[str, str, str]:
        """Rules of one group remind the same people of the same date; only the latest due one is sent."""
        return self.deadline, self.who, self.channel

    def moment(self, deadline: Deadline) -> datetime:
        """The moment this rule counts back from (and after which it is pointless)."""
        if self.anchor == "start" and deadline.starts_at is not None:
            return as_utc(deadline.starts_at)
        return as_utc(deadline.due_at)

    def fire_at(self, deadline: Deadline) -> datetime:
        """When the reminder is due: `days_before` the date's local day, at the rule's local time (UTC)."""
        day = to_local(self.moment(deadline)).date() - timedelta(days=self.days_before)
        return as_utc(datetime.combine(day, self.at, tzinfo=TAIPEI))


class RoundRules(BaseModel):
    """One round's changes to the defaults."""

    model_config = ConfigDict(extra="forbid")
    disable: list[str] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list)


@dataclass(frozen=True)
class RuleBook:
    """All rules: the defaults, each round's changes, and the time of the staff digest."""

    defaults: tuple[ReminderRule, ...]
    rounds: dict[str, tuple[ReminderRule, ...]]
    digest_at: time

    def for_round(self, round_id: str) -> tuple[ReminderRule, ...]:
        """The rules that apply to a round."""
        return self.rounds.get(round_id, self.defaults)


def _rule(raw: Any, where: str) -> ReminderRule:
    name = raw.get("id", "?") if isinstance(raw, dict) else "?"
    try:
        return ReminderRule.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "rule"
        message = first["msg"].removeprefix("Value error, ")
        raise ReminderRulesError(f"reminder rule {name!r} ({where}): {field}: {message}") from None


def _unique(rules: list[ReminderRule], where: str) -> tuple[ReminderRule, ...]:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ReminderRulesError(f"reminder rule {rule.id!r} ({where}): the id is used twice")
        seen.add(rule.id)
    return tuple(rules)


def parse_rules(data: Any, source: str = "reminder rules") -> RuleBook:
    """Validate the rules from parsed YAML."""
    if not isinstance(data, dict) or not isinstance(data.get("defaults"), list):
        raise ReminderRulesError(f"{source}: expected a mapping with a `defaults` list of rules")
    defaults = _unique([_rule(raw, f"defaults #{i + 1}") for i, raw in enumerate(data["defaults"])], "defaults")
    try:
        digest_at = time.fromisoformat(str((data.get("digest") or {}).get("at", "08:30")))
    except ValueError:
        raise ReminderRulesError(f"{source}: digest.at: expected HH:MM") from None
    rounds: dict[str, tuple[ReminderRule, ...]] = {}
    for round_id, raw in (data.get("rounds") or {}).items():
        try:
            change = RoundRules.model_validate(raw or {})
        except ValidationError as exc:
            raise ReminderRulesError(f"rounds.{round_id}: {exc.errors()[0]['msg']}") from None
        known = {r.id for r in defaults}
        for name in change.disable:
            if name not in known:
                raise ReminderRulesError(f"rounds.{round_id}.disable: no default rule {name!r}")
        extra = _unique([_rule(r, f"rounds.{round_id} #{i + 1}") for i, r in enumerate(change.rules)], round_id)
        replaced = {r.id for r in extra} | set(change.disable)
        rounds[str(round_id)] = tuple(r for r in defaults if r.id not in replaced) + extra
    return RuleBook(defaults, rounds, digest_at)


def load_rules(path: Path = RULES_FILE) -> RuleBook:
    """Read and validate the rules file (ReminderRulesError naming the rule when something is wrong)."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise ReminderRulesError(f"{path}: {exc}") from None
    return parse_rules(data, str(path))


def rules_for(settings: Settings) -> RuleBook:
    """The office's rules file (REMINDER_RULES) when configured, else the bundled defaults."""
    return load_rules(settings.reminder_rules or RULES_FILE)
