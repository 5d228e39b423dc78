"""The status report of one registration: payment, uploads, review result, recommenders, next deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import BindParameter, Row, bindparam, select

from workflows.batching import Coalescer
from workflows.clock import to_local
from workflows.context import Context
from workflows.deadlines import deadlines_for, deadlines_for_many, is_past, pick
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


# Built once: /status runs these on every request, and building a statement costs more than running it.
_HEAD_COLUMNS = (
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
)  # fmt: skip
_HEAD = _HEAD_COLUMNS.where(Registration.id == bindparam("registration_id"))
_ITEMS = (
    select(UploadItem, Upload)
    .outerjoin(Upload, (Upload.item_code == UploadItem.code) & (Upload.registration_id == bindparam("registration_id")))
    .where(UploadItem.program_id == bindparam("program_id"))
    .order_by(UploadItem.position)
)
_RECOMMENDERS = (
    select(Recommender).where(Recommender.registration_id == bindparam("registration_id")).order_by(Recommender.id)
)
# The same for many registrations at once.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_HEADS = _HEAD_COLUMNS.where(Registration.id.in_(_IDS))
_ITEMS_MANY = (
    select(Registration.id, UploadItem, Upload)
    .join(UploadItem, UploadItem.program_id == Registration.program_id)
    .outerjoin(Upload, (Upload.item_code == UploadItem.code) & (Upload.registration_id == Registration.id))
    .where(Registration.id.in_(_IDS))
    .order_by(Registration.id, UploadItem.position)
)
_RECOMMENDERS_MANY = (
    select(Recommender).where(Recommender.registration_id.in_(_IDS)).order_by(Recommender.registration_id, Recommender.id)
)


async def status_report(ctx: Context, registration_id: int) -> StatusReport | None:
    """Build the report; None if there is no such registration. Authorisation is the caller's job.

    Four small queries (registration with its joins, items with uploads, recommenders, dates): the report is
    asked for on every /status, so it avoids loading whole object graphs.
    """
    now = ctx.clock.now()
    async with ctx.db.sessions() as session:
        head = (await session.execute(_HEAD, {"registration_id": registration_id})).one_or_none()
        if head is None:
            return None
        items = (await session.execute(_ITEMS, {"registration_id": registration_id, "program_id": head.program_id})).all()
        recs = list(await session.scalars(_RECOMMENDERS, {"registration_id": registration_id}))
        dates = await deadlines_for(session, head.round_id, head.program_id)
    return _report(head, [(i, u) for i, u in items], recs, dates, now)


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
        if len(ids) == 1:
            return [await status_report(self.ctx, ids[0])]
        now = self.ctx.clock.now()
        unique = sorted(set(ids))
        items: dict[int, list[tuple[UploadItem, Upload | None]]] = {i: [] for i in unique}
        recs: dict[int, list[Recommender]] = {i: [] for i in unique}
        async with self.ctx.db.sessions() as session:
            heads = {row.id: row for row in (await session.execute(_HEADS, {"ids": unique})).all()}
            for registration_id, item, upload in (await session.execute(_ITEMS_MANY, {"ids": unique})).all():
                items[registration_id].append((item, upload))
            for rec in await session.scalars(_RECOMMENDERS_MANY, {"ids": unique}):
                recs[rec.registration_id].append(rec)
            dates = await deadlines_for_many(session, {(h.round_id, h.program_id) for h in heads.values()})
        reports = {
            i: _report(head, items[i], recs[i], dates[head.round_id, head.program_id], now)
            for i, head in heads.items()
        }
        return [reports.get(i) for i in ids]


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
