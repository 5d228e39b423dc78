"""Deadline reminders: which are due at a moment, for whom, by which channel; written to the outbox once.

Each reminder's idempotency key is `reminder:{rule}:reg{registration id}:d{deadline id}` (`rec{id}` for a
recommender), so running again, two schedulers on one PostgreSQL store, or a restart never write it twice:
the outbox's unique key makes the second insert a no-op. Planning is set-based (a few queries per rule and
date, rows already in the outbox filtered out in SQL), so it scales to a whole round in one go.

Timing: a rule fires `days_before` the date's local day at its local time. Of the rules of one group (same
date, audience and channel) only the latest that has fired is considered, so a restart after a long outage
sends one reminder, not three. A reminder found after its time (the service was down) is sent with an honest
"late" note if its date has not passed; once the date has passed it is written as `cancelled` with the reason
(so it is dropped, logged and audited exactly once). In quiet hours a reminder waits for their end unless its
rule is urgent; one whose date would pass before that is dropped the same way.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, String, and_, cast, exists, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from workflows import audit, outbox
from workflows.context import Context
from workflows.models import (
    Applicant,
    ChatLink,
    Deadline,
    OutboxMessage,
    Payment,
    Program,
    Recommender,
    Registration,
    Round,
    TelegramChat,
    Upload,
    UploadItem,
)
from workflows.quiet_hours import quiet_end
from workflows.reminder_rules import ReminderRule, RuleBook, rules_for
from workflows.reminder_text import ReminderFacts, email_text, telegram_text
from workflows.status import UploadStatus, upload_states

log = logging.getLogger(__name__)

LATE_GRACE = timedelta(minutes=30)  # a reminder later than this after its time carries the "late" note
DROP_WINDOW = timedelta(days=2)  # dates passed longer ago than this are no longer looked at
CHUNK = 2000
ACTOR = "reminders"


@dataclass(frozen=True)
class Occasion:
    """One rule applied to one date of a round."""

    rule: ReminderRule
    deadline_id: int
    round_id: str
    program_id: int | None
    excluded_programs: tuple[int, ...]  # programs with a date of their own of this kind (round-wide date only)
    moment: datetime
    fire_at: datetime
    label_zh: str
    label_en: str
    place: str | None


@dataclass(frozen=True)
class Batch:
    """Up to CHUNK reminders of one occasion that a run would write: to send, or to record as dropped."""

    occasion: Occasion
    outcome: Literal["send", "drop"]
    reason: str | None
    messages: list[outbox.NewMessage]
    unreachable: int  # people of the audience with no usable channel (no chat, no deliverable email)


@dataclass
class RunReport:
    """What one run wrote."""

    enqueued: int = 0
    dropped: int = 0
    late: int = 0  # of the reminders planned in this run, those carrying the "late" note
    unreachable: int = 0
    digests: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def reminder_key(rule_id: str, target: str, deadline_id: int) -> str:
    """`reminder:{rule}:{reg12|rec7}:d{deadline}`."""
    return f"reminder:{rule_id}:{target}:d{deadline_id}"


async def occasions(session: AsyncSession, book: RuleBook, now: datetime) -> list[Occasion]:
    """The (rule, date) pairs whose time has come and whose date is not long past: latest rule per group."""
    rows = list(await session.scalars(select(Deadline).where(Deadline.due_at >= now - DROP_WINDOW)))
    own = {(d.round_id, d.kind, d.program_id) for d in rows if d.program_id is not None}
    best: dict[tuple[int, tuple[str, str, str]], Occasion] = {}
    for d in rows:
        excluded = tuple(sorted(p for r, k, p in own if r == d.round_id and k == d.kind)) if d.program_id is None else ()
        for rule in book.for_round(d.round_id):
            if rule.deadline != d.kind:
                continue
            moment, fire = rule.moment(d), rule.fire_at(d)
            if fire >= moment or fire > now or now - moment > DROP_WINDOW:
                continue
            current = best.get((d.id, rule.group))
            if current is None or fire > current.fire_at:
                best[(d.id, rule.group)] = Occasion(rule, d.id, d.round_id, d.program_id, excluded, moment, fire,
                                                    d.label_zh, d.label_en, d.place)  # fmt: skip
    return sorted(best.values(), key=lambda o: (o.fire_at, o.rule.id, o.deadline_id))


def _scope(o: Occasion) -> list[ColumnElement[bool]]:
    where = [Registration.round_id == o.round_id, Registration.status == "registered"]
    if o.program_id is not None:
        where.append(Registration.program_id == o.program_id)
    elif o.excluded_programs:
        where.append(Registration.program_id.not_in(o.excluded_programs))
    return where


def audience_condition(who: str) -> ColumnElement[bool]:
    """Registrations that still have the thing to do (needs Payment outer-joined; recommender rules select
    recommenders instead)."""
    if who == "unpaid":
        return Payment.paid.is_(False)
    # Aliases keep these subqueries apart from the same tables in the queries that embed them.
    if who == "uploads_missing":
        item, upload = aliased(UploadItem), aliased(Upload)
        missing = (
            select(item.id)
            .where(item.program_id == Registration.program_id, item.required.is_(True))
            .where(~exists().where(and_(upload.registration_id == Registration.id, upload.item_code == item.code))
                   .correlate(Registration, item))  # fmt: skip
        )
        return exists(missing)
    if who == "recommenders_pending":
        rec = aliased(Recommender)
        return exists().where(and_(rec.registration_id == Registration.id, rec.status == "invited"))
    if who == "eligible":
        return and_(Payment.paid.is_(True), or_(Registration.review_result.is_(None), Registration.review_result != "failed"))
    raise ValueError(f"no registration audience {who!r}")


def _not_written(o: Occasion, prefix: str, id_column: Any) -> ColumnElement[bool]:
    """No outbox row with this reminder's key yet (an index probe on the unique key per candidate)."""
    key = literal(f"reminder:{o.rule.id}:{prefix}", String) + cast(id_column, String) + literal(f":d{o.deadline_id}", String)
    return ~exists().where(OutboxMessage.idempotency_key == key)


