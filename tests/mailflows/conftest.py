"""The mail processor end to end: a real Dovecot in, a recording aiosmtpd out, a real store (SQLite) between.

`MailWorld` holds one office: an applicant in a program that asks for letters, one recommender, the router,
the receiver and the email outbox sender wired as `assistant serve` wires them, and helpers that play the
outside world (a recommender replying, an auto-responder answering).
"""

from __future__ import annotations

import asyncio
import email
import io
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage, Message
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter
from sqlalchemy import select

from knowledge import KnowledgeBase, load_knowledge
from mail.outbox_sender import EmailOutbox, MailIdentity
from mail.receiver import ImapSettings, MailboxReceiver
from mail.replies import MailConfig, MailRouter
from mail.smtp_sender import SmtpSettings
from tests.conftest import _truncate as truncate
from tests.mail.conftest import smtp_server  # noqa: F401  (a fixture used here)
from tests.mail.dovecot import PASSWORD, USER, Dovecot
from tests.mail.smtp_server import SmtpServer
from tests.workflows.conftest import ALICE_ID, SPEC
from workflows.catalog import install_round
from workflows.context import Context
from workflows.importers import import_rows
from workflows.mail_state import DbCheckpoints
from workflows.models import Base, ChatLink, OutboxMessage, Recommender, Registration, TelegramChat
from workflows.recommenders import add_recommender
from workflows.settings import Settings

OFFICE = "admissions@office.example"
STAFF = "staff@office.example"
APPLICANT = "alice@example.com"
RECOMMENDER = "prof.lin@university.example"
STAFF_CHAT = -1009990001


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture(scope="session")
def shared_dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the module's tests: stopping one takes a second, emptying it a few milliseconds."""
    if shutil.which("dovecot") is None:
        message = "dovecot is not installed (apt-get install -y dovecot-imapd)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = Dovecot.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dovecot(shared_dovecot: Dovecot) -> Dovecot:
    """The shared Dovecot with an empty INBOX and no other folders."""
    with shared_dovecot.client() as client:
        for _flags, _delimiter, name in client.list_folders():
            if name == "INBOX":
                client.select_folder(name)
                client.delete_messages(client.search(["ALL"]))
                client.expunge()
                client.unselect_folder()
            else:
                client.delete_folder(name)
    return shared_dovecot


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite, unless a module asks for both backends (``pytestmark = BOTH_BACKENDS``)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        url: str = request.getfixturevalue("pg_database")
        asyncio.run(truncate(url, ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)))
        return url
    path = tmp_path / "store.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


BOTH_BACKENDS = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(admissions_db_url=db_url, admissions_secret="test-secret", mail_from=OFFICE,
                    staff_email=STAFF, staff_chat_id=STAFF_CHAT, letters_dir=tmp_path / "letters")  # fmt: skip


def make_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def parse(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=SMTP)


def text_of(message: Message) -> str:
    """The plain-text body of a message we sent."""
    assert isinstance(message, EmailMessage)
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


