"""CSV imports: formats, idempotent re-import, bad rows with line and field, all-or-nothing, --skip-bad."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests.workflows.conftest import ROUND
from workflows.context import Context
from workflows.importers import import_file
from workflows.models import Applicant, OutboxMessage, Payment, Recommender, Registration, Upload

HEADER = "round,program,serial,name,national_id,birth_date,email,phone,virtual_account,registered_at\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def _count(ctx: Context, model: type) -> int:
    async with ctx.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


REGS = HEADER + (
    f"{ROUND},260,MD0026,王小明,A123456789,79/03/15,alice@example.com,0912345678,97931145130001,2025-11-20 19:30\n"
    f"{ROUND},300,MD0031,王小明,a123456789,1990-03-15,alice@example.com,,97931145130002,\n"
    f"{ROUND},260,MD0040,陳大文,B120863158,80/07/01,bob@example.com,,97931145130003,\n"
)


async def test_registrations_import_and_reimport(ctx: Context, round_: str, tmp_path: Path) -> None:
    path = _write(tmp_path, "regs.csv", REGS)
    first = await import_file(ctx, "registrations", path)
    assert (first.imported, first.rows, first.created, first.errors) == (True, 3, 3, [])
    again = await import_file(ctx, "registrations", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert await _count(ctx, Applicant) == 2  # one person, two programs
    assert await _count(ctx, Registration) == 3
    changed = _write(tmp_path, "regs2.csv", REGS.replace("bob@example.com", "bob@new.example"))
    third = await import_file(ctx, "registrations", changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    async with ctx.db.sessions() as session:
        fees = dict((await session.execute(select(Payment.virtual_account, Payment.amount))).all())
        hashes = list(await session.scalars(select(Applicant.id_hash)))
    assert fees["97931145130002"] == 1300
    assert all("A123456789" not in h for h in hashes)


async def test_bad_rows_block_the_file_unless_skipped(ctx: Context, round_: str, tmp_path: Path) -> None:
    text = HEADER + (
        f"{ROUND},260,MD0001,甲,A123456789,79/03/15,a@example.com,,97931145130001,\n"
        f"{ROUND},260,MD0002,乙,A123456788,79/03/15,b@example.com,,97931145130002,\n"  # checksum
        f"{ROUND},999,MD0003,丙,B120863158,79/03/15,c@example.com,,97931145130003,\n"  # program
        f"{ROUND},260,MD0004,丁,B120863158,79/02/30,d@example.com,,97931145130004,\n"  # impossible date
        f"{ROUND},260,MD0001,戊,B120863158,79/02/01,e@example.com,,97931145130005,\n"  # duplicate serial
        f"{ROUND},260,MD0006,己,B120863158,79/02/01,not-an-email,,9793114513000,\n"
    )
    path = _write(tmp_path, "bad.csv", text)
    report = await import_file(ctx, "registrations", path)
    assert not report.imported
    found = {(e.line, e.field) for e in report.errors}
    assert found == {(3, "national_id"), (4, "program"), (5, "birth_date"), (6, "serial"), (7, "email")}
    assert all("A123456788" not in e.message for e in report.errors)  # IDs are masked in messages
    assert await _count(ctx, Registration) == 0
    skipped = await import_file(ctx, "registrations", path, skip_bad=True)
    assert skipped.imported and skipped.created == 1 and len(skipped.errors) == 5
    assert await _count(ctx, Registration) == 1


async def test_payments_by_account_and_amount(ctx: Context, round_: str, tmp_path: Path) -> None:
    await import_file(ctx, "registrations", _write(tmp_path, "r.csv", REGS))
    bank = _write(tmp_path, "bank.csv", (
        "virtual_account,amount,paid_at,method\n"
        "97931145130001,1500,2026-01-02 09:30,ATM\n"
        "97931145130002,1000,2026-01-02 09:31,ATM\n"  # wrong amount: fee is 1,300
        "99999999999999,1500,2026-01-02 09:32,ATM\n"  # unknown account
    ))  # fmt: skip
    report = await import_file(ctx, "payments", bank)
    assert not report.imported
    assert [(e.line, e.field) for e in report.errors] == [(3, "amount"), (4, "virtual_account")]
    assert "1,300" in report.errors[0].message
    ok = await import_file(ctx, "payments", bank, skip_bad=True)
    assert ok.updated == 1
    again = await import_file(ctx, "payments", bank, skip_bad=True)
    assert (again.updated, again.unchanged) == (0, 1)
    async with ctx.db.sessions() as session:
        paid = dict((await session.execute(select(Payment.virtual_account, Payment.paid))).all())
    assert paid == {"97931145130001": True, "97931145130002": False, "97931145130003": False}


async def test_uploads_follow_the_unlock_rules(ctx: Context, round_: str, tmp_path: Path) -> None:
    await import_file(ctx, "registrations", _write(tmp_path, "r.csv", REGS))
    await import_file(ctx, "payments", _write(tmp_path, "b.csv", "virtual_account,amount,paid_at\n"
                                              "97931145130001,1500,2026-01-02 09:30\n"))  # fmt: skip
    head = "round,serial,item,file_name,size_bytes,uploaded_at\n"
    bad = _write(tmp_path, "u.csv", head + (
        f"{ROUND},MD0026,review,r.pdf,1000,2026-01-02 10:00\n"          # needs qualification first
        f"{ROUND},MD0026,photo,p.png,1000,2026-01-02 10:00\n"           # wrong type
        f"{ROUND},MD0026,id_front,f.jpg,9999999,2026-01-02 10:00\n"     # over 5 MB
        f"{ROUND},MD0040,photo,p.jpg,1000,2026-01-02 10:00\n"           # not paid
        f"{ROUND},MD0026,diploma,d.pdf,1000,2026-01-02 10:00\n"         # no such item
        f"{ROUND},MD9999,photo,p.jpg,1000,2026-01-02 10:00\n"           # no such serial
    ))  # fmt: skip
    report = await import_file(ctx, "uploads", bad)
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "item"), (3, "file_name"), (4, "size_bytes"), (5, "item"), (6, "item"), (7, "serial")]
    good = _write(tmp_path, "g.csv", head + (
        f"{ROUND},MD0026,qualification,q.pdf,1000,2026-01-02 10:00\n"
        f"{ROUND},MD0026,review,r.pdf,40000000,2026-01-02 10:05\n"
    ))  # fmt: skip
    assert (await import_file(ctx, "uploads", good)).created == 2
    newer = _write(tmp_path, "n.csv", head + f"{ROUND},MD0026,review,r2.pdf,1000,2026-01-03 08:00\n")
    assert (await import_file(ctx, "uploads", newer)).updated == 1
    assert (await import_file(ctx, "uploads", good)).unchanged == 2  # an older export does not roll back
    async with ctx.db.sessions() as session:
        names = dict((await session.execute(select(Upload.item_code, Upload.file_name))).all())
    assert names == {"qualification": "q.pdf", "review": "r2.pdf"}


async def test_recommenders_import(ctx: Context, round_: str, tmp_path: Path) -> None:
    await import_file(ctx, "registrations", _write(tmp_path, "r.csv", REGS))
    text = ("round,serial,name,email,organisation,title,relationship,phone,status,invited_at\n"
            f"{ROUND},MD0031,林教授,lin@univ.example,臺北科大,教授,指導教授,,invited,2026-01-01 10:00\n"
            f"{ROUND},MD0031,張經理,chang@corp.example,某公司,經理,主管,,completed,2026-01-01 10:00\n"
            f"{ROUND},MD0026,李老師,lee@univ.example,,,,,invited,\n"  # program 260 takes no letters
            f"{ROUND},MD0031,某人,someone@x.example,,,,,maybe,\n")  # fmt: skip
    path = _write(tmp_path, "rec.csv", text)
    report = await import_file(ctx, "recommenders", path, skip_bad=True)
    assert [(e.line, e.field) for e in report.errors] == [(4, "serial"), (5, "status")]
    assert report.created == 2
    assert (await import_file(ctx, "recommenders", path, skip_bad=True)).unchanged == 2
    async with ctx.db.sessions() as session:
        keys = list(await session.scalars(select(Recommender.reply_key)))
        invitations = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert len(set(keys)) == 2 and all(len(k) >= 20 for k in keys)
    assert invitations == 1  # only the recommender still to answer is invited


async def test_header_only_and_big5_files(ctx: Context, round_: str, tmp_path: Path) -> None:
    empty = await import_file(ctx, "registrations", _write(tmp_path, "e.csv", HEADER))
    assert (empty.rows, empty.imported) == (0, True)
    path = tmp_path / "big5.csv"
    path.write_bytes(REGS.encode("cp950"))
    assert (await import_file(ctx, "registrations", path)).created == 3
