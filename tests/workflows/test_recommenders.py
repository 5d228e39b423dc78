"""Recommender rules: ownership, resend limits, fixed email, edits until started."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from tests.workflows.conftest import BOB_ID, Register
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.models import OutboxMessage, Recommender
from workflows.recommenders import add_recommender, invitation_details, resend_invitation, update_recommender


async def _setup(ctx: Context, register: Register) -> tuple[int, int]:
    reg = await register("MD0031", program="300")
    added = await add_recommender(ctx, reg, name="林教授", email="lin@univ.example", title="教授")
    assert added.ok and added.recommender_id
    return reg, added.recommender_id


async def _invitations(ctx: Context) -> list[str]:
    async with ctx.db.sessions() as session:
        return list(await session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.template == "recommender_invitation")
            .order_by(OutboxMessage.id)
        ))  # fmt: skip


async def test_add_queues_invitation_with_details(ctx: Context, register: Register) -> None:
    reg, rec = await _setup(ctx, register)
    assert await _invitations(ctx) == [f"invitation:{rec}:0"]
    details = await invitation_details(ctx, rec)
    assert details is not None
    assert (details.applicant_name, details.serial, details.program_zh) == ("王小明", "MD0031", "營建工程系碩士班")
    assert details.deadline is not None and details.reply_key


async def test_programs_without_letters_refuse_recommenders(ctx: Context, register: Register) -> None:
    reg = await register("MD0026", program="260")
    assert (await add_recommender(ctx, reg, name="x", email="x@y.example")).reason == "not_required"


async def test_limits_on_count_and_duplicates(ctx: Context, register: Register) -> None:
    reg, _ = await _setup(ctx, register)
    assert (await add_recommender(ctx, reg, name="again", email="LIN@univ.example")).reason == "duplicate"
    assert (await add_recommender(ctx, reg, name="二", email="two@univ.example")).ok
    assert (await add_recommender(ctx, reg, name="三", email="three@univ.example")).reason == "too_many"


async def test_resend_once_per_day_with_message(ctx: Context, clock: FixedClock, register: Register) -> None:
    reg, rec = await _setup(ctx, register)
    first = await resend_invitation(ctx, reg, rec, "老師您好，麻煩您了")
    assert first.ok
    second = await resend_invitation(ctx, reg, rec, "again")
    assert (second.ok, second.reason) == (False, "too_soon")
    assert second.retry_after is not None
    clock.advance(hours=23, minutes=59)
    assert (await resend_invitation(ctx, reg, rec)).reason == "too_soon"
    clock.advance(minutes=1)
    assert (await resend_invitation(ctx, reg, rec)).ok
    assert await _invitations(ctx) == [f"invitation:{rec}:0", f"invitation:{rec}:1", f"invitation:{rec}:2"]
    async with ctx.db.sessions() as session:
        payload = await session.scalar(
            select(OutboxMessage.payload).where(OutboxMessage.idempotency_key == f"invitation:{rec}:1")
        )
    assert payload == {"recommender_id": rec, "message": "老師您好，麻煩您了", "resend": True}


async def test_message_limit(ctx: Context, register: Register) -> None:
    reg, rec = await _setup(ctx, register)
    assert (await resend_invitation(ctx, reg, rec, "字" * 501)).reason == "message_too_long"
    assert (await resend_invitation(ctx, reg, rec, "字" * 500)).ok


async def test_not_after_completion_decline_or_deadline(ctx: Context, clock: FixedClock, register: Register) -> None:
    reg, rec = await _setup(ctx, register)
    for status in ("completed", "declined"):
        async with ctx.db.transaction() as session:
            await session.execute(update(Recommender).where(Recommender.id == rec).values(status=status))
        assert (await resend_invitation(ctx, reg, rec)).reason == status
    async with ctx.db.transaction() as session:
        await session.execute(update(Recommender).where(Recommender.id == rec).values(status="invited"))
    clock.advance(days=7)  # recommender deadline was 2026-01-08 17:00 Taipei
    assert (await resend_invitation(ctx, reg, rec)).reason == "past_deadline"


async def test_someone_elses_recommender_is_refused(ctx: Context, register: Register) -> None:
    _, rec = await _setup(ctx, register)
    other = await register("MD0050", national_id=BOB_ID, email="bob@example.com")
    assert (await resend_invitation(ctx, other, rec)).reason == "not_owner"
    assert (await update_recommender(ctx, other, rec, {"name": "hacked"})).reason == "not_owner"


async def test_concurrent_resends_send_one(ctx: Context, register: Register) -> None:
    reg, rec = await _setup(ctx, register)
    results = await asyncio.gather(*(resend_invitation(ctx, reg, rec, f"m{i}") for i in range(5)))
    assert sum(r.ok for r in results) == 1
    assert len(await _invitations(ctx)) == 2


async def test_email_is_fixed_and_edits_stop_once_started(ctx: Context, clock: FixedClock, register: Register) -> None:
    reg, rec = await _setup(ctx, register)
    assert (await update_recommender(ctx, reg, rec, {"email": "new@univ.example"})).reason == "email_fixed"
    assert (await update_recommender(ctx, reg, rec, {"email": "LIN@univ.example", "title": "副教授"})).ok
    async with ctx.db.transaction() as session:
        row = await session.get(Recommender, rec)
        assert row is not None and row.title == "副教授" and row.email == "lin@univ.example"
        row.started_at = clock.now()
    assert (await update_recommender(ctx, reg, rec, {"title": "教授"})).reason == "started"
