"""Quiet hours: nothing but urgent reminders between 22:00 and 08:00 Taipei; the rest goes at 08:00 and is
checked again then (a payment in the night cancels it)."""

from __future__ import annotations

from datetime import time

from tests.reminders.conftest import Office, taipei
from workflows.clock import to_local
from workflows.quiet_hours import in_quiet_hours, quiet_end
from workflows.reminder_rules import parse_rules

NIGHT = parse_rules({"defaults": [
    {"id": "pay_evening", "deadline": "payment", "who": "unpaid", "days_before": 1, "at": "23:00"},
    {"id": "pay_urgent", "deadline": "payment", "who": "unpaid", "days_before": 0, "at": "22:30", "urgent": True,
     "channel": "telegram"},
]})  # fmt: skip


def test_window_wraps_midnight_and_can_be_off() -> None:
    window = (time(22), time(8))
    assert [in_quiet_hours(taipei(1, 5, h), window) for h in (7, 8, 21, 22, 23)] == [True, False, False, True, True]
    assert quiet_end(taipei(1, 5, 23), window) == taipei(1, 6, 8)
    assert quiet_end(taipei(1, 6, 3), window) == taipei(1, 6, 8)
    assert quiet_end(taipei(1, 6, 12), window) is None
    assert in_quiet_hours(taipei(1, 5, 13), (time(12), time(14))) and not in_quiet_hours(taipei(1, 5, 14), (time(12), time(14)))
    assert not in_quiet_hours(taipei(1, 5, 3), (time(0), time(0)))


async def test_night_reminders_wait_for_morning_and_are_checked_again(office: Office) -> None:
    office.book = NIGHT
    office.at(taipei(1, 1, 10))
    stays, pays = await office.register("MD0001"), await office.register("MD0002")
    await office.link(stays, 3001)
    await office.link(pays, 3002)
    office.at(taipei(1, 4, 23))
    await office.tick()
    rows = await office.reminders()
    assert len(rows) == 2 and all(to_local(r.next_attempt_at).strftime("%d %H:%M") == "05 08:00" for r in rows)
    assert office.sandbox.all_sent() == []
    office.at(taipei(1, 5, 7))
    await office.pay("MD0002")  # paid in the night
    office.at(taipei(1, 5, 7, 59))
    await office.tick()
    assert office.sandbox.all_sent() == []
    office.at(taipei(1, 5, 8))
    await office.tick()
    assert len(office.sandbox.sent(3001)) == 1 and office.sandbox.sent(3002) == []
    states = {r.recipient: (r.state, r.last_error) for r in await office.reminders()}
    assert states["3002"][0] == "cancelled" and "already done" in (states["3002"][1] or "")
    office.at(taipei(1, 5, 22, 30))  # urgent: sent at once, in quiet hours
    await office.tick()
    assert len(office.sandbox.sent(3001)) == 2 and office.sandbox.sent(3002) == []
