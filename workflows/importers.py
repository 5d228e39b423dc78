"""CSV imports from the registration system and the bank (`assistant import KIND FILE.csv`).

Re-importing a file changes nothing (upserts keyed by round + serial, virtual account, item, email). A bad row
gets its line number and field; by default nothing is imported when any row is bad (`skip_bad` imports the
good rows). Formats are documented in README.md with samples under examples/.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from workflows import audit, outbox
from workflows.bulk import upsert
from workflows.clock import TAIPEI
from workflows.context import Context
from workflows.identity import IdentityError, mask_id, parse_date, validate_id
from workflows.models import Applicant, Payment, Program, Recommender, Registration, Upload, UploadItem
from workflows.recommenders import invitation_message, new_reply_key

CHUNK = 2000
ANALYZE_EVERY = 5  # chunks
KINDS = ("registrations", "payments", "uploads", "recommenders")
COLUMNS = {
    "registrations": ("round", "program", "serial", "name", "national_id", "birth_date", "email", "phone",
                      "virtual_account", "registered_at"),
    "payments": ("virtual_account", "amount", "paid_at", "method"),
    "uploads": ("round", "serial", "item", "file_name", "size_bytes", "uploaded_at"),
    "recommenders": ("round", "serial", "name", "email", "organisation", "title", "relationship", "phone",
                     "status", "invited_at"),
}  # fmt: skip
REQUIRED = {
    "registrations": {"round", "program", "serial", "name", "national_id", "birth_date", "email", "virtual_account"},
    "payments": {"virtual_account", "amount", "paid_at"},
    "uploads": {"round", "serial", "item", "file_name", "size_bytes", "uploaded_at"},
    "recommenders": {"round", "serial", "name", "email"},
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SERIAL = re.compile(r"^[A-Z0-9]{2,16}$")
_ACCOUNT = re.compile(r"^\d{14}$")
_EXTENSIONS = {"jpg": (".jpg", ".jpeg"), "pdf": (".pdf",)}


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False


class _Bad(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def parse_when(raw: str, field_name: str) -> datetime:
    """`2026-01-03 14:22`, `2026-01-03T14:22:05`, `115/01/03 14:22` or a bare date, in Taipei time."""
    text = raw.strip().replace("T", " ")
    date_part, _, time_part = text.partition(" ")
    try:
        day = parse_date(date_part)
        hours = datetime.strptime(time_part.strip() or "00:00", "%H:%M:%S" if time_part.count(":") == 2 else "%H:%M")
    except (IdentityError, ValueError):
        raise _Bad(field_name, f"not a date and time: {raw!r} (write e.g. 2026-01-03 14:22)") from None
    return datetime.combine(day, hours.time(), tzinfo=TAIPEI)


def _int(raw: str, field_name: str) -> int:
    try:
        value = int(raw.replace(",", "").strip())
    except ValueError:
        raise _Bad(field_name, f"not a whole number: {raw!r}") from None
    if value < 0:
        raise _Bad(field_name, "must not be negative")
    return value


def _need(row: dict[str, str], name: str, pattern: re.Pattern[str] | None = None, what: str = "") -> str:
    value = (row.get(name) or "").strip()
    if not value:
        raise _Bad(name, "missing")
    if pattern is not None and not pattern.match(value):
        raise _Bad(name, f"not a valid {what or name}: {value!r}")
    return value


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows with their line numbers (the header is line 1). UTF-8 with or without BOM; Big5 as a fallback."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp950")
    reader = csv.DictReader(text.splitlines())
    for row in reader:
        yield reader.line_num, {(k or "").strip().lower(): (v or "") for k, v in row.items()}


async def import_file(
    ctx: Context, kind: str, path: Path, *, skip_bad: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import one CSV file of `kind` (registrations, payments, uploads, recommenders)."""
    return await import_rows(ctx, kind, read_csv(path), skip_bad=skip_bad, progress=progress, source=path.name)


