"""SQLAlchemy 2 models of the admissions workflow store.

Times are stored in UTC (`UtcDateTime` makes SQLite give back aware datetimes too) and shown in Asia/Taipei.
National IDs are stored only as a keyed hash plus a masked hint.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from workflows.clock import as_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON, int: Integer}


class Round(Base):
    """An admission round, e.g. NTUT 115 碩士在職專班. Ids are shared with knowledge/data/rounds.yaml."""

    __tablename__ = "rounds"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    serial_prefix: Mapped[str] = mapped_column(String(8), default="")
    programs: Mapped[list[Program]] = relationship(back_populates="round", order_by="Program.code")
    deadlines: Mapped[list[Deadline]] = relationship(back_populates="round")


class Program(Base):
    """A program (系所組別) of a round, with its fee, required uploads and recommendation rule."""

    __tablename__ = "programs"
    __table_args__ = (UniqueConstraint("round_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    fee: Mapped[int]
    # 0 = no letters; recommenders_required = minimum letters ("at least 1"); optional when min is 0 and max > 0.
    recommenders_min: Mapped[int] = mapped_column(default=0)
    recommenders_max: Mapped[int] = mapped_column(default=0)
    round: Mapped[Round] = relationship(back_populates="programs")
    upload_items: Mapped[list[UploadItem]] = relationship(
        back_populates="program", order_by="UploadItem.position", cascade="all, delete-orphan"
    )


class UploadItem(Base):
    """An upload a program requires: type, size limit and what must happen before it unlocks."""

    __tablename__ = "upload_items"
    __table_args__ = (UniqueConstraint("program_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    file_type: Mapped[str] = mapped_column(String(8))  # "jpg" | "pdf"
    max_bytes: Mapped[int] = mapped_column(BigInteger)
    min_width: Mapped[int | None]
    min_height: Mapped[int | None]
    requires_payment: Mapped[bool] = mapped_column(default=True)
    requires_item: Mapped[str | None] = mapped_column(String(32))  # code of an item that must be uploaded first
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    program: Mapped[Program] = relationship(back_populates="upload_items")


class Deadline(Base):
    """A date of a round (registration, payment, upload, recommender, exam, results, check-in ...).

    `program_id` is set when the date belongs to one program only (e.g. its interview).
    """

    __tablename__ = "deadlines"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime | None]
    due_at: Mapped[datetime]
    label_zh: Mapped[str] = mapped_column(String(300), default="")
    label_en: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str | None] = mapped_column(String(300))
    round: Mapped[Round] = relationship(back_populates="deadlines")


class Applicant(Base):
    """A person. The national ID exists here only as a keyed hash and a masked hint."""

    __tablename__ = "applicants"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_masked: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower case; mail is matched by address
    phone: Mapped[str] = mapped_column(String(32), default="")
    email_undeliverable: Mapped[bool] = mapped_column(default=False)
    registrations: Mapped[list[Registration]] = relationship(back_populates="applicant")


class Registration(Base):
    """One applicant, one program, one serial, one fee, one virtual account."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("round_id", "serial"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"))
    serial: Mapped[str] = mapped_column(String(16), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="registered")  # registered | withdrawn
    review_result: Mapped[str | None] = mapped_column(String(16))  # None | "passed" | "failed"
    review_note: Mapped[str | None] = mapped_column(String(500))
    registered_at: Mapped[datetime]
    applicant: Mapped[Applicant] = relationship(back_populates="registrations")
    program: Mapped[Program] = relationship()
    payment: Mapped[Payment | None] = relationship(back_populates="registration", uselist=False)
    uploads: Mapped[list[Upload]] = relationship(back_populates="registration")
    recommenders: Mapped[list[Recommender]] = relationship(
        back_populates="registration", order_by="Recommender.id"
    )


