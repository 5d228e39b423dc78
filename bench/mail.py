"""Mail processor benchmark: messages handled per second from Dovecot to a reply arriving in the SMTP server,
and outbox sending throughput.

    python -m bench.mail [--messages 1000] [--sends 2000] [--letters 200]

Run from the repository root: it starts the throw-away Dovecot the tests use (tests/mail/dovecot.py) and an
aiosmtpd sink in a process of its own on loopback, and a fresh SQLite store per run. A reply counts as
arrived when the SMTP server has accepted it (its outbox row is marked sent after the server's 250).
Target (issue 5): at least 50 messages/s handled end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from pypdf import PdfWriter
from sqlalchemy import func, select, update

from bench.common import peak_rss_mb
from knowledge import KnowledgeBase, load_knowledge
from mail.outbox_sender import EmailOutbox, MailIdentity
from mail.receiver import ImapSettings, MailboxReceiver
from mail.replies import MailConfig, MailRouter
from mail.smtp_sender import SmtpSettings
from tests.mail.dovecot import PASSWORD, USER, Dovecot, free_port
from tests.workflows.conftest import SPEC
from workflows import outbox
from workflows.catalog import install_round
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.db import Database
from workflows.identity import national_id
from workflows.importers import import_rows
from workflows.mail_state import DbCheckpoints
from workflows.migrate import upgrade
from workflows.models import OutboxMessage, Recommender, Registration
from workflows.recommenders import add_recommender
from workflows.settings import Settings

OFFICE = "admissions@office.example"
QUESTIONS = ["轉學考報名費多少？", "How much is the application fee for the NTUT in-service master program?",
             "臺北科技大學碩士在職專班照片要多大？", "宿舍可以養貓嗎？"]  # fmt: skip


@dataclass(frozen=True)
class Run:
    """One measured run."""

    name: str
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def _mail(sender: str, to: str, body: str, attachment: bytes | None = None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Re: 詢問"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="letter.pdf")
    return message.as_bytes()


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


async def _store(folder: Path) -> Context:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    await upgrade(db)
    settings = Settings(admissions_db_url=db.url, admissions_secret="bench", letters_dir=folder / "letters")
    # The test round's recommender deadline is 2026-01-08: the clock stands before it.
    ctx = Context(db=db, settings=settings, clock=FixedClock(datetime(2026, 1, 2, 2, 0, tzinfo=UTC)))
    async with ctx.db.transaction() as session:
        await install_round(session, SPEC)
    return ctx


async def _recommenders(ctx: Context, count: int) -> list[str]:
    """``count`` registrations with one recommender each; returns their reply keys (invitations sent)."""
    rows = [(i + 2, {"round": SPEC.id, "program": "300", "serial": f"MD{i:05d}", "name": f"考生{i}",
                     "national_id": "", "birth_date": "1990-03-15", "email": f"applicant{i}@example.com",
                     "phone": "", "virtual_account": f"9793114{i:07d}"}) for i in range(count)]  # fmt: skip
    for number, row in rows:
        row["national_id"] = national_id("A", 1 + number % 2, f"{number:07d}")
    report = await import_rows(ctx, "registrations", rows)
    assert report.imported and report.created == count, report.errors[:3]
    async with ctx.db.sessions() as session:
        reg_ids = list(await session.scalars(select(Registration.id).order_by(Registration.id)))
    for i, reg_id in enumerate(reg_ids):
        assert (await add_recommender(ctx, reg_id, name=f"推薦人{i}", email=f"rec{i}@uni.example")).ok
    # The invitations count as sent: only the replies are measured.
    async with ctx.db.transaction() as session:
        await session.execute(update(OutboxMessage).values(state="sent"))
        return list(await session.scalars(select(Recommender.reply_key).order_by(Recommender.id)))


@contextlib.contextmanager
def sink_smtp() -> Iterator[int]:
    """An aiosmtpd that accepts and discards, in a process of its own as a real mail server would be (in this
    process it would compete for the interpreter lock); yields its port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "aiosmtpd",
        "-n",
        "-c",
        "aiosmtpd.handlers.Sink",
        "-l",
        f"127.0.0.1:{port}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield port
    finally:
        process.terminate()
        process.wait()


async def _sent(ctx: Context) -> int:
    """Email rows the SMTP server has accepted."""
    async with ctx.db.sessions() as session:
        found = await session.scalar(
            select(func.count()).where(OutboxMessage.channel == "email", OutboxMessage.state == "sent")
        )
        return found or 0


async def _until_sent(ctx: Context, count: int, stop_after: float = 600) -> None:
    deadline = time.monotonic() + stop_after
    while await _sent(ctx) < count:
        if time.monotonic() > deadline:
            raise TimeoutError("the run did not finish in time")
        await asyncio.sleep(0.05)


