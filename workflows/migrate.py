"""Apply the Alembic migrations (`assistant db upgrade`, and every command's start-up when needed).

Alembic is imported only when a migration must run: a store already at the head revision (the usual case at
start-up) is recognised from the file names, which saves `assistant serve` the memory of loading Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from workflows.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision, from the file names (`0003_....py`; revisions are numbered in order)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the store's schema up to `revision`."""
    from alembic import command

    def _run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(_run)


async def current_revision(db: Database) -> str | None:
    """The revision the store is at, or None for an empty store."""
    async with db.engine.connect() as conn:
        try:
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except DBAPIError:
            return None


async def upgrade_if_needed(db: Database) -> None:
    """Migrate only when the store is behind the code."""
    if await current_revision(db) != head_revision():
        await upgrade(db)
