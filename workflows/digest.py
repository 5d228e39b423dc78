"""The daily staff digest: per program of each open round, how many have not paid, have uploads missing,
and recommenders pending; and what the reminders did yesterday. Sent once a day to the staff chat
(STAFF_CHAT_ID) and by email (STAFF_EMAIL), each with the key `digest:{YYYY-MM-DD}:{channel}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workflows import outbox
from workflows.clock import TAIPEI, as_utc, to_local
from workflows.context import Context
from workflows.identity import format_english, format_roc
from workflows.models import Deadline, OutboxMessage, Payment, Program, Recommender, Registration, Round
from workflows.quiet_hours import quiet_end
from workflows.reminders import audience_condition

TELEGRAM_LIMIT = 4000  # Telegram allows 4096 characters per message
KINDS = {
    "reminder_payment": ("繳費", "fee"),
    "reminder_upload": ("上傳", "uploads"),
    "reminder_recommenders": ("推薦函（考生）", "letters (applicants)"),
    "reminder_letter": ("推薦函（推薦人）", "letters (recommenders)"),
    "reminder_event": ("考試與放榜", "exams and results"),
}


@dataclass(frozen=True)
class ProgramCounts:
    """One program's open tasks."""

    round_zh: str
    round_en: str
    code: str
    name_zh: str
    name_en: str
    registrations: int
    unpaid: int
    missing_uploads: int
    pending_recommenders: int


@dataclass(frozen=True)
class Digest:
    """The day's digest: open tasks per program, and yesterday's reminders."""

    day: date
    programs: list[ProgramCounts]
    sent: dict[str, int] = field(default_factory=dict)  # template -> reminders sent yesterday
    cancelled: int = 0  # reminders not sent because the task was done by then
    dropped: int = 0  # reminders dropped because their date passed while the service was down


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = as_utc(datetime.combine(day, time(0), tzinfo=TAIPEI))
    return start, start + timedelta(days=1)


async def _programs(session: AsyncSession, now: datetime) -> list[ProgramCounts]:
    open_rounds = select(Deadline.round_id).where(Deadline.due_at >= now).distinct()
    registered = and_(Registration.program_id == Program.id, Registration.status == "registered")
    counts = (
        select(
            Program.id, func.count(Registration.id).label("n"),
            func.sum(case((Payment.paid.is_(False), 1), else_=0)).label("unpaid"),
            func.sum(case((audience_condition("uploads_missing"), 1), else_=0)).label("missing"),
        )
        .join(Registration, registered)
        .outerjoin(Payment, Payment.registration_id == Registration.id)
        .where(Program.round_id.in_(open_rounds))
        .group_by(Program.id)
    )  # fmt: skip
    by_program = {row.id: row for row in (await session.execute(counts)).all()}
    letters = dict(
        (await session.execute(
            select(Program.id, func.count(Recommender.id))
            .join(Registration, registered)
            .join(Recommender, and_(Recommender.registration_id == Registration.id, Recommender.status == "invited"))
            .where(Program.round_id.in_(open_rounds))
            .group_by(Program.id)
        )).all()
    )  # fmt: skip
    programs = await session.execute(
        select(Program, Round).join(Round, Round.id == Program.round_id)
        .where(Program.round_id.in_(open_rounds)).order_by(Round.id, Program.code)
    )  # fmt: skip
    result = []
    for program, round_ in programs.all():
        row = by_program.get(program.id)
        result.append(ProgramCounts(
            round_.name_zh, round_.name_en, program.code, program.name_zh, program.name_en,
            row.n if row else 0, int(row.unpaid or 0) if row else 0, int(row.missing or 0) if row else 0,
            letters.get(program.id, 0),
        ))  # fmt: skip
    return result


async def build_digest(ctx: Context) -> Digest:
    """Today's digest (Taipei day), counting yesterday's reminders."""
    now = ctx.clock.now()
    today = to_local(now).date()
    start, end = _day_bounds(today - timedelta(days=1))
    reminder = OutboxMessage.template.startswith("reminder")
    async with ctx.db.sessions() as session:
        programs = await _programs(session, now)
        sent = dict((await session.execute(
            select(OutboxMessage.template, func.count())
            .where(reminder, OutboxMessage.state == "sent", OutboxMessage.sent_at >= start, OutboxMessage.sent_at < end)
            .group_by(OutboxMessage.template)
        )).all())  # fmt: skip
        dropped_rows = OutboxMessage.last_error.startswith("dropped")
        cancelled = await session.scalar(
            select(func.count()).where(reminder, OutboxMessage.state == "cancelled", ~dropped_rows,
                                       OutboxMessage.claimed_at >= start, OutboxMessage.claimed_at < end)
        )  # fmt: skip
        dropped = await session.scalar(
            select(func.count()).where(reminder, OutboxMessage.state == "cancelled", dropped_rows,
                                       OutboxMessage.created_at >= start, OutboxMessage.created_at < end)
        )  # fmt: skip
    return Digest(today, programs, sent, cancelled or 0, dropped or 0)