class Payment(Base):
    """The fee of one registration, paid into its personal 14-digit virtual account."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), unique=True)
    virtual_account: Mapped[str] = mapped_column(String(14), unique=True)
    amount: Mapped[int]
    paid: Mapped[bool] = mapped_column(default=False)
    paid_amount: Mapped[int | None]
    paid_at: Mapped[datetime | None]
    method: Mapped[str | None] = mapped_column(String(32))
    registration: Mapped[Registration] = relationship(back_populates="payment")


class Upload(Base):
    """The last upload of one item (a new upload replaces the old one)."""

    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("registration_id", "item_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    item_code: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime]
    review_result: Mapped[str | None] = mapped_column(String(100))
    registration: Mapped[Registration] = relationship(back_populates="uploads")


class Recommender(Base):
    """A recommender of one registration. The email never changes once added."""

    __tablename__ = "recommenders"
    __table_args__ = (UniqueConstraint("registration_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    relationship_: Mapped[str] = mapped_column("relationship", String(100), default="")
    email: Mapped[str] = mapped_column(String(254), index=True)  # lower case; replies are matched by address
    phone: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="invited")  # invited | completed | declined
    reply_key: Mapped[str] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime]
    last_invited_at: Mapped[datetime]
    resend_count: Mapped[int] = mapped_column(default=0)
    resend_message: Mapped[str | None] = mapped_column(String(500))
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    letter_path: Mapped[str | None] = mapped_column(String(500))
    email_undeliverable: Mapped[bool] = mapped_column(default=False)
    registration: Mapped[Registration] = relationship(back_populates="recommenders")


class TelegramChat(Base):
    """A private chat with the bot: language, reminder choice, blocked state."""

    __tablename__ = "telegram_chats"
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    blocked: Mapped[bool] = mapped_column(default=False)
    blocked_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime]


class ChatLink(Base):
    """A Telegram user bound to a registration after proving identity and a one-time code."""

    __tablename__ = "chat_links"
    __table_args__ = (UniqueConstraint("user_id", "registration_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    linked_at: Mapped[datetime]


class LoginChallenge(Base):
    """A pending one-time code for linking a chat (stored hashed; 10 minutes, 5 tries)."""

    __tablename__ = "login_challenges"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None]


class AuthAttempt(Base):
    """One identity-guessing attempt (serial lookup, link), for the 5-in-5-minutes lockout."""

    __tablename__ = "auth_attempts"
    __table_args__ = (Index("ix_auth_attempts_requester_at", "requester", "kind", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    requester: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # ok | failed | locked | invalid
    at: Mapped[datetime]


class OutboxMessage(Base):
    """Every message to a person is a row first; a sender delivers it exactly once.

    `idempotency_key` is unique, so writing the same message twice is a no-op.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "channel", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | email
    recipient: Mapped[str] = mapped_column(String(254))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    template: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    urgent: Mapped[bool] = mapped_column(default=False)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    created_at: Mapped[datetime]


class AuditLog(Base):
    """Who did what, when. Details never hold a full national ID."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ConversationState(Base):
    """aiogram FSM state kept in the store, so several bot workers share conversations."""

    __tablename__ = "conversation_states"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class Question(Base):
    """A question an applicant asked (IDs redacted), how it was answered, and its 👍/👎 vote."""

    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    asker: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(1000))
    lang: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))  # answered | ambiguous | unsure | personal
    entry_id: Mapped[str | None] = mapped_column(String(120))
    round_id: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(default=0.0)
    vote: Mapped[int | None]  # +1 / -1
    asked_at: Mapped[datetime] = mapped_column(index=True)


class Handoff(Base):
    """A question passed to staff; answered by replying to its message in the staff chat."""

    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | email
    asker: Mapped[str] = mapped_column(String(254))  # chat id or email address
    lang: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(String(4000))
    serial: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(Text)


class Broadcast(Base):
    """An announcement from staff to a segment; its messages are outbox rows keyed `broadcast:{id}:...`."""

    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    segment: Mapped[str] = mapped_column(String(32))
    segment_arg: Mapped[str | None] = mapped_column(String(64))
    recipients: Mapped[int] = mapped_column(default=0)


class ProcessedMail(Base):
    """An incoming message the mail processor has dealt with; written in the same transaction as its effects,
    so the unique Message-ID makes handling exactly-once across crashes and re-scans."""

    __tablename__ = "processed_mail"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    folder: Mapped[str] = mapped_column(String(200))
    uid: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(254), default="")
    kind: Mapped[str] = mapped_column(String(16))  # human | auto_reply | bounce | bulk
    outcome: Mapped[str] = mapped_column(String(32))
    handled_at: Mapped[datetime] = mapped_column(index=True)


class MailCheckpoint(Base):
    """How far the IMAP receiver got in one folder: (UIDVALIDITY, last UID handled)."""

    __tablename__ = "mail_checkpoints"
    folder: Mapped[str] = mapped_column(String(200), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)


class AutoReply(Base):
    """One automatic answer sent to an address: at most one per sender per hour (mail-loop guard)."""

    __tablename__ = "auto_replies"
    __table_args__ = (Index("ix_auto_replies_address_at", "address", "sent_at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime]


class HeldMail(Base):
    """Mail kept for staff instead of being acted on (wrong sender, late reply, bad letter, unanswerable)."""

    __tablename__ = "held_mail"
    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(500))
    sender: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    recommender_id: Mapped[int | None] = mapped_column(ForeignKey("recommenders.id"))
    raw_path: Mapped[str | None] = mapped_column(String(500))  # the whole message, as a file, when kept
    received_at: Mapped[datetime] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
