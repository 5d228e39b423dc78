"""Demo data: the five documents' rounds (dates shifted so they are open now) and fictitious applicants in
every state: unpaid, paid with missing uploads, complete, recommenders pending / completed / declined.

Everything goes through the real importers, so the demo exercises the same code as an office's CSV files.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from workflows.catalog import Catalog, RoundSpec, install_round, load_catalog
from workflows.clock import TAIPEI, to_local
from workflows.context import Context
from workflows.identity import national_id
from workflows.importers import import_rows
from workflows.models import Registration

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐"
GIVEN = ["小明", "淑芬", "志豪", "怡君", "家豪", "雅婷", "俊傑", "佳穎", "冠宇", "欣怡", "建宏", "美玲"]
LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
STATES = ("unpaid", "paid_no_uploads", "paid_partial", "complete")
DEMO_NATIONAL_ID = "A123456789"  # the first demo applicant, so a person can try the lookup and /login


@dataclass(frozen=True)
class DemoSummary:
    rounds: int
    registrations: int
    first_serial: str
    first_round: str


def demo_shift(spec: RoundSpec, now: datetime, days_ahead: int = 7) -> timedelta:
    """Whole days that move the round's payment deadline to `days_ahead` days from today (Taipei)."""
    target = to_local(now).date() + timedelta(days=days_ahead)
    return timedelta(days=(target - spec.anchor().date()).days)


def _people(rng: random.Random, count: int) -> Iterator[tuple[str, str, str, str]]:
    for i in range(count):
        if i == 0:
            yield DEMO_NATIONAL_ID, "王小明", "1990-03-15", "demo.applicant@example.com"
            continue
        pid = national_id(rng.choice(LETTERS), rng.choice((1, 2)), f"{rng.randrange(10**7):07d}")
        born = f"{rng.randint(1975, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        yield pid, name, born, f"applicant{i:04d}@example.com"


async def load_demo(ctx: Context, per_round: int = 60, seed: int = 115, catalog: Catalog | None = None) -> DemoSummary:
    """Install the catalog's rounds shifted to now and register `per_round` fictitious applicants in each."""
    catalog = catalog or load_catalog()
    now = ctx.clock.now()
    rng = random.Random(seed)
    people = list(_people(rng, per_round))
    total = 0
    first = ("", "")
    for r_index, spec in enumerate(catalog.rounds):
        async with ctx.db.transaction() as session:
            await install_round(session, spec, demo_shift(spec, now))
        regs, pays, ups, recs = [], [], [], []
        for i, (pid, name, born, email) in enumerate(people):
            program = spec.programs[i % len(spec.programs)]
            serial = f"{spec.serial_prefix or 'DM'}{i + 1:04d}"
            account = f"9{r_index:02d}{i:011d}"
            state = STATES[i % len(STATES)]
            regs.append({"round": spec.id, "program": program.code, "serial": serial, "name": name,
                         "national_id": pid, "birth_date": born, "email": email, "phone": "0912-345678",
                         "virtual_account": account,
                         "registered_at": _stamp(now - timedelta(days=rng.randint(3, 20)))})  # fmt: skip
            if state != "unpaid":
                pays.append({"virtual_account": account, "amount": str(program.fee),
                             "paid_at": _stamp(now - timedelta(days=2, hours=rng.randint(0, 20))),
                             "method": rng.choice(["ATM", "WEB ATM", "臨櫃", "跨行匯款"])})  # fmt: skip
            items = program.upload_items if program.upload_items is not None else spec.upload_items
            wanted = {"paid_partial": items[: max(len(items) - 2, 1)], "complete": items}.get(state, [])
            for item in wanted:
                ext = "jpg" if item.file_type == "jpg" else "pdf"
                ups.append({"round": spec.id, "serial": serial, "item": item.code, "file_name": f"{item.code}.{ext}",
                            "size_bytes": str(rng.randint(200_000, int(item.max_mb * 1_000_000 * 0.9))),
                            "uploaded_at": _stamp(now - timedelta(days=1, minutes=rng.randint(0, 600)))})  # fmt: skip
            for k in range(min(program.recommenders_max, 2)):
                status = ("invited", "completed", "declined")[(i + k) % 3]
                recs.append({"round": spec.id, "serial": serial, "name": f"推薦人{k + 1}號", "status": status,
                             "email": f"recommender{i:04d}.{k}@univ.example", "organisation": "示範大學",
                             "title": "教授", "relationship": "指導教授",
                             "invited_at": _stamp(now - timedelta(days=3))})  # fmt: skip
        for kind, rows in (("registrations", regs), ("payments", pays), ("uploads", ups), ("recommenders", recs)):
            report = await import_rows(ctx, kind, enumerate(rows, start=2), source=f"demo:{spec.id}")
            if not report.imported:
                raise RuntimeError(f"demo {kind} for {spec.id}: {report.errors[:3]}")
        total += len(regs)
        if not first[0]:
            first = (regs[0]["serial"], spec.id)
    await _publish_some_review_results(ctx, rng)
    return DemoSummary(len(catalog.rounds), total, first[0], first[1])


async def _publish_some_review_results(ctx: Context, rng: random.Random) -> None:
    async with ctx.db.transaction() as session:
        ids = list(await session.scalars(select(Registration.id).order_by(Registration.id)))
        passed = [i for i in ids if rng.random() < 0.2]
        if passed:
            await session.execute(update(Registration).where(Registration.id.in_(passed)).values(review_result="passed"))


def _stamp(when: datetime) -> str:
    return when.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")
