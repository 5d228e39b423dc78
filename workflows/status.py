"""The status report of one registration: payment, uploads, review result, recommenders, next deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import BindParameter, Connection, Row, bindparam, select
from sqlalchemy.orm import Session

from workflows.batching import Coalescer
from workflows.clock import to_local
from workflows.context import Context
from workflows.deadlines import FOR_ROUNDS, is_past, of_program, pick
from workflows.models import (
    Applicant,
    Deadline,
    Payment,
    Program,
    Recommender,
    Registration,
    Round,
    Upload,
    UploadItem,
)
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


# Built once: /status runs these on every request, and building a statement costs more than running it. They
# read many registrations at once: the reports asked for by concurrent updates are read together.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_HEADS = (
    select(
        Registration.id, Registration.serial, Registration.round_id, Registration.program_id,
        Registration.review_result, Registration.review_note, Applicant.name, Round.name_zh.label("round_zh"),
        Round.name_en.label("round_en"), Program.code, Program.name_zh, Program.name_en, Program.recommenders_min,
        Program.recommenders_max, Payment.amount, Payment.virtual_account, Payment.paid, Payment.paid_at,
        Payment.method,
    )
    .join(Applicant, Applicant.id == Registration.applicant_id)
    .join(Program, Program.id == Registration.program_id)
    .join(Round, Round.id == Registration.round_id)
    .outerjoin(Payment, Payment.registration_id == Registration.id)
    .where(Registration.id.in_(_IDS))
)  # fmt: skip
_ITEMS = (
    select(Registration.id, UploadItem, Upload)
    .join(UploadItem, UploadItem.program_id == Registration.program_id)
    .outerjoin(Upload, (Upload.item_code == UploadItem.code) & (Upload.registration_id == Registration.id))
    .where(Registration.id.in_(_IDS))
    .order_by(Registration.id, UploadItem.position)
)
_RECOMMENDERS = (
    select(Recommender).where(Recommender.registration_id.in_(_IDS)).order_by(Recommender.registration_id, Recommender.id)
)


async def status_report(ctx: Context, registration_id: int) -> StatusReport | None:
    """Build the report; None if there is no such registration. Authorisation is the caller's job."""
    return (await ctx.db.read(partial(_read_reports, [registration_id], ctx.clock.now()))).get(registration_id)


class StatusReports:
    """`status_report` for the bot: the reports asked for by concurrent updates are read together, in the same
    four queries as one (see `workflows.batching`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._coalescer: Coalescer[int, StatusReport | None] = Coalescer(self._read_many)

    async def get(self, registration_id: int) -> StatusReport | None:
        """The report of one registration; None if there is no such registration. Authorisation is the
        caller's job."""
        return await self._coalescer(registration_id)

    async def _read_many(self, ids: list[int]) -> list[StatusReport | None]:
        reports = await self.ctx.db.read(partial(_read_reports, sorted(set(ids)), self.ctx.clock.now()))
        return [reports.get(i) for i in ids]


def _read_reports(ids: list[int], now: datetime, connection: Connection) -> dict[int, StatusReport]:
    """The reports of these registrations, in four small queries whatever their number (registrations with
    their joins, items with uploads, recommenders, dates): no whole object graphs."""
    items: dict[int, list[tuple[UploadItem, Upload | None]]] = {i: [] for i in ids}
    recs: dict[int, list[Recommender]] = {i: [] for i in ids}
    with Session(connection) as session:
        heads = {row.id: row for row in session.execute(_HEADS, {"ids": ids}).all()}
        if not heads:
            return {}
        for registration_id, item, upload in session.execute(_ITEMS, {"ids": ids}):
            items[registration_id].append((item, upload))
        for rec in session.scalars(_RECOMMENDERS, {"ids": ids}):
            recs[rec.registration_id].append(rec)
        rounds = sorted({h.round_id for h in heads.values()})
        dates = list(session.scalars(FOR_ROUNDS, {"round_ids": rounds}))
    return {
        i: _report(head, items[i], recs[i], of_program(dates, head.round_id, head.program_id), now)
        for i, head in heads.items()
    }


def _report(head: Row[Any, *tuple[Any, ...]], items: list[tuple[UploadItem, Upload | None]], recs: list[Recommender],
            dates: list[Deadline], now: datetime) -> StatusReport:  # fmt: skip
    paid = bool(head.paid)
    uploads = upload_states(items, paid, is_past(pick(dates, "upload"), now))
    rec_deadline = pick(dates, "recommender")
    recommenders = []
    for rec in recs:
        refusal = resend_refusal(rec, rec_deadline, now)
        recommenders.append(
            RecommenderStatus(
                rec.id, rec.name, rec.organisation, rec.status, rec.last_invited_at, refusal is None,
                refusal[0] if refusal else None, refusal[1] if refusal else None, rec.email_undeliverable,
            )
        )  # fmt: skip
    payment = (
        PaymentStatus(head.amount, mask_account(head.virtual_account), paid, head.paid_at, head.method)
        if head.virtual_account
        else None
    )
    return StatusReport(
        registration_id=head.id, serial=head.serial, applicant_name=head.name, round_id=head.round_id,
        round_zh=head.round_zh, round_en=head.round_en, program_code=head.code, program_zh=head.name_zh,
        program_en=head.name_en, payment=payment, uploads=uploads, review_result=head.review_result,
        review_note=head.review_note, recommenders_min=head.recommenders_min,
        recommenders_max=head.recommenders_max, recommenders=recommenders,
        deadlines=_concerning(dates, paid, uploads, recommenders, now),
    )  # fmt: skip


def upload_states(items: list[tuple[UploadItem, Upload | None]], paid: bool, closed: bool) -> list[UploadStatus]:
    """Each item's state (done / missing / locked and why / closed): the one place the unlock rules live."""
    done = {item.code for item, upload in items if upload is not None}
    names = {item.code: item for item, _ in items}
    result = []
    for item, upload in items:
        status = partial(
            UploadStatus, code=item.code, name_zh=item.name_zh, name_en=item.name_en, file_type=item.file_type,
            max_bytes=item.max_bytes, required=item.required,
        )  # fmt: skip
        if upload is not None:
            result.append(
                status(state="done", uploaded_at=upload.uploaded_at, file_name=upload.file_name,
                       review_result=upload.review_result)
            )  # fmt: skip
        elif closed:
            result.append(status(state="closed", reason="past_deadline"))
        elif item.requires_payment and not paid:
            result.append(status(state="locked", reason="pay_first"))
        elif item.requires_item and item.requires_item not in done:
            needed = names.get(item.requires_item)
            result.append(
                status(state="locked", reason="needs_item",
                       needs_zh=needed.name_zh if needed else item.requires_item,
                       needs_en=needed.name_en if needed else item.requires_item)
            )  # fmt: skip
        else:
            result.append(status(state="missing"))
    return result


def _concerning(
    dates: list[Deadline], paid: bool, uploads: list[UploadStatus], recs: list[RecommenderStatus], now: datetime
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
