"""The service down over a reminder time: one late reminder that says so, only while its date is ahead;
after the date it is dropped, logged and audited once."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from tests.reminders.conftest import Office, taipei
from workflows.clock import to_local
from workflows.models import AuditLog


async def test_late_reminder_says_so_and_supersedes_earlier_rules(office: Office) -> None:
    office.at(taipei(1, 1, 8))
    await office.register("MD0001")
    office.at(taipei(1, 3, 12))  # down since before payment_3d (2 January 09:00)
    report = await office.tick()
    [row] = await office.reminders(template="reminder_payment")
    assert row.payload["rule"] == "payment_3d" and row.payload["late"] is True and report.late == 2  # upload_3d too
    body = row.body or ""
    assert "本提醒原定於 115年01月02日（星期五） 09:00 發送" in body and "剩 2 天" in body
    assert "This reminder was due at Friday, 2 January 2026, 09:00; it is late" in body

    office.at(taipei(1, 5, 12))  # down again over payment_1d and payment_today: only the latest is sent
    newcomer = await office.register("MD0002", registered_at="2026-01-05 11:00")
    await office.tick()
    rows = await office.reminders(template="reminder_payment")
    assert [(r.payload["rule"], r.registration_id == newcomer, r.payload["late"]) for r in rows] == [
        ("payment_3d", False, True), ("payment_today", False, True), ("payment_today", True, False),
    ]  # fmt: skip
    assert "原定於" not in (rows[2].body or "")  # registered after the time: not late for them


async def test_reminder_due_in_quiet_hours_after_downtime_waits_for_morning(office: Office) -> None:
    office.at(taipei(1, 1, 8))
    await office.register("MD0001")
    await office.pay("MD0001")
    office.at(taipei(1, 6, 1))  # 01:00: upload_1d (5 January 09:30) was missed, the upload deadline is ahead
    await office.tick()
    [row] = await office.reminders(template="reminder_upload")
    assert row.payload["rule"] == "upload_1d" and row.state == "pending"
    assert to_local(row.next_attempt_at).strftime("%m-%d %H:%M") == "01-06 08:00"
    assert "原定於 115年01月05日（星期一） 09:30" in (row.body or "") and "今天" in (row.body or "")


async def test_date_passed_while_down_is_dropped_logged_and_audited_once(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    office.at(taipei(1, 1, 8))
    chat_reg = await office.register("MD0001")
    await office.link(chat_reg, 2001)
    await office.register("MD0002")
    office.at(taipei(1, 6, 9))  # the payment deadline (5 January 23:59) passed while down
    with caplog.at_level(logging.WARNING, logger="workflows.reminders"):
        report = await office.tick()
        await office.tick()
    payment = await office.reminders(template="reminder_payment")
    assert report.dropped == 2 and len(payment) == 2
    assert all(r.state == "cancelled" and (r.last_error or "").startswith("dropped: the date passed") for r in payment)
    assert ["繳費提醒" in m["text"] for m in office.sandbox.sent(2001)] == [False]  # only the upload reminder
    async with office.ctx.db.sessions() as session:
        audits = list(await session.scalars(select(AuditLog).where(AuditLog.action == "reminder_dropped")))
    assert [(a.subject.split(":")[0], a.detail["count"]) for a in audits] == [("payment_today", 2)]
    assert sum("dropped 2 reminder(s) of rule payment_today" in r.getMessage() for r in caplog.records) == 1
    # The upload deadline (6 January 15:00) is still ahead: that reminder goes, late and honest.
    [upload] = [r for r in await office.reminders(template="reminder_upload") if r.registration_id == chat_reg]
    assert upload.state == "sent" and "原定於 115年01月05日（星期一） 09:30" in (upload.body or "")