async def import_rows(
    ctx: Context, kind: str, rows: Iterable[tuple[int, dict[str, str]]], *, skip_bad: bool = False,
    progress: Callable[[int], None] | None = None, source: str = "rows",
) -> ImportReport:  # fmt: skip
    """Validate all rows, then import them in chunks inside one transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    importer = _IMPORTERS[kind](ctx)
    report = ImportReport(kind)
    async with ctx.db.transaction() as session:
        await importer.prepare(session)
        good: list[tuple[int, dict[str, Any]]] = []
        for line, row in rows:
            report.rows += 1
            try:
                good.append((line, importer.parse(row)))
            except _Bad as bad:
                report.errors.append(RowError(line, bad.field, bad.message))
        good = await importer.check(session, good, report)
        report.errors.sort(key=lambda e: e.line)
        if report.errors and not skip_bad:
            return report
        for number, start in enumerate(range(0, len(good), CHUNK), start=1):
            chunk = [parsed for _, parsed in good[start : start + CHUNK]]
            await importer.write(session, chunk, report)
            if number % ANALYZE_EVERY == 0 and session.get_bind().dialect.name == "postgresql":
                # The planner's statistics do not see the rows this transaction adds: refresh them, or
                # later chunks' look-ups fall back to scanning the growing tables (quadratic import time).
                await session.execute(text("ANALYZE applicants, registrations, payments, uploads, recommenders"))
            if progress:
                progress(min(start + CHUNK, len(good)))
        report.imported = True
        audit.record(
            session, ctx.clock.now(), "cli", "import", f"{kind}:{source}", rows=report.rows, created=report.created,
            updated=report.updated, unchanged=report.unchanged, bad=len(report.errors),
        )  # fmt: skip
    return report


class _Importer:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def prepare(self, session: AsyncSession) -> None:
        """Load what validation needs (programs, items)."""

    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    async def check(
        self, session: AsyncSession, rows: list[tuple[int, dict[str, Any]]], report: ImportReport
    ) -> list[tuple[int, dict[str, Any]]]:
        """Checks that need the whole file or the store; bad rows go to report.errors."""
        return rows

    async def write(self, session: AsyncSession, rows: list[dict[str, Any]], report: ImportReport) -> None:
        raise NotImplementedError


def _duplicates(
    rows: list[tuple[int, dict[str, Any]]], key: Callable[[dict[str, Any]], Any], field_name: str,
    report: ImportReport,
) -> list[tuple[int, dict[str, Any]]]:  # fmt: skip
    seen: dict[Any, int] = {}
    kept = []
    for line, row in rows:
        k = key(row)
        if k in seen:
            report.errors.append(RowError(line, field_name, f"duplicate of line {seen[k]}"))
        else:
            seen[k] = line
            kept.append((line, row))
    return kept


def _by_round(keys: Iterable[tuple[str, str]], size: int = 2000) -> Iterator[tuple[str, list[str]]]:
    """(round, serials) groups for queries: one IN list per round is far cheaper than tuple IN lists."""
    groups: dict[str, list[str]] = {}
    for round_id, serial in keys:
        groups.setdefault(round_id, []).append(serial)
    for round_id, serials in groups.items():
        for start in range(0, len(serials), size):
            yield round_id, serials[start : start + size]


class _Registrations(_Importer):
    async def prepare(self, session: AsyncSession) -> None:
        rows = await session.execute(select(Program.round_id, Program.code, Program.id, Program.fee))
        self.programs = {(r, c): (i, fee) for r, c, i, fee in rows.all()}
        self.secret = self.ctx.secret

    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        round_id, code = _need(row, "round"), _need(row, "program")
        if (round_id, code) not in self.programs:
            raise _Bad("program", f"no program {code!r} in round {round_id!r}")
        try:
            valid = validate_id(_need(row, "national_id"))
        except IdentityError as exc:
            raise _Bad("national_id", f"invalid ({exc.code}): {mask_id(row['national_id'])}") from None
        try:
            born = parse_date(_need(row, "birth_date"))
        except IdentityError as exc:
            raise _Bad("birth_date", f"{exc} ({row['birth_date']!r})") from None
        program_id, fee = self.programs[(round_id, code)]
        registered = row.get("registered_at", "").strip()
        return {
            "round_id": round_id, "program_id": program_id, "fee": fee,
            "serial": _need(row, "serial", _SERIAL, "serial (letters and digits)").upper(),
            "name": _need(row, "name"), "id_hash": self.ctx.id_hash(valid), "id_masked": mask_id(valid.value),
            "birth_date": born, "email": _need(row, "email", _EMAIL, "email address").lower(),
            "phone": row.get("phone", "").strip(),
            "virtual_account": _need(row, "virtual_account", _ACCOUNT, "virtual account (14 digits)"),
            "registered_at": parse_when(registered, "registered_at") if registered else self.ctx.clock.now(),
        }  # fmt: skip

    async def check(
        self, session: AsyncSession, rows: list[tuple[int, dict[str, Any]]], report: ImportReport
    ) -> list[tuple[int, dict[str, Any]]]:
        rows = _duplicates(rows, lambda r: (r["round_id"], r["serial"]), "serial", report)
        rows = _duplicates(rows, lambda r: r["virtual_account"], "virtual_account", report)
        owners: dict[str, tuple[str, str]] = {}
        accounts = [r["virtual_account"] for _, r in rows]
        for start in range(0, len(accounts), 500):
            found = await session.execute(
                select(Payment.virtual_account, Registration.round_id, Registration.serial)
                .join(Registration, Registration.id == Payment.registration_id)
                .where(Payment.virtual_account.in_(accounts[start : start + 500]))
            )
            owners.update({a: (r, s) for a, r, s in found.all()})
        kept = []
        for line, row in rows:
            owner = owners.get(row["virtual_account"])
            if owner is not None and owner != (row["round_id"], row["serial"]):
                report.errors.append(RowError(line, "virtual_account", f"already belongs to {owner[1]}"))
            else:
                kept.append((line, row))
        return kept

    async def write(self, session: AsyncSession, rows: list[dict[str, Any]], report: ImportReport) -> None:
        keys = {(r["round_id"], r["serial"]) for r in rows}
        before = await self._snapshot(session, keys)
        people: dict[str, dict[str, Any]] = {}
        for r in rows:  # one person on several rows: the last non-empty value of each field wins
            person = people.setdefault(r["id_hash"], {})
            person.update({k: r[k] for k in ("id_hash", "id_masked", "name", "birth_date", "email", "phone") if r[k]})
        applicant_ids = dict(
            await upsert(
                session, Applicant, [{"phone": "", **p} for p in people.values()],
                ["id_hash"], ["name", "birth_date", "email", "phone"], returning=("id_hash", "id"),
            )
        )  # fmt: skip
        registered = await upsert(
            session, Registration,
            [{"round_id": r["round_id"], "serial": r["serial"], "applicant_id": applicant_ids[r["id_hash"]],
              "program_id": r["program_id"], "status": "registered", "registered_at": r["registered_at"]}
             for r in rows],
            ["round_id", "serial"], ["applicant_id", "program_id"], returning=("round_id", "serial", "id"),
        )  # fmt: skip
        reg_ids = {(r, s): i for r, s, i in registered}
        await upsert(
            session, Payment,
            [{"registration_id": reg_ids[(r["round_id"], r["serial"])], "virtual_account": r["virtual_account"],
              "amount": r["fee"], "paid": False} for r in rows],
            ["registration_id"], ["virtual_account", "amount"],
        )  # fmt: skip
        for r in rows:
            old = before.get((r["round_id"], r["serial"]))
            p = people[r["id_hash"]]
            new = (r["id_hash"], p["name"], p["birth_date"], p["email"], p.get("phone", ""), r["program_id"],
                   r["virtual_account"])  # fmt: skip
            if old is None:
                report.created += 1
            elif old == new:
                report.unchanged += 1
            else:
                report.updated += 1

    async def _snapshot(self, session: AsyncSession, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
        found: dict[tuple[str, str], tuple] = {}
        for round_id, serials in _by_round(keys):
            rows = await session.execute(
                select(
                    Registration.round_id, Registration.serial, Applicant.id_hash, Applicant.name,
                    Applicant.birth_date, Applicant.email, Applicant.phone, Registration.program_id,
                    Payment.virtual_account,
                )
                .join(Applicant, Applicant.id == Registration.applicant_id)
                .outerjoin(Payment, Payment.registration_id == Registration.id)
                .where(Registration.round_id == round_id, Registration.serial.in_(serials))
            )  # fmt: skip
            found.update({(r[0], r[1]): tuple(r[2:]) for r in rows.all()})
        return found


class _Payments(_Importer):
    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        return {
            "virtual_account": _need(row, "virtual_account", _ACCOUNT, "virtual account (14 digits)"),
            "amount": _int(_need(row, "amount"), "amount"),
            "paid_at": parse_when(_need(row, "paid_at"), "paid_at"),
            "method": row.get("method", "").strip() or None,
        }

    async def check(
        self, session: AsyncSession, rows: list[tuple[int, dict[str, Any]]], report: ImportReport
    ) -> list[tuple[int, dict[str, Any]]]:
        rows = _duplicates(rows, lambda r: r["virtual_account"], "virtual_account", report)
        accounts = [r["virtual_account"] for _, r in rows]
        self.existing: dict[str, Payment] = {}
        for start in range(0, len(accounts), 500):
            found = await session.scalars(
                select(Payment).where(Payment.virtual_account.in_(accounts[start : start + 500]))
            )
            self.existing.update({p.virtual_account: p for p in found})
        kept = []
        for line, row in rows:
            payment = self.existing.get(row["virtual_account"])
            if payment is None:
                report.errors.append(RowError(line, "virtual_account", "no registration has this account"))
            elif row["amount"] != payment.amount:
                report.errors.append(
                    RowError(line, "amount", f"paid {row['amount']:,} but the fee is {payment.amount:,}")
                )
            else:
                kept.append((line, row))
        return kept

    async def write(self, session: AsyncSession, rows: list[dict[str, Any]], report: ImportReport) -> None:
        for row in rows:
            payment = self.existing[row["virtual_account"]]
            if payment.paid and payment.paid_at == row["paid_at"] and payment.paid_amount == row["amount"]:
                report.unchanged += 1
                continue
            report.updated += 1
            payment.paid, payment.paid_amount, payment.paid_at = True, row["amount"], row["paid_at"]
            payment.method = row["method"] or payment.method
        await session.flush()


class _Uploads(_Importer):
    async def prepare(self, session: AsyncSession) -> None:
        rows = await session.scalars(select(UploadItem))
        self.items = {(i.program_id, i.code): i for i in rows}

    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        return {
            "round_id": _need(row, "round"), "serial": _need(row, "serial").upper(), "item": _need(row, "item"),
            "file_name": _need(row, "file_name"), "size_bytes": _int(_need(row, "size_bytes"), "size_bytes"),
            "uploaded_at": parse_when(_need(row, "uploaded_at"), "uploaded_at"),
        }  # fmt: skip

    async def check(
        self, session: AsyncSession, rows: list[tuple[int, dict[str, Any]]], report: ImportReport
    ) -> list[tuple[int, dict[str, Any]]]:
        rows = _duplicates(rows, lambda r: (r["round_id"], r["serial"], r["item"]), "item", report)
        keys = {(r["round_id"], r["serial"]) for _, r in rows}
        regs: dict[tuple[str, str], tuple[int, int, bool]] = {}
        for round_id, serials in _by_round(keys):
            found = await session.execute(
                select(Registration.round_id, Registration.serial, Registration.id, Registration.program_id,
                       Payment.paid)
                .outerjoin(Payment, Payment.registration_id == Registration.id)
                .where(Registration.round_id == round_id, Registration.serial.in_(serials))
            )  # fmt: skip
            regs.update({(r, s): (i, p, bool(paid)) for r, s, i, p, paid in found.all()})
        reg_ids = [v[0] for v in regs.values()]
        done: set[tuple[int, str]] = set()
        for start in range(0, len(reg_ids), 500):
            uploaded = await session.execute(
                select(Upload.registration_id, Upload.item_code).where(
                    Upload.registration_id.in_(reg_ids[start : start + 500])
                )
            )
            done.update((r, c) for r, c in uploaded.all())
        done.update(
            (regs[(r["round_id"], r["serial"])][0], r["item"]) for _, r in rows if (r["round_id"], r["serial"]) in regs
        )
        kept = []
        for line, row in rows:
            reg = regs.get((row["round_id"], row["serial"]))
            if reg is None:
                report.errors.append(RowError(line, "serial", f"no registration {row['serial']} in {row['round_id']}"))
                continue
            reg_id, program_id, paid = reg
            item = self.items.get((program_id, row["item"]))
            problem = _upload_problem(item, row, paid, (reg_id, item.requires_item) in done if item else False)
            if problem:
                report.errors.append(RowError(line, problem[0], problem[1]))
                continue
            row["registration_id"] = reg_id
            kept.append((line, row))
        return kept

    async def write(self, session: AsyncSession, rows: list[dict[str, Any]], report: ImportReport) -> None:
        existing = {
            (u.registration_id, u.item_code): u
            for u in await session.scalars(
                select(Upload).where(Upload.registration_id.in_({r["registration_id"] for r in rows}))
            )
        }
        for row in rows:
            old = existing.get((row["registration_id"], row["item"]))
            if old is None:
                report.created += 1
                session.add(Upload(registration_id=row["registration_id"], item_code=row["item"],
                                   file_name=row["file_name"], size_bytes=row["size_bytes"],
                                   uploaded_at=row["uploaded_at"]))  # fmt: skip
            elif old.uploaded_at >= row["uploaded_at"]:
                report.unchanged += 1  # the store keeps the last upload; an older export changes nothing
            else:
                report.updated += 1
                old.file_name, old.size_bytes, old.uploaded_at = row["file_name"], row["size_bytes"], row["uploaded_at"]
        await session.flush()


def _upload_problem(
    item: UploadItem | None, row: dict[str, Any], paid: bool, prerequisite_done: bool
) -> tuple[str, str] | None:
    if item is None:
        return "item", f"the program has no upload item {row['item']!r}"
    if not row["file_name"].lower().endswith(_EXTENSIONS.get(item.file_type, ())):
        return "file_name", f"{item.name_en} must be a {item.file_type.upper()} file"
    if row["size_bytes"] > item.max_bytes:
        return "size_bytes", f"{item.name_en} is limited to {item.max_bytes // (1024 * 1024)} MB"
    if item.requires_payment and not paid:
        return "item", f"{item.name_en} cannot be uploaded before the fee is paid"
    if item.requires_item and not prerequisite_done:
        return "item", f"{item.name_en} needs {item.requires_item!r} uploaded first"
    return None


class _Recommenders(_Importer):
    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        status = (row.get("status") or "invited").strip().lower()
        if status not in ("invited", "completed", "declined"):
            raise _Bad("status", f"expected invited, completed or declined, not {status!r}")
        invited = row.get("invited_at", "").strip()
        return {
            "round_id": _need(row, "round"), "serial": _need(row, "serial").upper(), "name": _need(row, "name"),
            "email": _need(row, "email", _EMAIL, "email address").lower(),
            "organisation": row.get("organisation", "").strip(), "title": row.get("title", "").strip(),
            "relationship_": row.get("relationship", "").strip(), "phone": row.get("phone", "").strip(),
            "status": status, "invited_at": parse_when(invited, "invited_at") if invited else None,
        }  # fmt: skip

    async def check(
        self, session: AsyncSession, rows: list[tuple[int, dict[str, Any]]], report: ImportReport
    ) -> list[tuple[int, dict[str, Any]]]:
        rows = _duplicates(rows, lambda r: (r["round_id"], r["serial"], r["email"]), "email", report)
        found = await session.execute(
            select(Registration.round_id, Registration.serial, Registration.id, Program.recommenders_max)
            .join(Program, Program.id == Registration.program_id)
            .where(Registration.serial.in_({r["serial"] for _, r in rows}))
        )
        regs = {(r, s): (i, m) for r, s, i, m in found.all()}
        kept = []
        for line, row in rows:
            reg = regs.get((row["round_id"], row["serial"]))
            if reg is None:
                report.errors.append(RowError(line, "serial", f"no registration {row['serial']} in {row['round_id']}"))
            elif reg[1] == 0:
                report.errors.append(RowError(line, "serial", "this program takes no recommendation letters"))
            else:
                row["registration_id"] = reg[0]
                kept.append((line, row))
        return kept

    async def write(self, session: AsyncSession, rows: list[dict[str, Any]], report: ImportReport) -> None:
        now = self.ctx.clock.now()
        existing = {
            (r.registration_id, r.email): r
            for r in await session.scalars(
                select(Recommender).where(Recommender.registration_id.in_({r["registration_id"] for r in rows}))
            )
        }
        fresh: list[Recommender] = []
        for row in rows:
            rec = existing.get((row["registration_id"], row["email"]))
            fields = {k: row[k] for k in ("name", "organisation", "title", "relationship_", "phone", "status")}
            if rec is None:
                when = row["invited_at"] or now
                rec = Recommender(registration_id=row["registration_id"], email=row["email"],
                                  reply_key=new_reply_key(), invited_at=when, last_invited_at=when, **fields)  # fmt: skip
                session.add(rec)
                fresh.append(rec)
                report.created += 1
            elif all(getattr(rec, k) == v for k, v in fields.items()):
                report.unchanged += 1
            else:
                report.updated += 1
                for k, v in fields.items():
                    setattr(rec, k, v)
        await session.flush()
        # New recommenders still to answer get our invitation: their replies route by our reply key.
        await outbox.enqueue(
            session,
            [invitation_message(rec) for rec in fresh if rec.status == "invited"],
            now,
        )  # fmt: skip


_IMPORTERS: dict[str, type[_Importer]] = {
    "registrations": _Registrations,
    "payments": _Payments,
    "uploads": _Uploads,
    "recommenders": _Recommenders,
}