def _section(d: Digest, lang: str) -> list[str]:
    zh = lang == "zh"
    day = format_roc(d.day) if zh else format_english(d.day)
    lines = [f"📊 {'招生每日摘要' if zh else 'Daily admissions digest'} {day}"]
    if not d.programs:
        lines.append("目前沒有進行中的招生。" if zh else "No admission round is open.")
    current = None
    for p in d.programs:
        round_name = p.round_zh if zh else p.round_en
        if round_name != current:
            current = round_name
            lines.append(f"【{round_name}】" if zh else f"[{round_name}]")
        if zh:
            lines.append(f"  {p.code} {p.name_zh}：報名 {p.registrations}｜未繳費 {p.unpaid}｜缺上傳 "
                         f"{p.missing_uploads}｜推薦函未完成 {p.pending_recommenders}")  # fmt: skip
        else:
            lines.append(f"  {p.code} {p.name_en or p.name_zh}: {p.registrations} registered | {p.unpaid} unpaid | "
                         f"{p.missing_uploads} missing uploads | {p.pending_recommenders} letters pending")  # fmt: skip
    total = sum(d.sent.values())
    parts = "、".join(f"{KINDS.get(t, (t, t))[0]} {n}" for t, n in sorted(d.sent.items())) if zh else ", ".join(
        f"{KINDS.get(t, (t, t))[1]} {n}" for t, n in sorted(d.sent.items()))  # fmt: skip
    detail = (f"（{parts}）" if zh else f" ({parts})") if parts else ""
    if zh:
        lines.append(f"昨日提醒：已送出 {total}{detail}；已完成而取消 {d.cancelled}；服務中斷逾期未送 {d.dropped}")
    else:
        lines.append(f"Reminders yesterday: {total} sent{detail}; {d.cancelled} cancelled (already done); "
                     f"{d.dropped} dropped (date passed while the service was down)")  # fmt: skip
    return lines


def digest_text(d: Digest) -> str:
    """The digest in Chinese, then English."""
    return "\n".join(_section(d, "zh") + ["", "—" * 12, ""] + _section(d, "en"))


def digest_subject(d: Digest) -> str:
    """`【招生每日摘要】115年01月02日（星期五） | Daily admissions digest, Friday, 2 January 2026`."""
    return f"【招生每日摘要】{format_roc(d.day)} | Daily admissions digest, {format_english(d.day)}"


def _telegram_body(text: str) -> str:
    if len(text) <= TELEGRAM_LIMIT:
        return text
    return text[: TELEGRAM_LIMIT - 60] + "\n…（完整內容見電子郵件 / full digest by email）"


async def enqueue_digest(ctx: Context, at: time) -> int:
    """Write today's digest once per channel when its local time has come; returns rows added."""
    settings, now = ctx.settings, ctx.clock.now()
    local = to_local(now)
    if local.time() < at:
        return 0
    day = local.date().isoformat()
    targets = {"telegram": str(settings.staff_chat_id) if settings.staff_chat_id is not None else None,
               "email": settings.staff_email}  # fmt: skip
    keys = {channel: f"digest:{day}:{channel}" for channel, to in targets.items() if to}
    if not keys:
        return 0
    async with ctx.db.sessions() as session:
        done = set(await session.scalars(select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(keys.values()))))
    if done >= set(keys.values()):
        return 0  # already written today: skip the counting queries
    d = await build_digest(ctx)
    text = digest_text(d)
    not_before = quiet_end(now, settings.quiet_window)
    messages = [
        outbox.NewMessage(channel, targets[channel] or "", key, "digest",
                          {"day": day, **({"subject": digest_subject(d)} if channel == "email" else {})},
                          body=_telegram_body(text) if channel == "telegram" else text, not_before=not_before)
        for channel, key in keys.items()
    ]  # fmt: skip
    async with ctx.db.transaction() as session:
        return await outbox.enqueue(session, messages, now)
