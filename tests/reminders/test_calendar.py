"""A whole round's calendar with a controllable clock: each rule fires once, at its local time, for exactly
the registrations that still have the thing to do, by the right channel; a payment stops later reminders."""

from __future__ import annotations

from datetime import timedelta

from tests.reminders.conftest import Office, taipei
from workflows.clock import to_local

REC1 = "rec1@univ.example"


async def _office_with_everyone(office: Office) -> dict[str, int]:
    office.at(taipei(1, 1, 8))
    a = await office.register("MD0001")  # unpaid, no chat: email
    b = await office.register("MD0002")  # paid, all uploaded, Telegram zh
    await office.pay("MD0002")
    await office.upload("MD0002", "photo", "id_front", "id_back", "qualification", "review")
    await office.link(b, 1001, "zh")
    c = await office.register("MD0003", program="300")  # paid, qualification missing, one letter pending, Telegram en
    await office.pay("MD0003", 1300)
    await office.upload("MD0003", "photo", "id_front", "id_back")
    await office.recommender("MD0003", "陳教授", REC1)
    await office.recommender("MD0003", "林教授", "rec2@univ.example", status="completed")
    await office.link(c, 1002, "en")
    d = await office.register("MD0004", program="300")  # all done, chat linked but reminders off: email
    await office.pay("MD0004", 1300)
    await office.upload("MD0004", "photo", "id_front", "id_back", "qualification", "review")
    await office.recommender("MD0004", "王教授", "rec3@univ.example", status="completed")
    await office.link(d, 1003, "zh", reminders=False)
    e = await office.register("MD0005")  # unpaid but withdrawn: nobody to remind
    await office.set_status(e, "withdrawn")
    return {"A": a, "B": b, "C": c, "D": d}


def _moments(office: Office) -> list:
    fire_times = set()
    for rule in office.book.defaults:
        for due in (taipei(1, 5, 23, 59), taipei(1, 6, 15), taipei(1, 8, 17), taipei(2, 1, 9), taipei(3, 1, 10)):
            local = to_local(due).date() - timedelta(days=rule.days_before)
            fire_times.add(taipei(local.month, local.day, rule.at.hour, rule.at.minute))
    steps = {taipei(1, 1, 8) + timedelta(hours=3 * i) for i in range(8 * 8)}  # every 3 hours, 1-9 January
    return sorted(steps | fire_times | {t - timedelta(minutes=1) for t in fire_times} | {taipei(3, 2)})


async def test_every_rule_fires_once_on_time_for_the_right_people(office: Office) -> None:
    ids = await _office_with_everyone(office)
    for moment in _moments(office):
        if office.now < taipei(1, 4, 12) <= moment:
            office.at(taipei(1, 4, 12))
            await office.pay("MD0001")  # the fee arrives between the 1-day and the same-day reminder
        office.at(moment)
        await office.tick()
        await office.tick()  # a second run at the same moment writes nothing more

    rows = await office.reminders()
    who = {f"reg{v}": k for k, v in ids.items()}
    got = sorted(
        (to_local(r.created_at).strftime("%m-%d %H:%M"), r.payload["rule"], who.get(f"reg{r.registration_id}", "?")
         if r.payload["who"] != "recommender" else r.recipient, r.channel)
        for r in rows
    )  # fmt: skip
    assert got == sorted([
        ("01-02 09:00", "payment_3d", "A", "email"),
        ("01-03 09:30", "upload_3d", "A", "email"),
        ("01-03 09:30", "upload_3d", "C", "telegram"),
        ("01-03 10:00", "recommenders_5d", "C", "telegram"),
        ("01-03 10:00", "letter_5d", REC1, "email"),
        ("01-04 09:00", "payment_1d", "A", "email"),
        ("01-05 09:30", "upload_1d", "A", "email"),
        ("01-05 09:30", "upload_1d", "C", "telegram"),
        ("01-06 10:00", "recommenders_2d", "C", "telegram"),
        ("01-06 10:00", "letter_2d", REC1, "email"),
        ("01-31 18:00", "interview_1d", "C", "telegram"),
        ("01-31 18:00", "interview_1d", "D", "email"),
        ("02-28 18:00", "results_1d", "A", "email"),
        ("02-28 18:00", "results_1d", "B", "telegram"),
        ("02-28 18:00", "results_1d", "C", "telegram"),
        ("02-28 18:00", "results_1d", "D", "email"),
    ])  # fmt: skip
    assert all(r.state == "sent" for r in rows if r.channel == "telegram")
    assert [len(office.sandbox.sent(chat)) for chat in (1001, 1002, 1003)] == [1, 6, 0]

    # Chinese for the zh chat, English for the en chat; upload lines say which item and why it is locked.
    upload_c = office.sandbox.sent(1002)[0]["text"]
    assert "Upload deadline: Tuesday, 6 January 2026, 15:00 (in 3 days)" in upload_c
    assert "⬜ Qualification documents: not uploaded yet" in upload_c
    assert "🔒 Written-review documents: upload “Qualification documents” first" in upload_c
    assert "放榜" in office.sandbox.sent(1001)[0]["text"]
    by_rule = {(r.payload["rule"], r.registration_id): r for r in rows if r.channel == "email"}
    upload_3d_a, upload_1d_a = by_rule["upload_3d", ids["A"]].body or "", by_rule["upload_1d", ids["A"]].body or ""
    assert "🔒 照片：需先繳費方可上傳" in upload_3d_a  # unpaid then
    assert "⬜ 照片：尚未上傳" in upload_1d_a and "需先繳費" not in upload_1d_a  # paid since
    letter = next(r for r in rows if r.recipient == REC1)
    body = letter.body or ""
    assert body.index("陳教授 您好") < body.index("Dear 陳教授") and "婉拒" in body and "decline" in body
    assert letter.payload["subject"].startswith("【推薦函提醒】MD0003") and letter.payload["reply_key"]
    assert "剩 5 天" in body and "in 5 days" in body
