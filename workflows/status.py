"""The status report of one registration: payment, uploads, review result, recommenders, next deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import selectinload

from workflows.clock import to_local
from workflows.context import Context
from workflows.deadlines import deadlines_for, is_past, pick
from workflows.models import Program, Registration
from workflows.recommender_rules import resend_refusal


@dataclass(frozen=True)
class PaymentStatus:
    amount: int
    account_masked: str
    paid: bool
    paid_at: datetime | None
    method: str | None


@dataclass(frozen=True)
class UploadStatus:
    """state: done | missing | locked | closed. reason (locked/closed): pay_first | needs_item | past_deadline."""

    code: str
    name_zh: str
    name_en: str
    file_type: str
    max_bytes: int
    required: bool
    state: str
    uploaded_at: datetime | None = None
    file_name: str | None = None
    reason: str | None = None
    needs_zh: str | None = None
    needs_en: str | None = None
    review_result: str | None = None


@dataclass(frozen=True)
class RecommenderStatus:
    id: int
    name: str
    organisation: str
    status: str  # invited | completed | declined
    last_invited_at: datetime
    can_resend: bool
    resend_refusal: str | None
    resend_after: datetime | None
    email_undeliverable: bool


@dataclass(frozen=True)
class DeadlineInfo:
    kind: str
    due_at: datetime
    label_zh: str
    label_en: str
    place: str | None
    days_left: int


@dataclass(frozen=True)
class StatusReport:
    """Everything an applicant may see about one of their own registrations."""

    registration_id: int
    serial: str
    applicant_name: str
    round_id: str
    round_zh: str
    round_en: str
    program_code: str
    program_zh: str
    program_en: str
    payment: PaymentStatus | None
    uploads: list[UploadStatus]
    review_result: str | None
    review_note: str | None
    recommenders_min: int
    recommenders_max: int
    recommenders: list[RecommenderStatus]
    deadlines: list[DeadlineInfo]


def mask_account(account: str) -> str:
    """`97931145135618` -> `9793******5618`."""
    return account[:4] + "*" * max(len(account) - 8, 0) + account[-4:]


def days_left(due: datetime, now: datetime) -> int:
    """Whole calendar days from today to the due day, in Taipei time."""
    return (to_local(due).date() - to_local(now).date()).days


async def status_report(ctx: Context, registration_id: int) -> StatusReport | None:
    """Build the report; None if there is no such registration. Authorisation is the caller's job."""
    now = ctx.clock.now()
    async with ctx.db.sessions() as session:
        reg = await session.get(
            Registration,
            registration_id,
            options=[
                selectinload(Registration.program).selectinload(Program.upload_items),
                selectinload(Registration.program).selectinload(Program.round),
                selectinload(Registration.applicant),
                selectinload(Registration.payment),
                selectinload(Registration.uploads),
                selectinload(Registration.recommenders),
            ],
        )
        if reg is None:
            return None
        dates = await deadlines_for(session, reg.round_id, reg.program_id)
    program = reg.program
    paid = bool(reg.payment and reg.payment.paid)
    uploads = _upload_states(reg, paid, is_past(pick(dates, "upload"), now))
    rec_deadline = pick(dates, "recommender")
    recommenders = []
    for rec in reg.recommenders:
        refusal = resend_refusal(rec, rec_deadline, now)
        recommenders.append(
            RecommenderStatus(
                rec.id, rec.name, rec.organisation, rec.status, rec.last_invited_at, refusal is None,
                refusal[0] if refusal else None, refusal[1] if refusal else None, rec.email_undeliverable,
            )
        )  # fmt: skip
    payment = reg.payment
    return StatusReport(
        registration_id=reg.id,
        serial=reg.serial,
        applicant_name=reg.applicant.name,
        round_id=reg.round_id,
        round_zh=program.round.name_zh,
        round_en=program.round.name_en,
        program_code=program.code,
        program_zh=program.name_zh,
        program_en=program.name_en,
        payment=PaymentStatus(
            payment.amount, mask_account(payment.virtual_account), payment.paid, payment.paid_at, payment.method
        )
        if payment
        else None,
        uploads=uploads,
        review_result=reg.review_result,
        review_note=reg.review_note,
        recommenders_min=program.recommenders_min,
        recommenders_max=program.recommenders_max,
        recommenders=recommenders,
        deadlines=_concerning(dates, paid, uploads, recommenders, now),
    )


def _upload_states(reg: Registration, paid: bool, closed: bool) -> list[UploadStatus]:
    done = {u.item_code: u for u in reg.uploads}
    names = {i.code: i for i in reg.program.upload_items}
    result = []
    for item in reg.program.upload_items:
        base = dict(
            code=item.code, name_zh=item.name_zh, name_en=item.name_en, file_type=item.file_type,
            max_bytes=item.max_bytes, required=item.required,
        )  # fmt: skip
        upload = done.get(item.code)
        if upload is not None:
            result.append(
                UploadStatus(**base, state="done", uploaded_at=upload.uploaded_at, file_name=upload.file_name,
                             review_result=upload.review_result)
            )  # fmt: skip
        elif closed:
            result.append(UploadStatus(**base, state="closed", reason="past_deadline"))
        elif item.requires_payment and not paid:
            result.append(UploadStatus(**base, state="locked", reason="pay_first"))
        elif item.requires_item and item.requires_item not in done:
            needed = names.get(item.requires_item)
            result.append(
                UploadStatus(**base, state="locked", reason="needs_item",
                             needs_zh=needed.name_zh if needed else item.requires_item,
                             needs_en=needed.name_en if needed else item.requires_item)
            )  # fmt: skip
        else:
            result.append(UploadStatus(**base, state="missing"))
    return result


def _concerning(
    dates: list, paid: bool, uploads: list[UploadStatus], recs: list[RecommenderStatus], now: datetime
) -> list[DeadlineInfo]:
    """Upcoming dates, nearest first, leaving out those whose task is already done."""
    skip = set()
    if paid:
        skip.add("payment")
    if all(u.state == "done" or not u.required for u in uploads):
        skip.add("upload")
    if not any(r.status == "invited" for r in recs):
        skip.add("recommender")
    return [
        DeadlineInfo(d.kind, d.due_at, d.label_zh, d.label_en, d.place, days_left(d.due_at, now))
        for d in dates
        if d.due_at >= now and d.kind not in skip
    ]
