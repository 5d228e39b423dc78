"""查詢報名序號 with the 5-failures-in-5-minutes lockout."""

from __future__ import annotations

from sqlalchemy import select

from tests.workflows.conftest import ALICE_ID, BOB_ID, Register
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.lookup import lookup_serials
from workflows.models import AuditLog, AuthAttempt


async def test_finds_all_registrations_of_the_person(ctx: Context, register: Register) -> None:
    await register("MD0026")
    await register("MD0031", program="300")
    await register("MD0040", national_id=BOB_ID, birth="1991-07-01", email="bob@example.com")
    result = await lookup_serials(ctx, "a123456789", "79/03", requester="tg:1")
    assert result.status == "ok"
    assert [(r.serial, r.program_code) for r in result.registrations] == [("MD0026", "260"), ("MD0031", "300")]


async def test_wrong_month_and_unknown_person_are_not_found(ctx: Context, register: Register) -> None:
    await register("MD0026")
    assert (await lookup_serials(ctx, ALICE_ID, "1990-04", "tg:1")).status == "not_found"
    assert (await lookup_serials(ctx, BOB_ID, "1990-03", "tg:1")).status == "not_found"


async def test_invalid_input_has_a_reason_and_is_not_a_failure(ctx: Context, register: Register) -> None:
    await register("MD0026")
    bad = await lookup_serials(ctx, "A123456788", "79/03", "tg:1")
    assert (bad.status, bad.reason) == ("invalid", "checksum")
    assert (await lookup_serials(ctx, ALICE_ID, "79/13", "tg:1")).reason == "impossible"
    for _ in range(6):
        await lookup_serials(ctx, "X", "79/03", "tg:1")
    assert (await lookup_serials(ctx, ALICE_ID, "79/03", "tg:1")).status == "ok"


async def test_lockout_and_expiry(ctx: Context, clock: FixedClock, register: Register) -> None:
    await register("MD0026")
    for _ in range(5):
        assert (await lookup_serials(ctx, ALICE_ID, "80/03", "tg:9")).status == "not_found"
        clock.advance(seconds=30)
    locked = await lookup_serials(ctx, ALICE_ID, "79/03", "tg:9")  # right answer, but locked
    assert locked.status == "locked" and locked.registrations == []
    assert locked.locked_until is not None
    # Another requester is not affected.
    assert (await lookup_serials(ctx, ALICE_ID, "79/03", "tg:10")).status == "ok"
    clock.set(locked.locked_until)
    assert (await lookup_serials(ctx, ALICE_ID, "79/03", "tg:9")).status == "ok"


async def test_failures_spread_over_more_than_five_minutes_do_not_lock(
    ctx: Context, clock: FixedClock, register: Register
) -> None:
    await register("MD0026")
    for _ in range(5):
        await lookup_serials(ctx, ALICE_ID, "80/03", "tg:9")
        clock.advance(minutes=1, seconds=30)
    assert (await lookup_serials(ctx, ALICE_ID, "79/03", "tg:9")).status == "ok"


async def test_every_attempt_is_audited_without_the_id(ctx: Context, register: Register) -> None:
    await register("MD0026")
    await lookup_serials(ctx, ALICE_ID, "79/03", "tg:1")
    await lookup_serials(ctx, ALICE_ID, "80/03", "tg:1")
    await lookup_serials(ctx, "bad", "80/03", "tg:1")
    async with ctx.db.sessions() as session:
        attempts = list(await session.scalars(select(AuthAttempt.outcome).order_by(AuthAttempt.id)))
        logs = list(await session.scalars(select(AuditLog).where(AuditLog.action == "serial_lookup")))
    assert attempts == ["ok", "failed", "invalid"]
    assert len(logs) == 3
    assert all(ALICE_ID not in repr(log.detail) + log.subject for log in logs)
    assert logs[0].subject == "A12*****89"
