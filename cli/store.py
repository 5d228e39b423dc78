"""Store commands: `db upgrade`, `import`, `demo-data`, `lookup`, `status`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from sqlalchemy import func, select

from cli.common import fail, open_context, run_async, settings_or_exit
from workflows.catalog import install_round, load_catalog
from workflows.demo import load_demo
from workflows.importers import KINDS, import_file
from workflows.lookup import lookup_serials
from workflows.migrate import current_revision
from workflows.models import Registration
from workflows.status import status_report
from workflows.status_text import render_status

db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
PROGRESS_FROM = 3000  # rows; smaller files finish before a bar is worth drawing


@db_app.command("upgrade")
@run_async
async def db_upgrade() -> None:
    """Apply the migrations to ADMISSIONS_DB_URL (SQLite file by default)."""
    settings = settings_or_exit(admissions_demo=True)  # the schema needs no secret
    async with open_context(settings) as ctx:
        typer.echo(f"store at revision {await current_revision(ctx.db)}: {ctx.db.engine.url.render_as_string()}")


@run_async
async def import_csv(
    kind: Annotated[str, typer.Argument(help=f"one of: {', '.join(KINDS)}")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="import the good rows and list the bad")] = False,
) -> None:
    """Import a CSV exported by the registration system or the bank (formats in README.md)."""
    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    settings = settings_or_exit()
    lines = sum(1 for _ in file.open("rb")) - 1
    async with open_context(settings) as ctx:
        if lines >= PROGRESS_FROM:
            with Progress(transient=True) as bar:
                task = bar.add_task(f"{kind}", total=lines)
                report = await import_file(ctx, kind, file, skip_bad=skip_bad,
                                           progress=lambda n: bar.update(task, completed=n))  # fmt: skip
        else:
            report = await import_file(ctx, kind, file, skip_bad=skip_bad)
    for error in report.errors:
        typer.echo(f"{file.name}: {error}", err=True)
    if not report.imported:
        raise fail(f"nothing imported: {len(report.errors)} bad row(s); fix them or use --skip-bad", 1)
    typer.echo(
        f"{kind}: {report.rows} rows, {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} skipped"
    )


@run_async
async def demo_data(
    per_round: Annotated[int, typer.Option(help="fictitious applicants per round")] = 60,
) -> None:
    """Load the five documents' rounds (shifted to open now) and fictitious applicants in every state."""
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        summary = await load_demo(ctx, per_round=per_round)
    typer.echo(f"demo data: {summary.rounds} rounds, {summary.registrations} registrations "
               f"(try serial {summary.first_serial})")  # fmt: skip


@run_async
async def lookup(
    national_id: Annotated[str, typer.Argument(help="身分證字號 / resident certificate number")],
    birth: Annotated[str, typer.Argument(help="出生年月, e.g. 79/03 or 1990-03")],
) -> None:
    """查詢報名序號 as the office (audited, same lockout as applicants)."""
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        result = await lookup_serials(ctx, national_id, birth, requester="cli")
    if result.status != "ok":
        raise fail(f"{result.status}" + (f" ({result.reason})" if result.reason else ""), 1)
    for r in result.registrations:
        typer.echo(f"{r.serial}\t{r.round_id}\t{r.program_code} {r.program_zh}")


@run_async
async def status(
    serial: Annotated[str, typer.Argument(help="報名序號, e.g. MD0026")],
    round_id: Annotated[str | None, typer.Option("--round", help="round id, when the serial is in several")] = None,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """Print the status report of a registration (for staff)."""
    settings = settings_or_exit()
    async with open_context(settings) as ctx:
        async with ctx.db.sessions() as session:
            query = select(Registration.id).where(func.upper(Registration.serial) == serial.upper())
            if round_id:
                query = query.where(Registration.round_id == round_id)
            ids = list(await session.scalars(query))
        if len(ids) != 1:
            raise fail("no such serial" if not ids else "the serial exists in several rounds: add --round", 1)
        report = await status_report(ctx, ids[0])
    assert report is not None
    typer.echo(render_status(report, lang))


@run_async
async def catalog_install(
    file: Annotated[Path | None, typer.Argument(help="catalog YAML (default: the bundled five rounds)")] = None,
) -> None:
    """Install or update rounds, programs, upload items and dates from a catalog file."""
    settings = settings_or_exit(admissions_demo=True)  # no personal data is involved
    catalog = load_catalog(file) if file else load_catalog()
    async with open_context(settings) as ctx, ctx.db.transaction() as session:
        for spec in catalog.rounds:
            await install_round(session, spec)
    typer.echo(f"catalog: {len(catalog.rounds)} rounds, {sum(len(r.programs) for r in catalog.rounds)} programs")
