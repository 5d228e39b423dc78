"""Held mail for staff (list, show, resolve) and reading the audit log, on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.workflows.conftest import ALICE_ID, BOB_ID, Register
from workflows import audit
from workflows.audit import list_audit
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.held_mail import RESOLVED_ACTION, get_held, list_held, resolve_held
from workflows.mail_state import hold_mail
from workflows.models import AuditLog
from workflows.recommenders import add_recommender

T0 = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 Taipei


async def _hold(ctx: Context, n: int, *, reason: str = "wrong_sender", recommender_id: int | None = None,
                text: str = "hello", raw_path: str | None = None) -> int:  # fmt: skip
    """Hold message n, received n hours after T0, as the mail processor does."""
    async with ctx.db.transaction() as session:
        return await hold_mail(
            session, reason=reason, message_id=f"<m{n}@example.com>", sender=f"sender{n}@example.com",
            subject=f"subject {n}", text=text, now=T0 + timedelta(hours=n), recommender_id=recommender_id,
            raw_path=raw_path,
        )  # fmt: skip


async def _audit_rows(ctx: Context, action: str) -> list[AuditLog]:
    async with ctx.db.sessions() as session:
        return list(await session.scalars(select(AuditLog).where(AuditLog.action == action)))


async def test_list_is_newest_first_and_leaves_out_resolved(ctx: Context) -> None:
    ids = [await _hold(ctx, n) for n in range(1, 5)]
    assert (await resolve_held(ctx, ids[1], actor="staff")).status == "resolved"

    waiting = await list_held(ctx)
    assert [h.id for h in waiting] == [ids[3], ids[2], ids[0]]
    assert all(h.resolved_at is None for h in waiting)
    everything = await list_held(ctx, include_resolved=True)
    assert [h.id for h in everything] == ids[::-1]
    assert everything[2].resolved_at == ctx.clock.now()
    assert [h.id for h in await list_held(ctx, include_resolved=True, limit=2)] == [ids[3], ids[2]]
    assert (everything[0].reason, everything[0].sender, everything[0].subject) == (
        "wrong_sender", "sender4@example.com", "subject 4")  # fmt: skip


async def test_show_has_every_field_with_ids_masked(ctx: Context, register: Register) -> None:
    reg = await register("MD0031", program="300")
    added = await add_recommender(ctx, reg, name="林教授", email="lin@univ.example")
    assert added.recommender_id is not None
    held_id = await _hold(ctx, 1, reason="late", recommender_id=added.recommender_id,
                          text=f"考生身分證 {ALICE_ID} 推薦函如附", raw_path="/data/held-mail/abc.eml")  # fmt: skip

    shown = await get_held(ctx, held_id)
    assert shown is not None
    assert (shown.id, shown.reason, shown.sender, shown.subject, shown.message_id) == (
        held_id, "late", "sender1@example.com", "subject 1", "<m1@example.com>")  # fmt: skip
    assert shown.received_at == T0 + timedelta(hours=1)
    assert (shown.recommender_id, shown.serial, shown.raw_path) == (added.recommender_id, "MD0031",
                                                                    "/data/held-mail/abc.eml")  # fmt: skip
    assert shown.text == "考生身分證 A12*****89 推薦函如附"
    assert (shown.resolved_at, shown.resolved_by, shown.resolution_note) == (None, None, None)
    assert await get_held(ctx, held_id + 1000) is None


async def test_resolve_once_then_twice_then_unknown(ctx: Context, clock: FixedClock) -> None:
    held_id = await _hold(ctx, 1, reason="letter_encrypted")
    first = await resolve_held(ctx, held_id, actor=" 王小姐 ", note=f"asked for a new PDF; ID {BOB_ID} checked")
    assert (first.status, first.resolved_at, first.resolved_by) == ("resolved", clock.now(), "王小姐")
    [row] = await _audit_rows(ctx, RESOLVED_ACTION)
    assert (row.actor, row.subject, row.at) == ("王小姐", str(held_id), clock.now())
    assert row.detail == {"reason": "letter_encrypted", "note": "asked for a new PDF; ID B12*****58 checked"}

    resolved_at = clock.now()
    clock.advance(hours=2)
    second = await resolve_held(ctx, held_id, actor="someone else", note="me too")
    assert (second.status, second.resolved_at, second.resolved_by) == ("already_resolved", resolved_at, "王小姐")
    assert len(await _audit_rows(ctx, RESOLVED_ACTION)) == 1  # nothing recorded for the refused attempt

    shown = await get_held(ctx, held_id)
    assert shown is not None
    assert (shown.resolved_at, shown.resolved_by, shown.resolution_note) == (
        resolved_at, "王小姐", "asked for a new PDF; ID B12*****58 checked")  # fmt: skip

    unknown = await resolve_held(ctx, held_id + 1000, actor="staff")
    assert (unknown.status, unknown.resolved_at, unknown.resolved_by) == ("not_found", None, None)
    for beyond in (0, -1, 2**31, 10**12):  # beyond the id column's range: unknown, never a database error
        assert (await resolve_held(ctx, beyond, actor="staff")).status == "not_found"
        assert await get_held(ctx, beyond) is None
    assert len(await _audit_rows(ctx, RESOLVED_ACTION)) == 1


async def test_resolve_without_note_keeps_only_the_reason(ctx: Context) -> None:
    held_id = await _hold(ctx, 1, reason="empty")
    assert (await resolve_held(ctx, held_id, actor="staff", note="   ")).status == "resolved"
    [row] = await _audit_rows(ctx, RESOLVED_ACTION)
    assert row.detail == {"reason": "empty"}


async def test_two_people_resolving_at_once_resolve_it_once(ctx: Context) -> None:
    held_id = await _hold(ctx, 1)
    results = await asyncio.gather(*(resolve_held(ctx, held_id, actor=f"staff{i}") for i in range(4)))
    assert sorted(r.status for r in results) == ["already_resolved"] * 3 + ["resolved"]
    assert len(await _audit_rows(ctx, RESOLVED_ACTION)) == 1


async def test_audit_list_filters_and_order(ctx: Context) -> None:
    async with ctx.db.transaction() as session:
        audit.record(session, T0, "cli", "import", "registrations:a.csv", rows=3)
        audit.record(session, T0 + timedelta(hours=1), "cli", "serial_lookup", "A12*****89", outcome="ok")
        audit.record(session, T0 + timedelta(hours=2), "tg:42", "serial_lookup", outcome="not_found")
        audit.record(session, T0 + timedelta(hours=3), "tg:42", "chat_linked", "MD0026")

    newest_first = await list_audit(ctx)
    assert [(e.action, e.actor) for e in newest_first] == [
        ("chat_linked", "tg:42"), ("serial_lookup", "tg:42"), ("serial_lookup", "cli"), ("import", "cli")]  # fmt: skip
    assert newest_first[2].subject == "A12*****89" and newest_first[2].detail == {"outcome": "ok"}
    assert newest_first[0].at == T0 + timedelta(hours=3)

    assert [e.actor for e in await list_audit(ctx, action="serial_lookup")] == ["tg:42", "cli"]
    assert [e.action for e in await list_audit(ctx, actor="tg:42")] == ["chat_linked", "serial_lookup"]
    assert [e.action for e in await list_audit(ctx, actor="cli")] == ["serial_lookup", "import"]
    assert [e.subject for e in await list_audit(ctx, action="serial_lookup", actor="cli")] == ["A12*****89"]
    since = await list_audit(ctx, since=T0 + timedelta(hours=1))  # inclusive
    assert [e.action for e in since] == ["chat_linked", "serial_lookup", "serial_lookup"]
    assert [e.action for e in await list_audit(ctx, limit=1)] == ["chat_linked"]
    assert await list_audit(ctx, action="nothing_like_this") == []