async def _reminder_chats(session: AsyncSession, o: Occasion) -> dict[int, tuple[int, str]]:
    """Per registration of the occasion's round, one linked chat that takes reminders (on, not blocked).

    A separate query rather than a grouped join: a join on an aggregate misleads PostgreSQL's planner into
    nested loops over the whole round (a minute instead of a second at 100,000 registrations).
    """
    rows = await session.execute(
        select(ChatLink.registration_id, TelegramChat.chat_id, TelegramChat.language)
        .join(TelegramChat, TelegramChat.chat_id == ChatLink.chat_id)
        .join(Registration, Registration.id == ChatLink.registration_id)
        .where(Registration.round_id == o.round_id, TelegramChat.reminders_enabled.is_(True),
               TelegramChat.blocked.is_(False))  # fmt: skip
        .order_by(TelegramChat.chat_id)
    )
    return {reg_id: (chat_id, lang) for reg_id, chat_id, lang in rows.all()}  # the latest chat id wins


@dataclass(frozen=True)
class _Timing:
    now: datetime
    not_before: datetime | None
    scheduled: datetime

    @property
    def send_at(self) -> datetime:
        return self.not_before or self.now

    def late_since(self, since: datetime) -> datetime | None:
        """The time the reminder was due, when it goes out late to someone who was already there."""
        late = self.now > self.scheduled + LATE_GRACE and since <= self.scheduled
        return self.scheduled if late else None


@dataclass(frozen=True)
class _Pending:
    """One reminder decided on, not yet rendered (texts are rendered a chunk at a time to bound memory)."""

    channel: str
    recipient: str
    lang: str
    key: str
    registration_id: int
    facts: ReminderFacts
    payload: dict[str, Any]


class _Builder:
    """Decides the channel of each person of one occasion, and renders their messages in chunks."""

    def __init__(self, o: Occasion, timing: _Timing) -> None:
        self.o, self.timing = o, timing
        self.pending: list[_Pending] = []
        self.unreachable = 0

    def facts(self, row: Any, person: str, since: datetime, **extra: Any) -> ReminderFacts:
        o = self.o
        return ReminderFacts(
            o.rule.template, o.rule.deadline, o.moment, self.timing.send_at, o.label_zh, o.label_en, o.place,
            row.serial, person, row.applicant, row.program_zh, row.program_en, row.round_zh, row.round_en,
            late_since=self.timing.late_since(since), **extra,
        )  # fmt: skip

    def add(self, target: str, registration_id: int, facts: ReminderFacts, chat: tuple[int, str] | None,
            email: str | None, **payload: Any) -> None:  # fmt: skip
        """Telegram when the rule allows and a chat takes reminders, else email; neither: unreachable."""
        o, rule = self.o, self.o.rule
        channel = rule.channel
        if channel == "auto":
            channel = "telegram" if chat else "email"
        if (channel == "telegram" and not chat) or (channel == "email" and not email):
            self.unreachable += 1
            return
        recipient, lang = (str(chat[0]), chat[1]) if channel == "telegram" and chat else (email or "", "zh")
        data = {"rule": rule.id, "who": rule.who, "deadline_id": o.deadline_id, "moment": o.moment.isoformat(),
                "registration_id": registration_id, "serial": facts.serial, "late": facts.late_since is not None,
                **payload}  # fmt: skip
        key = reminder_key(rule.id, target, o.deadline_id)
        self.pending.append(_Pending(channel, recipient, lang, key, registration_id, facts, data))

    def render(self, p: _Pending) -> outbox.NewMessage:
        """The outbox row: the whole text in `body` (Telegram: the chat's language; email: zh then en)."""
        payload = p.payload
        if p.channel == "telegram":
            body = telegram_text(p.facts, p.lang)
        else:
            subject, body = email_text(p.facts)
            payload = {**payload, "subject": subject}
        rule = self.o.rule
        return outbox.NewMessage(p.channel, p.recipient, p.key, rule.template, payload, body=body, lang=p.lang,
                                 not_before=self.timing.not_before, urgent=rule.urgent,
                                 registration_id=p.registration_id)  # fmt: skip