async def end_to_end(kb: KnowledgeBase, raws: list[bytes], name: str, folder: Path, prepare: int = 0,
                     per_message: int = 1) -> tuple[Run, float]:  # fmt: skip
    """Append ``raws`` to a fresh Dovecot, then time the processor until every answer (``per_message`` emails
    for each message) reached the SMTP server."""
    dovecot = Dovecot.start()
    try:
        ctx = await _store(folder)
        keys = await _recommenders(ctx, prepare) if prepare else []
        already = await _sent(ctx)
        raws = [raw.replace(b"{KEY}", key.encode()) for raw, key in zip(raws, keys, strict=False)] or raws
        started = time.perf_counter()
        with dovecot.client() as client:
            for raw in raws:
                client.append("INBOX", raw)
        append_rate = len(raws) / (time.perf_counter() - started)
        config = MailConfig(reply_base=OFFICE, own_addresses=(OFFICE,), letters_dir=folder / "letters")
        wakeup, stop = asyncio.Event(), asyncio.Event()
        imap = ImapSettings(host="127.0.0.1", port=dovecot.port, username=USER, password=PASSWORD, use_ssl=False,
                            idle_check_interval=0.2)  # fmt: skip
        receiver = MailboxReceiver(imap, DbCheckpoints(ctx), MailRouter(ctx, kb, config, wakeup))
        with sink_smtp() as port:
            smtp_settings = SmtpSettings(host="127.0.0.1", port=port, starttls=False)
            sender = EmailOutbox(ctx, smtp_settings, MailIdentity(OFFICE, OFFICE), socket.gethostname())
            started = time.perf_counter()
            tasks = [asyncio.create_task(receiver.run_forever(stop)),
                     asyncio.create_task(sender.run_forever(stop, wakeup))]  # fmt: skip
            try:
                await _until_sent(ctx, already + per_message * len(raws))
                elapsed = time.perf_counter() - started
            finally:
                stop.set()
                await asyncio.gather(*tasks)
        await ctx.db.dispose()
        return Run(name, len(raws), elapsed), append_rate
    finally:
        dovecot.stop()


async def sending(rows: int, batch: int, folder: Path) -> Run:
    """Time the email outbox sender alone: ``rows`` broadcast copies to the SMTP server."""
    ctx = await _store(folder)
    async with ctx.db.transaction() as session:
        await outbox.enqueue(session, [outbox.NewMessage("email", f"person{i}@example.com", f"bench:{i}",
                                                         "broadcast", {}, body="系統維護通知 Maintenance notice")
                                       for i in range(rows)], ctx.clock.now())  # fmt: skip
    with sink_smtp() as port:
        smtp_settings = SmtpSettings(host="127.0.0.1", port=port, starttls=False)
        sender = EmailOutbox(ctx, smtp_settings, MailIdentity(OFFICE, OFFICE), "bench", batch=batch)
        started = time.perf_counter()
        while await sender.run_once():
            pass
        elapsed = time.perf_counter() - started
    assert await _sent(ctx) == rows
    await ctx.db.dispose()
    return Run(f"outbox sender, batches of {batch}", rows, elapsed)


async def main(messages: int, sends: int, letters: int) -> None:
    kb = load_knowledge()
    questions = [
        _mail(f"asker{i}@example.com", OFFICE, QUESTIONS[i % len(QUESTIONS)]) for i in range(messages)
    ]
    pdf = _pdf()
    replies = [_mail(f"rec{i}@uni.example", "admissions+{KEY}@office.example", "附上推薦函", pdf)
               for i in range(letters)]  # fmt: skip
    declines = [_mail(f"rec{i}@uni.example", "admissions+{KEY}@office.example", "很抱歉，無法推薦。")
                for i in range(letters)]  # fmt: skip
    results: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        run, append_rate = await end_to_end(kb, questions, "applicant questions -> answers", Path(tmp) / "q")
        results.append(run)
        if letters:
            run, _ = await end_to_end(kb, replies, "recommender letters (PDF) -> thanks + notice", Path(tmp) / "l",
                                      prepare=letters, per_message=2)  # fmt: skip
            results.append(run)
            run, _ = await end_to_end(kb, declines, "recommender declines -> ack + notice", Path(tmp) / "d",
                                      prepare=letters, per_message=2)  # fmt: skip
            results.append(run)
        for batch in (50, 200):
            results.append(await sending(sends, batch, Path(tmp) / f"s{batch}"))
    print(f"IMAP APPEND (set-up, not measured): {append_rate:.0f} messages/s")
    print("| run | messages | time | throughput |")
    print("|---|---|---|---|")
    for r in results:
        print(f"| {r.name} | {r.messages:,} | {r.seconds:.2f} s | {r.rate:.0f}/s |")
    print(f"peak resident memory: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--sends", type=int, default=2000)
    parser.add_argument("--letters", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.sends, args.letters))
