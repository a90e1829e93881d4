"""Read-only access to the study-session database, for analytics.

:class:`AnalyticsSource` owns one async engine whose connections cannot write: SQLite files
are opened with ``mode=ro`` (the driver refuses every write), PostgreSQL sessions start with
``default_transaction_read_only = on`` (the server refuses every write). Analytics never locks
out the live server, and a mistake in a notebook cannot change the course's data.

The URL is the same as ``c.StudySessionApp.db_url`` (``sqlite+aiosqlite:///…``,
``postgresql+asyncpg://…``; ``sqlite://`` and ``postgresql://`` are read as their async
drivers). Inside the server, the analytics manager builds one from the store's URL.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import AsyncIterator

from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ..exceptions import DatabaseNotReady
from ..store import Store, redact_url

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(db_url: str) -> URL:
    """``db_url`` with an async driver (as ``StudySessionApp.db_url`` rewrites it)."""
    url = make_url(db_url)
    if url.drivername in ASYNC_DRIVERS:
        url = url.set(drivername=ASYNC_DRIVERS[url.drivername])
    return url


def read_only_url(db_url: str) -> URL:
    """The URL of a read-only connection to the same database (SQLite: ``mode=ro``)."""
    url = async_url(db_url)
    if url.get_backend_name() != "sqlite":
        return url
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise ValueError(f"analytics need a SQLite database file, not {db_url!r}")
    path = urllib.parse.quote(database)
    return url.set(database=f"file:{path}", query={**url.query, "mode": "ro", "uri": "true"})


class AnalyticsSource:
    """Read-only connections to one database: ``async with source.connect() as conn``."""

    def __init__(self, db_url: str):
        self.url = async_url(db_url).render_as_string(hide_password=False)
        target = read_only_url(db_url)
        self.dialect = target.get_backend_name()
        if self.dialect == "sqlite":
            self.engine: AsyncEngine = create_async_engine(target)

            @event.listens_for(self.engine.sync_engine, "connect")
            def _on_connect(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()

        else:
            self.engine = create_async_engine(
                target,
                pool_pre_ping=True,
                connect_args={"server_settings": {"default_transaction_read_only": "on"}},
            )
        self._checked = False

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection in one read-only transaction (one consistent snapshot on PostgreSQL
        and in SQLite's WAL mode), rolled back at the end. The first call checks that the
        database is at this version's schema."""
        async with self.engine.connect() as conn:
            if not self._checked:
                await self._check_schema(conn)
            transaction = await conn.begin()
            try:
                yield conn
            finally:
                await transaction.rollback()

    async def _check_schema(self, conn: AsyncConnection) -> None:
        try:
            current = await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
        except Exception as err:
            raise DatabaseNotReady(
                f"Cannot read the study-session database {redact_url(self.url)}: {err}"
            ) from err
        finally:
            await conn.rollback()
        head = Store.head_revision()
        if current != head:
            raise DatabaseNotReady(
                f"The study-session database {redact_url(self.url)} is at revision "
                f"{current or '(empty)'}, this version reads {head}. "
                "Run `jupyter studysession db upgrade`."
            )
        self._checked = True

    async def dispose(self) -> None:
        await self.engine.dispose()
