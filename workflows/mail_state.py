"""What the mail processor remembers: IMAP checkpoints, handled Message-IDs, automatic answers, held mail,
and undeliverable addresses.

Functions that take a session work inside the caller's transaction, so that the Message-ID record and the
effects of handling a message commit together (or not at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, insert, literal, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.bulk import insert_ignore, upsert
from workflows.context import Context
from workflows.identity import redact_ids
from workflows.models import (
    Applicant,
    AutoReply,
    HeldMail,
    MailCheckpoint,
    OutboxMessage,
    ProcessedMail,
    Recommender,
    Registration,
)

AUTO_REPLY_WINDOW = timedelta(hours=1)
# Addresses are stored in lower case (the importers and add_recommender fold them), so that the indexed
# columns can be compared with a lower-cased address directly.
MAX_HELD_TEXT = 20_000


class DbCheckpoints:
    """The receiver's CheckpointStore (mail.receiver) kept in the store, so a restart resumes where it was."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def load(self, folder: str) -> tuple[int, int] | None:
        """(uidvalidity, last_uid) saved for ``folder``, or None the first time."""
        async with self._ctx.db.sessions() as session:
            row = await session.get(MailCheckpoint, folder)
            return (int(row.uidvalidity), int(row.last_uid)) if row else None

    async def save(self, folder: str, uidvalidity: int, last_uid: int) -> None:
        """Remember that every UID up to ``last_uid`` under ``uidvalidity`` has been handled."""
        async with self._ctx.db.transaction() as session:
            await upsert(
                session, MailCheckpoint,
                [{"folder": folder, "uidvalidity": uidvalidity, "last_uid": last_uid}],
                ["folder"], ["uidvalidity", "last_uid"],
            )  # fmt: skip


@dataclass(frozen=True)
class MailRecord:
    """The dedupe row of one incoming message."""

    message_id: str
    folder: str
    uid: int
    sender: str
    kind: str


async def record_processed(session: AsyncSession, record: MailRecord, outcome: str, now: datetime) -> bool:
    """Record the message's Message-ID and outcome in the caller's transaction; False when another run already
    did (the caller then rolls its effects back)."""
    row = {"message_id": record.message_id[:500], "folder": record.folder, "uid": record.uid,
           "sender": record.sender[:254], "kind": record.kind, "outcome": outcome, "handled_at": now}  # fmt: skip
    return await insert_ignore(session, ProcessedMail, [row], ["message_id"]) == 1


async def take_auto_reply(session: AsyncSession, address: str, now: datetime) -> bool:
    """Reserve the one automatic answer an address may get per hour; False when it already had one.

    Two auto-responders answering each other stop here: the second message within the hour gets nothing.
    """
    address = address.strip().lower()
    if session.get_bind().dialect.name == "postgresql":
        # Two mail workers answering the same address at once would both see no recent answer under READ
        # COMMITTED: the second waits here, until the first commits, and then sees its row.
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"auto-reply:{address}"))))
    # One statement: insert unless a recent answer exists (a second round trip per message costs throughput).
    recent = select(AutoReply.id).where(
        AutoReply.address == address, AutoReply.sent_at > now - AUTO_REPLY_WINDOW
    )
    values = select(literal(address, AutoReply.address.type), literal(now, AutoReply.sent_at.type))
    taken = await session.scalar(
        insert(AutoReply)
        .from_select(["address", "sent_at"], values.where(~exists(recent)))
        .returning(AutoReply.id)
    )
    return taken is not None


async def hold_mail(
    session: AsyncSession, *, reason: str, message_id: str, sender: str, subject: str, text: str, now: datetime,
    recommender_id: int | None = None, raw_path: str | None = None,
) -> int:  # fmt: skip
    """Keep a message for staff (national IDs in its text masked); returns the held row's id."""
    held = await session.scalar(
        insert(HeldMail).values(
            reason=reason, message_id=message_id[:500], sender=sender[:254], subject=redact_ids(subject)[:500],
            text=redact_ids(text)[:MAX_HELD_TEXT], recommender_id=recommender_id, raw_path=raw_path,
            received_at=now,
        ).returning(HeldMail.id)
    )  # fmt: skip
    assert held is not None
    return held


