"""Store benchmark: CSV import rate, serial lookup and status report latency with 100,000 registrations.

    python -m bench.store [--rows 100000] [--queries 2000] [--backend sqlite|postgresql|both]

Targets (issue 2): lookup and status p99 under 5 ms; import at least 5,000 rows/s.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from bench.common import peak_rss_mb, percentiles
from workflows.catalog import install_round, load_catalog
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.db import Database
from workflows.demo import demo_shift
from workflows.identity import national_id
from workflows.importers import COLUMNS, import_file
from workflows.lookup import lookup_serials
from workflows.migrate import upgrade
from workflows.settings import Settings
from workflows.status import status_report

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def write_csv(path: Path, rows: int, round_id: str, programs: list[str]) -> list[tuple[str, str]]:
    """A registrations file of `rows` distinct people; returns (national id, birth year/month) samples."""
    rng = random.Random(7)
    people = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS["registrations"])
        for i in range(rows):
            pid = national_id("ABCDEFGHJKLMNPQRSTUVXYWZIO"[i % 26], 1 + i % 2, f"{i:07d}")
            born = f"{1970 + i % 35}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            out.writerow([round_id, programs[i % len(programs)], f"BM{i:06d}", "測試考生", pid, born,
                          f"p{i}@example.com", "", f"{i:014d}", ""])  # fmt: skip
            if rng.random() < 0.02:
                people.append((pid, born[:7]))
    return people


async def run_backend(url: str, rows: int, queries: int, csv_path: Path, people: list[tuple[str, str]]) -> dict:
    db = Database(url)
    await upgrade(db)
    clock = FixedClock()
    ctx = Context(db=db, settings=Settings(admissions_db_url=url, admissions_secret="bench"), clock=clock)
    spec = load_catalog().rounds[0]
    async with db.transaction() as session:
        await install_round(session, spec, demo_shift(spec, clock.now()))
    started = time.perf_counter()
    report = await import_file(ctx, "registrations", csv_path)
    import_s = time.perf_counter() - started
    assert report.imported and report.created == rows, report.errors[:3]
    lookup_ms, status_ms = [], []
    rng = random.Random(1)
    for n in range(queries):
        pid, month = rng.choice(people)
        t0 = time.perf_counter()
        found = await lookup_serials(ctx, pid, month, requester=f"bench:{n}")
        lookup_ms.append((time.perf_counter() - t0) * 1000)
        assert found.status == "ok", found
        t0 = time.perf_counter()
        await status_report(ctx, found.registrations[0].registration_id)
        status_ms.append((time.perf_counter() - t0) * 1000)
    await db.dispose()
    return {"rows_per_s": rows / import_s, "import_s": import_s, "lookup": percentiles(lookup_ms),
            "status": percentiles(status_ms)}  # fmt: skip


async def pg_database() -> tuple[str, str]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = Database(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


async def drop_pg(name: str) -> None:
    admin = Database(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    spec = load_catalog().rounds[0]
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "registrations.csv"
        people = write_csv(csv_path, args.rows, spec.id, [p.code for p in spec.programs])
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        for backend in backends:
            if backend == "sqlite":
                result = await run_backend(f"sqlite:///{tmp}/bench.db", args.rows, args.queries, csv_path, people)
            else:
                url, name = await pg_database()
                try:
                    result = await run_backend(url, args.rows, args.queries, csv_path, people)
                finally:
                    await drop_pg(name)
            print(f"{backend:10s} import {args.rows:,} rows in {result['import_s']:.1f} s = "
                  f"{result['rows_per_s']:,.0f} rows/s | lookup p50 {result['lookup'][0]:.2f} ms "
                  f"p99 {result['lookup'][1]:.2f} ms | status p50 {result['status'][0]:.2f} ms "
                  f"p99 {result['status'][1]:.2f} ms")  # fmt: skip
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
