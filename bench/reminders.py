"""Reminder benchmark: planning and enqueuing deadline reminders for 100,000 registrations, then delivering
the Telegram part through the outbox sender at the channel's rate limit.

    python -m bench.reminders [--rows 100000] [--backend sqlite|postgresql|both] [--deliver-seconds 10]
                              [--rates 30,300]

The store gets one round with two programs (one asks for a recommendation letter) and `rows` registrations
in every state (a quarter unpaid, uploads complete / partial / none, letters pending or done, 40 % linked on
Telegram, some with reminders off). The scheduler then runs at every rule's firing time of the round's
calendar with a controllable clock (what `assistant serve` does as time passes), and once more at the
busiest moment to show the cost of a run that finds everything already written (the per-minute steady
state). Target (issue 6): plan + enqueue for 100,000 registrations under 30 s.

Delivery: the Telegram rows of the first run go through bot.outbox_sender.TelegramOutbox (claim, the
still-wanted check, send, mark) and aiogram's HTTP session to the Bot API stand-in, which enforces Telegram's
flood limits at the configured rate; throughput is reported as a share of that rate.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from bench.common import peak_rss_mb
from bench.store import drop_pg, pg_database
from bot.app import build_bot
from bot.outbox_sender import TelegramOutbox
from bot.sandbox import BotApiSandbox, FloodLimits
from bot.sender import TelegramSender
from workflows import outbox
from workflows.catalog import DeadlineSpec, ProgramSpec, RoundSpec, install_round, load_catalog
from workflows.clock import TAIPEI, FixedClock, as_utc
from workflows.context import Context
from workflows.db import Database
from workflows.migrate import upgrade
from workflows.models import (
    Applicant,
    Base,
    ChatLink,
    Deadline,
    OutboxMessage,
    Payment,
    Recommender,
    Registration,
    TelegramChat,
    Upload,
)
from workflows.reminder_rules import load_rules
from workflows.reminders import enqueue_due
from workflows.settings import Settings

ROUND = "bench-round"
CHUNK = 5000
FIRST_CHAT = 10_000_000


def _spec() -> RoundSpec:
    items = load_catalog().rounds[0].upload_items  # the five uploads of document 000
    return RoundSpec(
        id=ROUND, school="國立臺北科技大學", name_zh="效能測試 115 碩士在職專班", name_en="Benchmark round",
        serial_prefix="BM", upload_items=items,
        programs=[ProgramSpec(code="260", name_zh="互動設計系碩士班", name_en="Interaction Design", fee=1200),
                  ProgramSpec(code="300", name_zh="營建工程系碩士班", name_en="Civil Engineering", fee=1200,
                              recommenders_min=1, recommenders_max=2)],
        deadlines=[
            DeadlineSpec(kind="payment", due=datetime(2026, 1, 5, 23, 59)),
            DeadlineSpec(kind="upload", due=datetime(2026, 1, 6, 15, 0)),
            DeadlineSpec(kind="recommender", due=datetime(2026, 1, 8, 17, 0)),
            DeadlineSpec(kind="exam", starts=datetime(2026, 1, 20, 9, 0), due=datetime(2026, 1, 20, 12, 0),
                         place="本校第六教學大樓"),
            DeadlineSpec(kind="results", due=datetime(2026, 2, 10, 10, 0)),
        ],
    )  # fmt: skip


async def populate(ctx: Context, rows: int) -> None:
    """`rows` registrations in every state, written with bulk inserts (the importer is benchmarked elsewhere)."""
    async with ctx.db.transaction() as session:
        round_ = await install_round(session, _spec())
        await session.refresh(round_, ["programs"])
        programs = [p.id for p in round_.programs]
    for first in range(1, rows + 1, CHUNK):
        async with ctx.db.transaction() as session:
            for table, data in _people(range(first, min(first + CHUNK, rows + 1)), programs):
                if data:
                    await session.execute(insert(table), data)


def _people(ids: range, programs: list[int]) -> list[tuple[type[Base], list[dict[str, Any]]]]:
    """Rows of every table for registrations `ids`: a quarter unpaid, uploads complete / partial / none,
    letters pending for 40 % of the program that asks for them, 40 % linked on Telegram (5 % reminders off)."""
    codes = [item.code for item in _spec().upload_items]
    at = as_utc(datetime(2025, 12, 20, 10, 0, tzinfo=TAIPEI))
    applicants: list[dict[str, Any]] = []
    regs, pays, ups, recs, chats, links = [], [], [], [], [], []  # type: ignore[var-annotated]
    for i in ids:
        applicants.append({"id": i, "id_hash": f"{i:064d}", "id_masked": "A1******89", "name": "測試考生",
                           "birth_date": date(1990, 1, 1), "email": f"p{i}@example.com"})  # fmt: skip
        paid = i % 4 != 0
        regs.append({"id": i, "round_id": ROUND, "serial": f"BM{i:06d}", "applicant_id": i,
                     "program_id": programs[i % 2], "status": "registered", "registered_at": at})  # fmt: skip
        pays.append({"registration_id": i, "virtual_account": f"{i:014d}", "amount": 1200, "paid": paid,
                     "paid_amount": 1200 if paid else None, "paid_at": at if paid else None})  # fmt: skip
        if paid:
            done = {0: codes, 1: codes[:3]}.get(i % 3, [])
            ups += [{"registration_id": i, "item_code": c, "file_name": f"{c}.pdf", "size_bytes": 1000,
                     "uploaded_at": at} for c in done]  # fmt: skip
        if i % 2:
            recs.append({"registration_id": i, "name": "推薦人", "email": f"r{i}@univ.example",
                         "status": "invited" if i % 5 < 2 else "completed", "reply_key": f"key{i}",
                         "invited_at": at, "last_invited_at": at})  # fmt: skip
        if i % 10 < 4:
            chat = FIRST_CHAT + i
            chats.append({"chat_id": chat, "user_id": chat, "language": "zh" if i % 3 else "en",
                          "reminders_enabled": i % 20 != 0, "blocked": False, "first_seen_at": at})  # fmt: skip
            links.append({"user_id": chat, "chat_id": chat, "registration_id": i, "linked_at": at})
    return [(Applicant, applicants), (Registration, regs), (Payment, pays), (Upload, ups), (Recommender, recs),
            (TelegramChat, chats), (ChatLink, links)]  # fmt: skip


async def calendar(ctx: Context, clock: FixedClock) -> list[tuple[str, int, float]]:
    """Run the scheduler at every firing time of the round; (moment, rows written, seconds) per run."""
    book = load_rules()
    async with ctx.db.sessions() as session:
        dates = list(await session.scalars(select(Deadline).where(Deadline.round_id == ROUND)))
    moments = sorted({rule.fire_at(d) for rule in book.for_round(ROUND) for d in dates
                      if rule.deadline == d.kind and rule.fire_at(d) < rule.moment(d)})  # fmt: skip
    runs = []
    for moment in moments:
        clock.set(moment)
        started = time.perf_counter()
        report = await enqueue_due(ctx, book)
        runs.append((moment.astimezone(TAIPEI).strftime("%m-%d %H:%M"), report.enqueued, time.perf_counter() - started))
    return runs


async def catch_up(ctx: Context, clock: FixedClock) -> None:
    """The heaviest single run: the service comes back with every rule of 2-3 January due at once."""
    async with ctx.db.transaction() as session:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.template.startswith("reminder")))
    clock.set(as_utc(datetime(2026, 1, 3, 10, 0, tzinfo=TAIPEI)))
    started = time.perf_counter()
    report = await enqueue_due(ctx, load_rules())
    took = time.perf_counter() - started
    print(f"  catch-up run (every rule of 2-3 January due at once, all registrations concerned): "
          f"{report.enqueued:,} reminders ({report.late:,} late) in {took:.2f} s")  # fmt: skip


async def deliver(ctx: Context, clock: FixedClock, rate: float, seconds: float) -> tuple[int, float, int]:
    """Deliver Telegram rows for `seconds` at `rate`; (sent, elapsed, 429s)."""
    limits = FloodLimits(per_chat_rate=1.0, per_chat_burst=3, global_rate=rate, global_burst=max(5.0, rate / 6))
    async with BotApiSandbox(limits=limits) as sandbox:
        bot = build_bot(sandbox.token, sandbox.base_url)
        try:
            sender = TelegramSender(bot, global_rate=rate, per_chat_rate=1.0)
            before = (await outbox.counts_by_state(ctx, "reminder:")).get("sent", 0)
            stop = asyncio.Event()
            task = asyncio.create_task(TelegramOutbox(ctx, sender, f"bench-{rate}", batch=max(100, int(rate))).run_forever(stop))
            started = time.perf_counter()
            await asyncio.sleep(seconds)
            stop.set()
            await task
            elapsed = time.perf_counter() - started
            sent = (await outbox.counts_by_state(ctx, "reminder:")).get("sent", 0) - before
        finally:
            await bot.session.close()
    return sent, elapsed, sandbox.too_many_requests


async def run_backend(url: str, rows: int, seconds: float, rates: list[float]) -> None:
    db = Database(url)
    await upgrade(db)
    clock = FixedClock()
    ctx = Context(db=db, settings=Settings(admissions_db_url=url, admissions_secret="bench"), clock=clock)
    try:
        started = time.perf_counter()
        await populate(ctx, rows)
        print(f"  store filled with {rows:,} registrations in {time.perf_counter() - started:.1f} s")
        runs = await calendar(ctx, clock)
        for moment, written, took in runs:
            print(f"  run at {moment}: {written:>7,} reminders written in {took:6.2f} s ({written / took:>8,.0f}/s)")
        total_rows, total_s = sum(r[1] for r in runs), sum(r[2] for r in runs)
        busiest = max(runs, key=lambda r: r[1])
        print(f"  whole calendar: {total_rows:,} reminders in {total_s:.1f} s; busiest run {busiest[1]:,} in "
              f"{busiest[2]:.2f} s")  # fmt: skip
        clock.set(as_utc(datetime.strptime(f"2026-{busiest[0]}", "%Y-%m-%d %H:%M").replace(tzinfo=TAIPEI)))
        started = time.perf_counter()
        again = await enqueue_due(ctx, load_rules())
        print(f"  run again at the busiest moment (all written): {again.enqueued} new in "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip
        clock.set(as_utc(datetime(2026, 1, 2, 9, 0, 30, tzinfo=TAIPEI)))  # deliver the first run's reminders
        for rate in rates:
            sent, elapsed, refused = await deliver(ctx, clock, rate, seconds)
            print(f"  telegram delivery at {rate:.0f}/s: {sent:,} sent in {elapsed:.1f} s = {sent / elapsed:.1f}/s "
                  f"({sent / elapsed / rate:.0%} of the limit), 429s={refused}")  # fmt: skip
        await catch_up(ctx, clock)
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--deliver-seconds", type=float, default=10.0)
    parser.add_argument("--rates", default="30,300", help="comma-separated Telegram rates (messages/s)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            print(backend)
            if backend == "sqlite":
                await run_backend(f"sqlite:///{tmp}/bench.db", args.rows, args.deliver_seconds, rates)
            else:
                url, name = await pg_database()
                try:
                    await run_backend(url, args.rows, args.deliver_seconds, rates)
                finally:
                    await drop_pg(name)
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