def write_mail(*, sender: str, to: str, subject: str, body: str, in_reply_to: str | None = None,
               attachment: tuple[str, str, bytes] | None = None, message_id: str | None = None,
               headers: dict[str, str] | None = None) -> bytes:  # fmt: skip
    """A message as a person's mail client would send it."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or email.utils.make_msgid(domain=sender.rpartition("@")[2])
    message["Date"] = email.utils.formatdate()
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if attachment is not None:
        filename, content_type, data = attachment
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@dataclass
class MailWorld:
    """The office, its mailbox and its mail server, and the people writing to it."""

    ctx: Context
    kb: KnowledgeBase
    dovecot: Dovecot
    smtp: SmtpServer
    registration_id: int
    recommender_id: int
    config: MailConfig
    imap: ImapSettings
    seen: int = 0
    receivers: list[MailboxReceiver] = field(default_factory=list)

    def router(self) -> MailRouter:
        return MailRouter(self.ctx, self.kb, self.config)

    def receiver(self, **overrides: Any) -> MailboxReceiver:
        receiver = MailboxReceiver(replace(self.imap, **overrides), DbCheckpoints(self.ctx), self.router())
        self.receivers.append(receiver)
        return receiver

    def sender(self, smtp_port: int | None = None) -> EmailOutbox:
        smtp = SmtpSettings(host="127.0.0.1", port=smtp_port or self.smtp.port, starttls=False, timeout=5)
        return EmailOutbox(self.ctx, smtp, MailIdentity(OFFICE, OFFICE), "test-worker")

    async def send_outbox(self) -> list[Message]:
        """Deliver every due email row; returns the messages that arrived at the SMTP server meanwhile."""
        sender = self.sender()
        while await sender.run_once():
            pass
        return self.new_mail()

    def new_mail(self) -> list[Message]:
        """Messages that reached the SMTP server since the last look."""
        received = self.smtp.handler.received[self.seen :]
        self.seen = len(self.smtp.handler.received)
        return [parse(r.data) for r in received]

    async def receive(self, *raws: bytes) -> int:
        """Deliver ``raws`` into the office INBOX and let one receiver pass handle them."""
        for raw in raws:
            self.dovecot.append(raw)
        receiver = self.receiver()
        try:
            return await receiver.run_once()
        finally:
            await receiver.close()

    async def recommender(self) -> Recommender:
        async with self.ctx.db.sessions() as session:
            rec = await session.get(Recommender, self.recommender_id)
            assert rec is not None
            return rec

    async def outbox(self, **where: Any) -> list[OutboxMessage]:
        async with self.ctx.db.sessions() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            for name, value in where.items():
                query = query.where(getattr(OutboxMessage, name) == value)
            return list(await session.scalars(query))

    async def link_chat(self, chat_id: int = 7000000001, language: str = "zh") -> None:
        """The applicant has linked a Telegram chat to the registration."""
        now = self.ctx.clock.now()
        async with self.ctx.db.transaction() as session:
            session.add(TelegramChat(chat_id=chat_id, user_id=chat_id, language=language, first_seen_at=now))
            session.add(ChatLink(user_id=chat_id, chat_id=chat_id, registration_id=self.registration_id,
                                 linked_at=now))  # fmt: skip

    async def invitation(self) -> Message:
        """Send the pending invitation and return it as the recommender receives it."""
        sent = await self.send_outbox()
        invitations = [m for m in sent if m["To"] == RECOMMENDER]
        assert len(invitations) == 1, [m["Subject"] for m in sent]
        return invitations[0]


@pytest.fixture
async def world(ctx: Context, kb: KnowledgeBase, dovecot: Dovecot, smtp_server: SmtpServer,  # noqa: F811
                settings: Settings) -> AsyncIterator[MailWorld]:  # fmt: skip
    async with ctx.db.transaction() as session:
        await install_round(session, SPEC)
    row = {"round": SPEC.id, "program": "300", "serial": "MD0301", "name": "王小明", "national_id": ALICE_ID,
           "birth_date": "1990-03-15", "email": APPLICANT, "phone": "0912-345678",
           "virtual_account": "97931145130001"}  # fmt: skip
    report = await import_rows(ctx, "registrations", [(2, row)])
    assert report.imported, report.errors
    async with ctx.db.sessions() as session:
        reg_id = await session.scalar(select(Registration.id).where(Registration.serial == "MD0301"))
    assert reg_id is not None
    added = await add_recommender(ctx, reg_id, name="林教授", email=RECOMMENDER, organisation="某大學")
    assert added.ok and added.recommender_id is not None
    config = MailConfig(reply_base=OFFICE, own_addresses=(OFFICE, STAFF), letters_dir=settings.letters_dir,
                        staff_email=STAFF, staff_chat_id=STAFF_CHAT)  # fmt: skip
    imap = ImapSettings(host="127.0.0.1", port=dovecot.port, username=USER, password=PASSWORD, use_ssl=False,
                        idle_check_interval=0.1, backoff_initial=0.05, backoff_max=0.2, timeout=10)  # fmt: skip
    mail_world = MailWorld(ctx, kb, dovecot, smtp_server, reg_id, added.recommender_id, config, imap)
    try:
        yield mail_world
    finally:
        for receiver in mail_world.receivers:
            await receiver.close()


def file_bytes(path: str) -> bytes:
    """The contents of a file the processor stored."""
    return Path(path).read_bytes()