@dataclass(frozen=True)
class BouncedRecommender:
    """A recommender whose address bounced, and the registration whose applicant should hear of it."""

    id: int
    name: str
    registration_id: int
    serial: str


@dataclass(frozen=True)
class BounceMarks:
    """Who an undeliverable address belonged to."""

    applicants: tuple[int, ...]
    recommenders: tuple[BouncedRecommender, ...]


async def mark_undeliverable(session: AsyncSession, addresses: list[str]) -> BounceMarks:
    """Flag applicants' and recommenders' addresses as undeliverable; returns only those newly flagged."""
    wanted = sorted({a.strip().lower() for a in addresses if a.strip()})
    if not wanted:
        return BounceMarks((), ())
    applicants = list(
        await session.scalars(
            update(Applicant)
            .where(Applicant.email.in_(wanted), Applicant.email_undeliverable.is_(False))
            .values(email_undeliverable=True)
            .returning(Applicant.id)
        )
    )
    rec_ids = list(
        await session.scalars(
            update(Recommender)
            .where(Recommender.email.in_(wanted), Recommender.email_undeliverable.is_(False))
            .values(email_undeliverable=True)
            .returning(Recommender.id)
        )
    )
    rows = (
        await session.execute(
            select(Recommender.id, Recommender.name, Registration.id, Registration.serial)
            .join(Registration, Registration.id == Recommender.registration_id)
            .where(Recommender.id.in_(rec_ids))
            .order_by(Recommender.id)
        )
    ).all()
    return BounceMarks(tuple(applicants), tuple(BouncedRecommender(*row) for row in rows))


async def undeliverable_among(ctx: Context, addresses: list[str]) -> set[str]:
    """Which of these addresses (lower-cased) are known to bounce."""
    wanted = sorted({a.strip().lower() for a in addresses})
    if not wanted:
        return set()
    query = union(
        select(Applicant.email).where(Applicant.email.in_(wanted), Applicant.email_undeliverable.is_(True)),
        select(Recommender.email).where(
            Recommender.email.in_(wanted), Recommender.email_undeliverable.is_(True)
        ),
    )
    async with ctx.db.sessions() as session:
        return set((await session.execute(query)).scalars())


async def bounced_addresses(session: AsyncSession, outbox_row: int | None, reported: list[str]) -> list[str]:
    """The addresses a bounce may mark: the recipient of our own returned message (found by its outbox row),
    else the reported recipients we have actually sent mail to; a forged bounce marks nothing else."""
    if outbox_row is not None:
        recipient = await session.scalar(
            select(OutboxMessage.recipient).where(
                OutboxMessage.id == outbox_row, OutboxMessage.channel == "email"
            )
        )
        if recipient:
            return [recipient]
    wanted = sorted({a.strip().lower() for a in reported if a.strip()})
    if not wanted:
        return []
    mailed = await session.scalars(
        select(func.lower(OutboxMessage.recipient))
        .where(OutboxMessage.channel == "email", func.lower(OutboxMessage.recipient).in_(wanted),
               OutboxMessage.state == "sent")
        .distinct()
    )  # fmt: skip
    return sorted(mailed)


@dataclass(frozen=True)
class AddressRegistration:
    """A registration whose applicant's email on file is a given address."""

    registration_id: int
    round_id: str


async def registrations_of_address(session: AsyncSession, address: str) -> list[AddressRegistration]:
    """Registrations (not withdrawn) whose applicant has this email on file: the only ones an email about
    personal data may be answered with."""
    rows = await session.execute(
        select(Registration.id, Registration.round_id)
        .join(Applicant, Applicant.id == Registration.applicant_id)
        .where(Applicant.email == address.strip().lower(), Registration.status == "registered")
        .order_by(Registration.id)
    )
    return [AddressRegistration(*row) for row in rows.all()]
