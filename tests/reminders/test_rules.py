"""The rules file: defaults load, per-round changes apply, and a broken rule fails naming itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.reminders.conftest import Office, taipei
from tests.workflows.conftest import SPEC
from workflows.reminder_rules import ReminderRulesError, load_rules, parse_rules

BASE = {"id": "pay", "deadline": "payment", "who": "unpaid", "days_before": 1, "at": "09:00"}


def test_default_file_covers_the_issue() -> None:
    book = load_rules()
    kinds = {(r.deadline, r.who) for r in book.defaults}
    assert {("payment", "unpaid"), ("upload", "uploads_missing"), ("recommender", "recommenders_pending"),
            ("recommender", "recommender"), ("exam", "eligible"), ("interview", "eligible"),
            ("results", "eligible"), ("checkin", "eligible")} <= kinds  # fmt: skip
    assert all(r.template.startswith("reminder_") for r in book.defaults)
    assert {r.days_before for r in book.defaults if r.deadline == "payment"} == {0, 1, 3}


def test_round_changes_disable_replace_and_add() -> None:
    book = parse_rules({"defaults": [BASE, {**BASE, "id": "pay_today", "days_before": 0}], "rounds": {
        "r1": {"disable": ["pay_today"], "rules": [{**BASE, "at": "10:30"}, {**BASE, "id": "extra", "days_before": 7}]},
    }})  # fmt: skip
    assert [(r.id, r.at.isoformat("minutes"), r.days_before) for r in book.for_round("r1")] == [
        ("pay", "10:30", 1), ("extra", "09:00", 7)]  # fmt: skip
    assert [r.id for r in book.for_round("other")] == ["pay", "pay_today"]


@pytest.mark.parametrize(("change", "message"), [
    ({"at": "9 o'clock"}, "reminder rule 'pay' (defaults #1): at:"),
    ({"deadline": "lunch"}, "reminder rule 'pay' (defaults #1): deadline: unknown deadline kind 'lunch'"),
    ({"who": "recommender"}, "reminder rule 'pay' (defaults #1): rule: recommenders are reached by email only"),
    ({"who": "recommender", "channel": "email", "template": "reminder_payment"}, "does not fit who=recommender"),
    ({"template": "reminder_event"}, "does not fit who=unpaid"),
    ({"days_before": -1}, "reminder rule 'pay' (defaults #1): days_before:"),
    ({"colour": "red"}, "reminder rule 'pay' (defaults #1): colour:"),
])  # fmt: skip
def test_broken_rule_names_itself(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ReminderRulesError) as err:
        parse_rules({"defaults": [{**BASE, **change}]})
    assert message in str(err.value)


def test_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ReminderRulesError, match="used twice"):
        parse_rules({"defaults": [BASE, BASE]})
    with pytest.raises(ReminderRulesError, match="rounds.r1.disable: no default rule 'nope'"):
        parse_rules({"defaults": [BASE], "rounds": {"r1": {"disable": ["nope"]}}})
    with pytest.raises(ReminderRulesError, match="digest.at"):
        parse_rules({"defaults": [BASE], "digest": {"at": "soon"}})
    bad = tmp_path / "rules.yaml"
    bad.write_text("defaults: [ {id: x", encoding="utf-8")
    with pytest.raises(ReminderRulesError, match="rules.yaml"):
        load_rules(bad)
    bad.write_text("rules: []", encoding="utf-8")
    with pytest.raises(ReminderRulesError, match="`defaults` list"):
        load_rules(bad)


async def test_round_change_applies_when_planning(office: Office) -> None:
    office.book = parse_rules({"defaults": [BASE], "rounds": {SPEC.id: {"rules": [{**BASE, "at": "11:00"}]}}})
    office.at(taipei(1, 1, 10))
    await office.register("MD0001")
    office.at(taipei(1, 4, 9))
    assert (await office.run()).enqueued == 0  # the default time does not apply to this round
    office.at(taipei(1, 4, 11))
    assert (await office.run()).by_rule == {"pay": 1}


def test_office_rules_file_from_settings(tmp_path: Path) -> None:
    from workflows.reminder_rules import RULES_FILE, rules_for
    from workflows.settings import Settings

    custom = tmp_path / "rules.yaml"
    custom.write_text(RULES_FILE.read_text(encoding="utf-8").replace("08:30", "09:15"), encoding="utf-8")
    assert rules_for(Settings(reminder_rules=custom)).digest_at.strftime("%H:%M") == "09:15"
    assert rules_for(Settings()).digest_at.strftime("%H:%M") == "08:30"
