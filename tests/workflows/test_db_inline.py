"""SQLite reads and short writes run on the event loop, but never wait there for another connection's lock."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from workflows.db import Database
from workflows.migrate import upgrade


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'store.db'}")
    await upgrade(database)
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield database
    await database.dispose()


def _add(body: str, connection: Connection) -> int:
    return connection.execute(text("INSERT INTO notes (body) VALUES (:b) RETURNING id"), {"b": body}).scalar_one()


def _count(connection: Connection) -> int:
    return connection.execute(text("SELECT count(*) FROM notes")).scalar_one()


async def test_a_write_while_another_connection_holds_the_lock_waits_off_the_loop(db: Database, tmp_path: Path) -> None:
    assert await db.write(lambda c: _add("first", c)) == 1
    other = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process, say the mail worker, is writing
    other.execute("INSERT INTO notes (body) VALUES ('other')")
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    async def release_later() -> None:
        await asyncio.sleep(0.4)
        other.execute("COMMIT")

    tick, release = asyncio.create_task(ticker()), asyncio.create_task(release_later())
    start = time.monotonic()
    new_id = await db.write(lambda c: _add("second", c))
    waited = time.monotonic() - start
    tick.cancel()
    await release
    assert new_id == 3 and waited >= 0.35  # it waited for the other writer's commit, then wrote
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert gaps and max(gaps) < 0.2  # ...without stalling the event loop meanwhile
    assert await db.read(_count) == 3  # reads see committed writes from every connection
    other.close()


async def test_a_failing_write_is_rolled_back_and_not_retried(db: Database) -> None:
    def add_then_fail(connection: Connection) -> None:
        _add("doomed", connection)
        connection.execute(text("INSERT INTO missing_table VALUES (1)"))

    with pytest.raises(Exception, match="missing_table"):
        await db.write(add_then_fail)
    assert await db.read(_count) == 0
