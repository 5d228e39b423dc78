"""Linking a Telegram user to a registration: identity + a one-time code by email."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.workflows.conftest import ALICE_ID, BOB_ID, Register
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.linking import confirm_link, linked_registrations, start_link, unlink
from workflows.models import LoginChallenge, OutboxMessage


async def _code(ctx: Context) -> str:
    async with ctx.db.sessions() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.template == "login_code").order_by(OutboxMessage.id.desc())
        )
    assert row is not None and row.channel == "email" and row.urgent
    code = str(row.payload["code"])
    assert re.fullmatch(r"\d{6}", code)
    return code


async def test_link_with_code(ctx: Context, register: Register) -> None:
    reg = await register("MD0026")
    start = await start_link(ctx, 77, 77, "md0026", "a123456789", "79/03/15")
    assert start.status == "code_sent" and start.email_masked == "a***e@example.com"
    code = await _code(ctx)
    async with ctx.db.sessions() as session:
        stored = await session.scalar(select(LoginChallenge.code_hash))
    assert stored is not None and code not in stored
    done = await confirm_link(ctx, 77, code)
    assert (done.status, done.registration_id, done.serial) == ("linked", reg, "MD0026")
    assert [r.serial for r in await linked_registrations(ctx, 77)] == ["MD0026"]
    assert await linked_registrations(ctx, 78) == []
    assert (await start_link(ctx, 77, 77, "MD0026", ALICE_ID, "1990-03-15")).status == "already_linked"


async def test_mismatch_and_bad_input(ctx: Context, register: Register) -> None:
    await register("MD0026")
    assert (await start_link(ctx, 1, 1, "MD0026", ALICE_ID, "1990-03-16")).status == "not_matched"
    assert (await start_link(ctx, 1, 1, "MD0099", ALICE_ID, "1990-03-15")).status == "not_matched"
    assert (await start_link(ctx, 1, 1, "MD0026", BOB_ID, "1990-03-15")).status == "not_matched"
    bad = await start_link(ctx, 1, 1, "MD0026", ALICE_ID, "115/02/30")
    assert (bad.status, bad.reason) == ("invalid", "impossible")
    assert (await confirm_link(ctx, 1, "123456")).status == "no_pending"


async def test_code_expires(ctx: Context, clock: FixedClock, register: Register) -> None:
    await register("MD0026")
    await start_link(ctx, 5, 5, "MD0026", ALICE_ID, "1990-03-15")
    code = await _code(ctx)
    clock.advance(minutes=10)
    assert (await confirm_link(ctx, 5, code)).status == "expired"
    assert (await confirm_link(ctx, 5, code)).status == "no_pending"


async def test_five_tries(ctx: Context, register: Register) -> None:
    await register("MD0026")
    await start_link(ctx, 5, 5, "MD0026", ALICE_ID, "1990-03-15")
    code = await _code(ctx)
    wrong = "000000" if code != "000000" else "111111"
    lefts = [(await confirm_link(ctx, 5, wrong)) for _ in range(4)]
    assert [r.tries_left for r in lefts] == [4, 3, 2, 1]
    assert (await confirm_link(ctx, 5, wrong)).status == "too_many_tries"
    assert (await confirm_link(ctx, 5, code)).status == "no_pending"


async def test_link_guessing_locks_out(ctx: Context, clock: FixedClock, register: Register) -> None:
    await register("MD0026")
    for _ in range(5):
        await start_link(ctx, 9, 9, "MD0026", ALICE_ID, "1990-01-01")
    assert (await start_link(ctx, 9, 9, "MD0026", ALICE_ID, "1990-03-15")).status == "locked"
    clock.advance(minutes=5)
    assert (await start_link(ctx, 9, 9, "MD0026", ALICE_ID, "1990-03-15")).status == "code_sent"


async def test_several_registrations_of_one_person_but_not_two_people(ctx: Context, register: Register) -> None:
    await register("MD0026")
    await register("MD0031", program="300")
    await register("MD0050", national_id=BOB_ID, birth="1991-07-01", email="bob@example.com")
    for serial in ("MD0026", "MD0031"):
        await start_link(ctx, 5, 5, serial, ALICE_ID, "1990-03-15")
        assert (await confirm_link(ctx, 5, await _code(ctx))).status == "linked"
    assert [r.serial for r in await linked_registrations(ctx, 5)] == ["MD0026", "MD0031"]
    assert (await start_link(ctx, 5, 5, "MD0050", BOB_ID, "1991-07-01")).status == "other_person"
    assert await unlink(ctx, 5, (await linked_registrations(ctx, 5))[0].registration_id) == 1
    assert [r.serial for r in await linked_registrations(ctx, 5)] == ["MD0031"]
    assert await unlink(ctx, 5) == 1
    assert await linked_registrations(ctx, 5) == []
