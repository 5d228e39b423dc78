"""查詢報名序號: the registrations of a person, found by national ID and birth year/month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflows import audit, lockout
from workflows.context import Context
from workflows.identity import HashedId, parse_year_month
from workflows.models import Applicant, Registration


@dataclass(frozen=True)
class SerialInfo:
    """One registration as the serial lookup shows it."""

    registration_id: int
    serial: str
    round_id: str
    program_code: str
    program_zh: str
    program_en: str


@dataclass(frozen=True)
class LookupResult:
    """status: ok | not_found | locked | invalid. `reason` is an IdentityError code when invalid."""

    status: str
    registrations: list[SerialInfo] = field(default_factory=list)
    locked_until: datetime | None = None
    reason: str | None = None


async def lookup_serials(
    ctx: Context, national_id: str | HashedId, birth_year_month: str, requester: str
) -> LookupResult:
    """Find a person's registrations; 5 failures in 5 minutes lock `requester` for 5 minutes.

    `requester` identifies who asks (e.g. "tg:12345", "mail:someone@example.com"). Every attempt is audited
    with the ID masked.
    """
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        gate = await lockout.admit(session, requester, "lookup", now,
                                   lambda: (ctx.hashed_id(national_id), parse_year_month(birth_year_month)))  # fmt: skip
        if gate.value is None:
            outcome = "locked" if gate.locked_until else "invalid"
            audit.record(session, now, requester, "serial_lookup", outcome=outcome, reason=gate.refused)
            return LookupResult(outcome, locked_until=gate.locked_until, reason=gate.refused)
        person, month = gate.value
        applicant = await session.scalar(
            select(Applicant)
            .where(Applicant.id_hash == person.hash)
            .options(joinedload(Applicant.registrations).joinedload(Registration.program))
        )
        found = [
            SerialInfo(r.id, r.serial, r.round_id, r.program.code, r.program.name_zh, r.program.name_en)
            for r in (applicant.registrations if applicant and month.matches(applicant.birth_date) else [])
            if r.status != "withdrawn"
        ]
        outcome = "ok" if found else "failed"
        lockout.record_attempt(session, requester, "lookup", outcome, now)
        audit.record(session, now, requester, "serial_lookup", person.masked, outcome=outcome)
        if not found:
            return LookupResult("not_found")
        return LookupResult("ok", sorted(found, key=lambda s: (s.round_id, s.serial)))

