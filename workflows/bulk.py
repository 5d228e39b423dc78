"""Dialect-aware bulk upserts (PostgreSQL and SQLite both speak ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Table) -> Any:
    """An INSERT that supports on_conflict_* for the session's backend."""
    name = session.bind.dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(table)


async def insert_ignore(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], keys: list[str]) -> int:
    """Insert rows, skipping those whose unique `keys` already exist. Returns rows inserted."""
    if not rows:
        return 0
    # RETURNING counts what was inserted; executemany rowcounts are not reliable across drivers.
    key_column = next(iter(table.primary_key.columns))
    stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=keys).returning(key_column)
    result = await session.execute(stmt, list(rows))
    return len(result.all())


async def upsert(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], keys: list[str], update: list[str],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:  # fmt: skip
    """Insert rows, or update the `update` columns where the unique `keys` already exist.

    With `returning`, gives back those columns of every inserted or updated row (saves a second query).
    """
    if not rows:
        return []
    stmt = dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    if returning:
        result = await session.execute(stmt.returning(*(table.c[c] for c in returning)), list(rows))
        return [tuple(row) for row in result.all()]
    await session.execute(stmt, list(rows))
    return []
