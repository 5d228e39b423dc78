"""The `assistant` command: a small composition root wiring workflows, knowledge, bot and mail."""

from __future__ import annotations

import typer

from cli.ask import ask, rounds
from cli.audit import audit_command
from cli.demo import demo
from cli.mail import mail_app
from cli.reminders import reminders_app
from cli.serve import serve
from cli.shell import shell
from cli.store import catalog_install, db_app, demo_data, import_csv, lookup, status

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Admissions assistant (招生助理).")
app.command()(ask)
app.command()(rounds)
app.add_typer(db_app, name="db")
app.command("catalog")(catalog_install)
app.command("import")(import_csv)
app.command("demo-data")(demo_data)
app.command()(lookup)
app.command()(status)
app.command()(demo)
app.command()(serve)
app.command()(shell)
app.add_typer(mail_app, name="mail")
app.add_typer(reminders_app, name="reminders")
app.command("audit")(audit_command)


def run() -> None:
    """Console-script entry point."""
    app()
