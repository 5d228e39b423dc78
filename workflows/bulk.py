"""Dialect-aware bulk upserts (PostgreSQL and SQLite both speak ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from workflows.models import Base


def _table(model: type[Base]) -> Table:
    """The model's Table (declarative models type `__table__` as the wider FromClause; ours are all Tables)."""
    return cast(Table, model.__table__)


def rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE or DELETE (their execute result is a CursorResult; 0 if the driver gives none)."""
    return cast(CursorResult[Any], result).rowcount or 0


def dialect_insert(session: AsyncSession, model: type[Base]) -> Any:
    """An INSERT that supports on_conflict_* for the session's backend."""
    name = session.get_bind().dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(_table(model))


async def insert_ignore(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], keys: list[str]
) -> int:
    """Insert rows, skipping those whose unique `keys` already exist. Returns rows inserted."""
    if not rows:
        return 0
    table = _table(model)
    # RETURNING counts what was inserted; executemany rowcounts are not reliable across drivers.
    key_column = next(iter(table.primary_key.columns))
    stmt = dialect_insert(session, model).on_conflict_do_nothing(index_elements=keys).returning(key_column)
    result = await session.execute(stmt, list(rows))
    return len(result.all())


async def upsert(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], keys: list[str], update: list[str],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:  # fmt: skip
    """Insert rows, or update the `update` columns where the unique `keys` already exist.

    With `returning`, gives back those columns of every inserted or updated row (saves a second query).
    """
    if not rows:
        return []
    stmt = dialect_insert(session, model)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    if returning:
        result = await session.execute(stmt.returning(*(_table(model).c[c] for c in returning)), list(rows))
        return [tuple(row) for row in result.all()]
    await session.execute(stmt, list(rows))
    return []
