"""The status report: payment, uploads (done / missing / locked and why), recommenders, deadlines."""

from __future__ import annotations

from tests.workflows.conftest import ROUND, Register
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.importers import import_rows
from workflows.recommenders import add_recommender
from workflows.status import status_report


def _states(report) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return {u.code: (u.state, u.reason) for u in report.uploads}


async def test_unpaid_registration_has_everything_locked(ctx: Context, register: Register) -> None:
    reg = await register("MD0026")
    report = await status_report(ctx, reg)
    assert report is not None
    assert report.serial == "MD0026" and report.program_code == "260"
    assert report.payment is not None and not report.payment.paid and report.payment.amount == 1500
    assert report.payment.account_masked == "9793******0001"
    assert _states(report) == {
        "photo": ("locked", "pay_first"), "id_front": ("locked", "pay_first"), "id_back": ("locked", "pay_first"),
        "qualification": ("locked", "pay_first"), "review": ("locked", "pay_first"),
    }  # fmt: skip
    kinds = [d.kind for d in report.deadlines]
    assert kinds == ["registration", "payment", "upload", "results"]  # nearest first; no interview for 260
    assert report.deadlines[1].days_left == 3


async def test_paid_then_review_needs_qualification_first(ctx: Context, register: Register) -> None:
    reg = await register("MD0026")
    paid = await import_rows(ctx, "payments", [(2, {"virtual_account": "97931145130001", "amount": "1,500",
                                                     "paid_at": "2026-01-02 09:30", "method": "ATM"})])  # fmt: skip
    assert paid.imported and paid.updated == 1
    up = await import_rows(ctx, "uploads", [(2, {"round": ROUND, "serial": "MD0026", "item": "photo",
                                                  "file_name": "me.jpg", "size_bytes": "120000",
                                                  "uploaded_at": "2026-01-02 10:00"})])  # fmt: skip
    assert up.imported, up.errors
    report = await status_report(ctx, reg)
    assert report is not None and report.payment is not None and report.payment.paid
    states = _states(report)
    assert states["photo"] == ("done", None)
    assert states["qualification"] == ("missing", None)
    assert states["review"] == ("locked", "needs_item")
    review = next(u for u in report.uploads if u.code == "review")
    assert review.needs_zh == "報考資格審查資料"
    assert "payment" not in [d.kind for d in report.deadlines]


async def test_past_upload_deadline_closes_missing_items(ctx: Context, clock: FixedClock, register: Register) -> None:
    reg = await register("MD0026")
    clock.advance(days=10)
    report = await status_report(ctx, reg)
    assert report is not None
    assert set(_states(report).values()) == {("closed", "past_deadline")}
    assert [d.kind for d in report.deadlines] == ["results"]


async def test_recommenders_and_program_deadlines(ctx: Context, register: Register) -> None:
    reg = await register("MD0031", program="300")
    added = await add_recommender(ctx, reg, name="林教授", email="Lin@Univ.example", organisation="臺北科大")
    assert added.ok
    report = await status_report(ctx, reg)
    assert report is not None
    assert [(r.name, r.status, r.can_resend) for r in report.recommenders] == [("林教授", "invited", True)]
    assert "interview" in [d.kind for d in report.deadlines]
    assert "recommender" in [d.kind for d in report.deadlines]


async def test_unknown_registration(ctx: Context, round_: str) -> None:
    assert await status_report(ctx, 999_999) is None
