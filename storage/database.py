"""Engine and unit-of-work sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg).

SQLite is tuned so that a single bot process never sees "database is locked": WAL journal,
a generous ``busy_timeout``, foreign keys on, and every write transaction opened with
``BEGIN IMMEDIATE`` so that two writers queue on the lock instead of deadlocking when a reader
upgrades to a writer. Read-only units of work run in autocommit on both databases and never
block writers (WAL).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
PING_AFTER_IDLE_SECONDS = 5.0
"""A pooled PostgreSQL connection idle this long is checked before use (see _ping_when_idle)."""
_IDLE_SINCE = "preceptor_idle_since"
_READ_ONLY = "preceptor_read_only"


class UnsupportedDatabase(ValueError):
    """The URL names a database we do not run on."""


def normalise_url(raw: str) -> URL:
    """Parse a database URL, adding the async driver when only the database is named.

    Raises:
        UnsupportedDatabase: for anything but SQLite and PostgreSQL.
    """
    url = make_url(raw)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    raise UnsupportedDatabase(f"unsupported database {backend!r}: use sqlite or postgresql")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to us (the "begin" hook below) instead of the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Reads run in autocommit, like PostgreSQL's (see ``Database.read``): no BEGIN.
        if not conn.get_execution_options().get(_READ_ONLY, False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Check a pooled PostgreSQL connection before use when it sat idle ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip that cost ~0.23 ms
    of the bot's CPU per unit of work, more than most of our queries. A connection that was
    in use a moment ago is almost surely alive; one that idled may have been cut (a server
    restart, a firewall). A dead connection found here is replaced before anyone uses it. If
    the server restarts between two busy moments, the first statement on a stale connection
    fails instead, and SQLAlchemy then discards every pooled connection: at most the units
    of work already under way fail, as they would with any pinging.
    """
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)  # None: a new connection
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError() from exc  # the pool connects afresh and retries
            raise


@dataclass(frozen=True)
class SchemaState:
    """Where the database schema stands against the migrations shipped with this code."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """True when the database is at the newest migration."""
        return self.current == self.head


class Database:
    """The engine plus the two kinds of unit of work: ``session()`` writes, ``read()`` reads."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        ping_after: float = PING_AFTER_IDLE_SECONDS,
    ) -> None:
        self.url = normalise_url(url)
        kwargs: dict[str, Any] = {
            "echo": echo,
            # Every unit of work ends its transaction (commit, rollback, or Connection.close()
            # rolling back), so the pool's extra ROLLBACK on return is only a wasted round trip.
            "pool_reset_on_return": None,
        }
        if self.is_postgres:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine = create_async_engine(self.url, **kwargs)
        if self.is_postgres:
            _ping_when_idle(self.engine, ping_after)
        self._sqlite_writer: asyncio.Lock | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            self._sqlite_writer = asyncio.Lock()
        self._write = async_sessionmaker(self.engine, expire_on_commit=False)
        reads = self.engine.execution_options(**{_READ_ONLY: True})
        if self.is_postgres:
            # No BEGIN/COMMIT round trips for reads; see ``read`` for why nothing is lost.
            reads = reads.execution_options(isolation_level="AUTOCOMMIT")
        self._read = async_sessionmaker(reads, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite store."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        """True for the PostgreSQL store."""
        return self.url.get_backend_name() == "postgresql"

    def describe(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        if self._sqlite_writer is None:
            async with self._write() as session, session.begin():
                yield session
            return
        # SQLite has one writer at a time. Queue our own writers here, in FIFO order, instead of
        # letting them collide on BEGIN IMMEDIATE, where SQLite's busy handler sleeps in
        # growing steps (1, 2, 5, 10… ms) even when the lock is free again a moment later.
        # busy_timeout still covers other processes (a migration, a backup, a second bot).
        async with self._sqlite_writer, self._write() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """Read-only work that never takes SQLite's write lock, in autocommit.

        Each statement sees the data committed when it starts, which is exactly what
        PostgreSQL's default READ COMMITTED gives inside a transaction too: a unit of work
        that needs several statements to agree must read them in one statement (or write).
        Skipping BEGIN and COMMIT saves two round trips per read on PostgreSQL and two
        driver calls on SQLite, and reads are most of what the bot does.
        """
        async with self._read() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