async def _registration_batch(session: AsyncSession, o: Occasion, b: _Builder) -> None:
    where = [*_scope(o), audience_condition(o.rule.who), _not_written(o, "reg", Registration.id)]
    rows = (
        await session.execute(
            select(
                Registration.id, Registration.serial, Registration.registered_at, Registration.program_id,
                Applicant.name.label("applicant"), Applicant.email, Applicant.email_undeliverable,
                Program.name_zh.label("program_zh"), Program.name_en.label("program_en"),
                Round.name_zh.label("round_zh"), Round.name_en.label("round_en"), Payment.amount, Payment.paid,
            )
            .join(Applicant, Applicant.id == Registration.applicant_id)
            .join(Program, Program.id == Registration.program_id)
            .join(Round, Round.id == Registration.round_id)
            .outerjoin(Payment, Payment.registration_id == Registration.id)
            .where(*where)
            .order_by(Registration.id)
        )
    ).all()
    if not rows:
        return
    chats = await _reminder_chats(session, o) if o.rule.channel != "email" else {}
    uploads = await _open_uploads(session, o, where, rows) if o.rule.who == "uploads_missing" else {}
    pending = await _pending_recommenders(session, where) if o.rule.who == "recommenders_pending" else {}
    for row in rows:
        facts = b.facts(row, row.applicant, row.registered_at, amount=row.amount,
                        uploads=uploads.get(row.id, ()), pending=pending.get(row.id, ()))  # fmt: skip
        email = None if row.email_undeliverable else row.email
        b.add(f"reg{row.id}", row.id, facts, chats.get(row.id), email)


async def _open_uploads(
    session: AsyncSession, o: Occasion, where: list[ColumnElement[bool]], rows: Sequence[Any]
) -> dict[int, tuple[UploadStatus, ...]]:
    """Per registration, its required items not uploaded yet, with the reason each locked one is locked."""
    items: dict[int, list[UploadItem]] = {}
    programs = {row.program_id for row in rows}
    for item in await session.scalars(select(UploadItem).where(UploadItem.program_id.in_(programs)).order_by(UploadItem.position)):
        items.setdefault(item.program_id, []).append(item)
    done: dict[int, set[str]] = {}
    uploaded = await session.execute(
        select(Upload.registration_id, Upload.item_code)
        .join(Registration, Registration.id == Upload.registration_id)
        .outerjoin(Payment, Payment.registration_id == Registration.id)
        .where(*where)
    )
    for reg_id, code in uploaded.all():
        done.setdefault(reg_id, set()).add(code)
    placeholder = Upload(item_code="", file_name="", size_bytes=0)  # only "is there an upload" matters here
    # Thousands of registrations share a (program, paid, uploaded items) state: compute each state once.
    states: dict[tuple[int, bool, frozenset[str]], tuple[UploadStatus, ...]] = {}
    result = {}
    for row in rows:
        state = (row.program_id, bool(row.paid), frozenset(done.get(row.id, ())))
        if state not in states:
            pairs = [(item, placeholder if item.code in state[2] else None) for item in items.get(row.program_id, [])]
            found = upload_states(pairs, state[1], closed=False)  # the same lock rules as /status
            states[state] = tuple(u for u in found if u.state != "done" and u.required)
        result[row.id] = states[state]
    return result


async def _pending_recommenders(
    session: AsyncSession, where: list[ColumnElement[bool]]
) -> dict[int, tuple[tuple[str, datetime], ...]]:
    rows = await session.execute(
        select(Recommender.registration_id, Recommender.name, Recommender.last_invited_at)
        .join(Registration, Registration.id == Recommender.registration_id)
        .outerjoin(Payment, Payment.registration_id == Registration.id)
        .where(Recommender.status == "invited", *where)
        .order_by(Recommender.id)
    )
    result: dict[int, list[tuple[str, datetime]]] = {}
    for reg_id, name, last in rows.all():
        result.setdefault(reg_id, []).append((name, last))
    return {k: tuple(v) for k, v in result.items()}


