"""Engine and sessions for the store: SQLite by default, PostgreSQL (asyncpg) by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while the sender writes; busy_timeout makes writers wait instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Each pooled connection (up to 15, each with its own thread) has a page cache of its own, 2 MB by default:
    # 30 MB of `serve`'s 250 MB budget once they fill. Point lookups find the rest in the OS page cache.
    cursor.execute("PRAGMA cache_size=-512")
    cursor.close()


def _inline_writer(dbapi_connection: Any, _record: Any) -> None:
    # Never wait for the write lock on the event loop (see Database.write); transactions begin IMMEDIATE, so
    # the lock is taken, or refused, before any work.
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _is_busy(error: OperationalError) -> bool:
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED and their extended codes


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


class Database:
    """One engine and its session factory; created by the composition root, passed to services."""

    def __init__(self, url: str, **engine_kw: Any) -> None:
        self.url = normalise_url(url)
        self.engine: AsyncEngine = create_async_engine(self.url, **engine_kw)
        self._reader: Engine | None = None
        self._writer: Engine | None = None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            path = self.engine.url.database
            if path and path != ":memory:":
                # Plain sqlite3 connections for `read` and `write` on the event loop's thread.
                self._reader, self._writer = (
                    create_engine(self.engine.url.set(drivername="sqlite+pysqlite"), pool_size=1, max_overflow=0,
                                  connect_args={"check_same_thread": False})
                    for _ in range(2)
                )  # fmt: skip
                event.listen(self._reader, "connect", _sqlite_pragmas)
                event.listen(self._writer, "connect", _sqlite_pragmas)
                event.listen(self._writer, "connect", _inline_writer)
                event.listen(self._writer, "begin", _begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def read(self, work: Callable[[Connection], T]) -> T:
        """Run `work`, which only reads, on a connection of its own and return what it returns.

        On SQLite it runs right here on the event loop: a read in WAL mode never waits for a writer, and the
        few hundred microseconds of a point lookup cost less than aiosqlite's thread hand-offs (four per
        statement, plus the pool's), which were a quarter of the bot's time per update. Elsewhere it goes
        through the async engine as usual.
        """
        if self._reader is not None:
            with self._reader.connect() as connection:
                return work(connection)
        async with self.engine.connect() as connection:
            return await connection.run_sync(work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work`, a short write, in a transaction of its own and return what it returns.

        On SQLite it first tries right here on the event loop, which costs a fraction of aiosqlite's hand-offs;
        but it never waits there for the write lock, which would stall every update: when another connection
        holds the lock, the transaction (rolled back, nothing done) goes through the async engine, which waits in
        aiosqlite's thread. Elsewhere it goes through the async engine as usual.
        """
        if self._writer is not None:
            try:
                with self._writer.begin() as connection:
                    return work(connection)
            except OperationalError as error:
                if not _is_busy(error):
                    raise
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def dispose(self) -> None:
        """Close all connections."""
        await self.engine.dispose()
        for engine in (self._reader, self._writer):
            if engine is not None:
                engine.dispose()
