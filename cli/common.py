"""Wiring shared by the commands: settings -> context, async entry, one-line errors."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer

from workflows.clock import TAIPEI, as_utc, to_local
from workflows.context import Context
from workflows.db import Database
from workflows.identity import redact_ids
from workflows.migrate import upgrade_if_needed
from workflows.settings import ConfigError, Settings, default_data_dir, load_settings

P = ParamSpec("P")
T = TypeVar("T")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one clear line to stderr and return the exit to raise."""
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def settings_or_exit(**overrides: Any) -> Settings:
    """The settings, or one line naming the bad variable."""
    try:
        settings = load_settings(**overrides)
        settings.secret_key()
    except ConfigError as exc:
        raise fail(f"configuration: {exc}") from None
    return settings


def demo_db_url() -> str:
    """The demo store lives beside the default store, never in it."""
    return f"sqlite:///{default_data_dir() / 'demo.db'}"


@asynccontextmanager
async def open_context(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Context]:
    """A context on the configured store, migrated to the latest schema (SQLite needs no set-up)."""
    db = Database(settings.admissions_db_url)
    try:
        if migrate:
            await upgrade_if_needed(db)
        yield Context(db=db, settings=settings)
    finally:
        await db.dispose()


def run_async(func: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """Let a typer command be an async function; ConfigError becomes one line, not a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return asyncio.run(func(*args, **kwargs))
        except ConfigError as exc:
            raise fail(f"configuration: {exc}") from None

    return wrapper


def parse_moment(raw: str, option: str) -> datetime:
    """`2026-01-04` or `2026-01-04 09:00` (Taipei time unless an offset is given) as UTC; a bad value exits
    with one line naming ``option``."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace(" ", "T", 1))
    except ValueError:
        raise fail(f"{option}: not a date and time: {raw!r} (write e.g. 2026-01-04 or 2026-01-04 09:00, "
                   "Taipei time)") from None  # fmt: skip
    return as_utc(moment if moment.tzinfo else moment.replace(tzinfo=TAIPEI))


def taipei(moment: datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) moment as Taipei wall-clock time for a table or a line; `-` when there is none."""
    if moment is None:
        return "-"
    return f"{to_local(moment):%Y-%m-%d %H:%M:%S}" if seconds else f"{to_local(moment):%Y-%m-%d %H:%M}"


def printable(text: str) -> str:
    """Free text for the terminal, national IDs masked and control characters dropped (a mail header or body
    could otherwise carry escape sequences that drive the staff member's terminal)."""
    return _CONTROL.sub("", redact_ids(text))