async def _recommender_batch(session: AsyncSession, o: Occasion, b: _Builder) -> None:
    rows = (
        await session.execute(
            select(
                Recommender.id, Recommender.name, Recommender.email, Recommender.invited_at, Recommender.reply_key,
                Registration.id.label("registration_id"), Registration.serial, Applicant.name.label("applicant"),
                Program.name_zh.label("program_zh"), Program.name_en.label("program_en"),
                Round.name_zh.label("round_zh"), Round.name_en.label("round_en"),
            )
            .join(Registration, Registration.id == Recommender.registration_id)
            .join(Applicant, Applicant.id == Registration.applicant_id)
            .join(Program, Program.id == Registration.program_id)
            .join(Round, Round.id == Registration.round_id)
            .where(*_scope(o), Recommender.status == "invited", Recommender.email_undeliverable.is_(False),
                   _not_written(o, "rec", Recommender.id))  # fmt: skip
            .order_by(Recommender.id)
        )
    ).all()
    for row in rows:
        facts = b.facts(row, row.name, row.invited_at)
        b.add(f"rec{row.id}", row.registration_id, facts, None, row.email, recommender_id=row.id,
              reply_key=row.reply_key)  # fmt: skip


def _timing(ctx: Context, o: Occasion, now: datetime) -> tuple[_Timing, str | None]:
    """When the reminders of an occasion go out, and why they are dropped instead (None: they are sent)."""
    window = ctx.settings.quiet_window
    not_before = None if o.rule.urgent else quiet_end(now, window)
    scheduled = o.fire_at if o.rule.urgent else (quiet_end(o.fire_at, window) or o.fire_at)
    timing = _Timing(now, not_before, scheduled)
    if now >= o.moment:
        return timing, "the date passed before the reminder could be sent (service down)"
    if not_before is not None and not_before >= o.moment:
        return timing, "the date passes before quiet hours end"
    return timing, None


async def plan(ctx: Context, book: RuleBook | None = None) -> AsyncIterator[Batch]:
    """The reminders a run at `ctx.clock.now()` would write, one batch per occasion. Writes nothing."""
    book = book or rules_for(ctx.settings)
    now = ctx.clock.now()
    async with ctx.db.sessions() as session:
        found = await occasions(session, book, now)
    for o in found:
        timing, reason = _timing(ctx, o, now)
        builder = _Builder(o, timing)
        async with ctx.db.sessions() as session:
            if o.rule.who == "recommender":
                await _recommender_batch(session, o, builder)
            else:
                await _registration_batch(session, o, builder)
        unreachable = builder.unreachable
        for start in range(0, len(builder.pending), CHUNK):
            messages = [builder.render(p) for p in builder.pending[start : start + CHUNK]]
            yield Batch(o, "drop" if reason else "send", reason, messages, unreachable)
            unreachable = 0  # counted once per occasion
        if unreachable:
            yield Batch(o, "drop" if reason else "send", reason, [], unreachable)


async def write(ctx: Context, batch: Batch) -> int:
    """Write one batch to the outbox in one transaction; dropped ones as `cancelled` with the reason, with one
    audit row per batch (up to CHUNK reminders).

    Returns the rows this call added (0 when another scheduler was first).
    """
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        added = 0
        added += await outbox.enqueue(session, batch.messages, now)
        if batch.outcome == "drop" and added:
            keys = [m.idempotency_key for m in batch.messages]
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.idempotency_key.in_(keys), OutboxMessage.state == "pending")
                .values(state="cancelled", last_error=f"dropped: {batch.reason}"[:500])
            )
            o = batch.occasion
            audit.record(session, now, ACTOR, "reminder_dropped", f"{o.rule.id}:d{o.deadline_id}", count=added,
                         reason=batch.reason, date=o.moment.isoformat())  # fmt: skip
    if batch.outcome == "drop" and added:
        log.warning("dropped %d reminder(s) of rule %s (date %d): %s", added, batch.occasion.rule.id,
                    batch.occasion.deadline_id, batch.reason)  # fmt: skip
    return added


async def enqueue_due(ctx: Context, book: RuleBook | None = None) -> RunReport:
    """Plan and write every reminder due now. Safe to run again and from several processes at once."""
    report = RunReport()
    async for batch in plan(ctx, book):
        added = await write(ctx, batch)
        report.unreachable += batch.unreachable
        if batch.outcome == "drop":
            report.dropped += added
            continue
        report.enqueued += added
        report.late += sum(bool(m.payload.get("late")) for m in batch.messages)
        rule = batch.occasion.rule.id
        report.by_rule[rule] = report.by_rule.get(rule, 0) + added
    return report
