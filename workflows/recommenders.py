"""Recommenders: adding them, editing them, and resending the invitation (重送推薦信件)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from workflows import audit, outbox
from workflows.bulk import rowcount
from workflows.context import Context
from workflows.deadlines import deadlines_for, pick
from workflows.models import Program, Recommender, Registration
from workflows.recommender_rules import MAX_MESSAGE, RESEND_INTERVAL, editable, resend_refusal

EDITABLE_FIELDS = frozenset({"name", "organisation", "title", "relationship", "phone"})


@dataclass(frozen=True)
class RecommenderResult:
    """ok, or a refusal `reason`: not_found, not_owner, completed, declined, past_deadline, too_soon,
    undeliverable, message_too_long, email_fixed, started, not_required, too_many, duplicate."""

    ok: bool
    reason: str | None = None
    recommender_id: int | None = None
    retry_after: datetime | None = None


def new_reply_key() -> str:
    """A secret, URL- and address-safe key that routes a recommender's email reply."""
    return secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


def invitation_message(rec: Recommender) -> outbox.NewMessage:
    """The outbox row of an invitation; the mail adapter renders it from `invitation_details` when sending."""
    return outbox.NewMessage(
        channel="email",
        recipient=rec.email,
        idempotency_key=f"invitation:{rec.id}:{rec.resend_count}",
        template="recommender_invitation",
        payload={"recommender_id": rec.id, "message": rec.resend_message, "resend": rec.resend_count > 0},
        registration_id=rec.registration_id,
    )


@dataclass(frozen=True)
class InvitationDetails:
    """What an invitation email says, read from the store at sending time."""

    recommender_name: str
    recommender_email: str
    reply_key: str
    applicant_name: str
    serial: str
    program_zh: str
    program_en: str
    round_zh: str
    round_en: str
    deadline: datetime | None
    deadline_label_zh: str
    status: str


async def invitation_details(ctx: Context, recommender_id: int) -> InvitationDetails | None:
    """Everything the invitation template needs, or None when the recommender no longer exists."""
    async with ctx.db.sessions() as session:
        rec = await session.get(Recommender, recommender_id)
        if rec is None:
            return None
        reg = await _load_registration(session, rec.registration_id)
        assert reg is not None
        deadline = pick(await deadlines_for(session, reg.round_id, reg.program_id), "recommender")
    program = reg.program
    return InvitationDetails(
        rec.name, rec.email, rec.reply_key, reg.applicant.name, reg.serial, program.name_zh, program.name_en,
        program.round.name_zh, program.round.name_en, deadline.due_at if deadline else None,
        deadline.label_zh if deadline else "", rec.status,
    )  # fmt: skip


async def _load_registration(session: AsyncSession, registration_id: int) -> Registration | None:
    return await session.get(
        Registration,
        registration_id,
        options=[
            selectinload(Registration.program).selectinload(Program.round),
            selectinload(Registration.applicant),
            selectinload(Registration.recommenders),
        ],
    )


async def add_recommender(
    ctx: Context, registration_id: int, *, name: str, email: str, organisation: str = "", title: str = "",
    relationship: str = "", phone: str = "", actor: str = "applicant",
) -> RecommenderResult:  # fmt: skip
    """Add a recommender and queue the first invitation (only for programs that ask for letters)."""
    now = ctx.clock.now()
    email = email.strip().lower()
    async with ctx.db.transaction() as session:
        reg = await _load_registration(session, registration_id)
        if reg is None:
            return RecommenderResult(False, "not_found")
        if reg.program.recommenders_max == 0:
            return RecommenderResult(False, "not_required")
        if len(reg.recommenders) >= reg.program.recommenders_max:
            return RecommenderResult(False, "too_many")
        if any(r.email == email for r in reg.recommenders):
            return RecommenderResult(False, "duplicate")
        rec = Recommender(
            registration_id=reg.id, name=name, email=email, organisation=organisation, title=title,
            relationship_=relationship, phone=phone, reply_key=new_reply_key(), invited_at=now,
            last_invited_at=now,
        )  # fmt: skip
        session.add(rec)
        await session.flush()
        await outbox.enqueue(session, [invitation_message(rec)], now)
        audit.record(session, now, actor, "recommender_added", reg.serial, recommender_id=rec.id)
        return RecommenderResult(True, recommender_id=rec.id)


async def update_recommender(
    ctx: Context, registration_id: int, recommender_id: int, changes: dict[str, str], actor: str = "applicant"
) -> RecommenderResult:
    """Change a recommender's details: never the email; the rest only until the recommender has started."""
    async with ctx.db.transaction() as session:
        rec = await session.get(Recommender, recommender_id)
        if rec is None:
            return RecommenderResult(False, "not_found")
        if rec.registration_id != registration_id:
            return RecommenderResult(False, "not_owner")
        if "email" in changes and changes["email"].strip().lower() != rec.email:
            return RecommenderResult(False, "email_fixed", recommender_id)
        if not editable(rec):
            return RecommenderResult(False, "started", recommender_id)
        for key, value in changes.items():
            if key in EDITABLE_FIELDS:
                setattr(rec, "relationship_" if key == "relationship" else key, value)
        audit.record(session, ctx.clock.now(), actor, "recommender_updated", str(rec.id), fields=sorted(changes))
        return RecommenderResult(True, recommender_id=rec.id)


async def resend_invitation(
    ctx: Context, registration_id: int, recommender_id: int, message: str = "", actor: str = "applicant"
) -> RecommenderResult:
    """Resend the invitation with an optional short message, if the rules allow it.

    `registration_id` is the registration the caller is entitled to (a linked chat's); a recommender of any
    other registration is refused as not_owner. The update is conditional, so two resends at once send one.
    """
    now = ctx.clock.now()
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        return RecommenderResult(False, "message_too_long", recommender_id)
    async with ctx.db.transaction() as session:
        rec = await session.get(Recommender, recommender_id)
        if rec is None:
            return RecommenderResult(False, "not_found")
        if rec.registration_id != registration_id:
            audit.record(session, now, actor, "resend_refused", str(recommender_id), reason="not_owner")
            return RecommenderResult(False, "not_owner")
        reg = await _load_registration(session, registration_id)
        assert reg is not None  # the recommender's foreign key guarantees it
        deadline = pick(await deadlines_for(session, reg.round_id, reg.program_id), "recommender")
        refusal = resend_refusal(rec, deadline, now)
        if refusal is not None:
            return RecommenderResult(False, refusal[0], recommender_id, refusal[1])
        claimed = await session.execute(
            update(Recommender)
            .where(
                Recommender.id == rec.id,
                Recommender.status == "invited",
                Recommender.resend_count == rec.resend_count,
                or_(Recommender.resend_count == 0, Recommender.last_invited_at <= now - RESEND_INTERVAL),
            )
            .values(
                last_invited_at=now, resend_count=Recommender.resend_count + 1, resend_message=message or None
            )
            .execution_options(synchronize_session=False)
        )
        if rowcount(claimed) != 1:
            return RecommenderResult(False, "too_soon", recommender_id, now + RESEND_INTERVAL)
        await session.refresh(rec)
        await outbox.enqueue(session, [invitation_message(rec)], now)
        audit.record(session, now, actor, "invitation_resent", reg.serial, recommender_id=rec.id)
        return RecommenderResult(True, recommender_id=rec.id)

