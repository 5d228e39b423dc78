"""Shared fixtures: a migrated store on SQLite and on PostgreSQL, a controllable clock, a context.

Tests that take `ctx` run once per backend. PostgreSQL is at 127.0.0.1:5432 (trust auth); each test run gets a
throw-away database of its own. Missing PostgreSQL skips those runs locally and fails them under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

import bot  # noqa: F401 - first: aiogram is imported as serve imports it, models built on use (bot/lazy_models.py)
from workflows.clock import FixedClock
from workflows.context import Context
from workflows.db import Database
from workflows.migrate import upgrade
from workflows.models import Base
from workflows.settings import Settings

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# The built knowledge base is cached between test processes in a directory of this run, not the user's own.
os.environ.setdefault("KNOWLEDGE_CACHE_DIR", tempfile.mkdtemp(prefix="knowledge-cache-"))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def require_redis(client: Redis) -> None:
    """Ping `client`; without Redis the test skips locally and fails under CI=true (the client is closed)."""
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no Redis here"
        await client.aclose()
        if IN_CI:
            pytest.fail(f"Redis is required under CI=true: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def _admin(sql: str) -> None:
    db = Database(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await db.dispose()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("store") / "template.db"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test run, migrated once."""
    name = f"admissions_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    asyncio.run(_migrate(_pg_url(name)))
    yield _pg_url(name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of an empty, migrated store, once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    asyncio.run(_truncate(url, tables))
    return url


async def _truncate(url: str, tables: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """A clock that moves only when the test says so: 2026-01-02 10:00 Taipei."""
    return FixedClock(datetime(2026, 1, 2, 2, 0, tzinfo=UTC))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(admissions_db_url=db_url, admissions_secret="test-secret", staff_telegram_ids="")


@pytest.fixture
async def ctx(settings: Settings, clock: FixedClock) -> AsyncIterator[Context]:
    """A context on a fresh store (parametrised over SQLite and PostgreSQL)."""
    db = Database(settings.admissions_db_url)
    try:
        yield Context(db=db, settings=settings, clock=clock)
    finally:
        await db.dispose()
