"""The `assistant` command: a small composition root wiring workflows, knowledge, bot and mail."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Admissions assistant (招生助理).")


def run() -> None:
    """Console-script entry point."""
    app()
