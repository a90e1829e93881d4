"""The database: engines, transactions and schema migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on, on the event loop's
thread (:mod:`.sqlite`), with one writing connection. Writes take the database's write lock
at ``BEGIN`` (``BEGIN IMMEDIATE``) so that read-check-write rules such as "refuse a join when
the session is full" are serialised, also against other processes. PostgreSQL uses row locks
(``SELECT ... FOR UPDATE``) for the same rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .exceptions import DatabaseInUse, DatabaseNotReady
from .sqlite import inline_creator

log = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # Windows: the check below is skipped
    fcntl = None

ALEMBIC_DIR = Path(__file__).parent / "alembic"
AFTER_COMMIT = "studysession.after_commit"


def after_commit(db: AsyncSession, callback: Callable[[], Awaitable[None]]) -> None:
    """Run ``callback`` after the transaction of ``db`` commits (in :meth:`Store.transaction`)."""
    db.info.setdefault(AFTER_COMMIT, []).append(callback)


def redact_url(url: str) -> str:
    """The URL with its password hidden, for logs and error messages."""
    return make_url(url).render_as_string(hide_password=True)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _setup_sqlite(engine: AsyncEngine, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # let SQLAlchemy, not the driver, decide when transactions begin
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=0")  # waits happen on the loop (see .sqlite)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(begin)


class Store:
    """Owns the async engines and hands out transactions.

    ``transaction()`` is for writes (one per manager call), ``read()`` for queries.
    """

    def __init__(self, url: str, auto_upgrade: bool = False, echo: bool = False):
        self.url = url
        self.auto_upgrade = auto_upgrade
        self._opening: asyncio.Future[str] | None = None
        self.dialect = make_url(url).get_backend_name()
        if self.dialect == "sqlite":
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            connect = inline_creator(url)
            # One writing connection: writers wait their turn in order on the loop, instead of
            # each polling SQLite's write lock (its busy handler sleeps up to 100 ms a try).
            self._write_engine = create_async_engine(
                url, echo=echo, async_creator=connect, pool_size=1, max_overflow=0
            )
            _setup_sqlite(self._write_engine, "BEGIN IMMEDIATE")
            self._read_engine = create_async_engine(url, echo=echo, async_creator=connect)
            _setup_sqlite(self._read_engine, "BEGIN")
        else:
            self._write_engine = self._read_engine = create_async_engine(
                url, echo=echo, pool_pre_ping=True
            )
        self._write_sessions = async_sessionmaker(self._write_engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self._read_engine, expire_on_commit=False)
        self.ready = False
        self._server_lock = None
        self._refused: DatabaseInUse | None = None

    def claim_for_server(self, server: str, shared_bus: bool) -> None:
        """A server process is about to serve this SQLite file: make sure no other server
        process does so without a shared bus (their tabs would not see each other's live
        events). Servers with a shared bus (``bus_url``) may share the file; a server without
        one must be alone. The claim is a lock on ``<database>.server-lock`` held until
        :meth:`dispose` (or the process ends, however it ends). Raises
        :class:`DatabaseInUse`, naming the fix, and keeps refusing every request."""
        database = make_url(self.url).database
        if not self.is_sqlite or fcntl is None or not database or database == ":memory:":
            return
        path = Path(f"{database}.server-lock")
        handle = path.open("a+")
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared_bus else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            other = handle.read().strip() or "another server with a shared bus"
            handle.close()
            self._refused = DatabaseInUse(
                f"Another Jupyter server ({other}) is using the study-session database "
                f"{database}, and live events do not travel between two servers on one SQLite "
                "file. Stop the other server, or give this one its own database "
                "(c.StudySessionApp.db_url), or run both on PostgreSQL with a shared bus "
                '(c.StudySessionApp.db_url = "postgresql://…", '
                'c.StudySessionApp.bus_url = "redis://…").'
            )
            raise self._refused from None
        if not shared_bus:
            handle.truncate(0)
            handle.write(f"pid {os.getpid()}, {server}")
            handle.flush()
        self._server_lock = handle

    async def open(self) -> str:
        """Check (or create) the schema, once: at start-up or on the first request, whichever
        comes first. Raises :class:`DatabaseNotReady` (every time) if the check failed."""
        if self._refused is not None:
            raise self._refused
        if self._opening is None:
            self._opening = asyncio.ensure_future(self.check_schema(self.auto_upgrade))
        return await asyncio.shield(self._opening)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back on error.

        Callbacks registered with :func:`after_commit` run once the commit succeeded (this is
        how realtime events are published: never for a change that was rolled back). Once
        committed, the change stands: a callback that fails is logged, and neither stops the
        others nor turns the write into an error for its caller.
        """
        self._check_ready()
        async with self._write_sessions() as db:
            async with db.begin():
                yield db
            for callback in db.info.pop(AFTER_COMMIT, []):
                try:
                    await callback()
                except Exception:
                    log.exception("store: a step after a committed write failed")

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        self._check_ready()
        async with self._read_sessions() as db, db.begin():
            yield db

    def _check_ready(self) -> None:
        if not self.ready:
            raise DatabaseNotReady(
                "The study-session database is not at the current schema version. "
                "Run `jupyter studysession db upgrade` and restart the server."
            )

    # -- schema ---------------------------------------------------------------------------

    async def current_revision(self) -> str | None:
        async with self._write_engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )

    @staticmethod
    def head_revision() -> str:
        head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
        assert head is not None
        return head

    async def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with the packaged Alembic migrations."""
        config = alembic_config(self.url)

        def _upgrade(sync_connection):
            config.attributes["connection"] = sync_connection
            command.upgrade(config, revision)

        async with self._write_engine.connect() as conn:
            await conn.run_sync(_upgrade)
            await conn.commit()
        self.ready = True

    async def check_schema(self, auto_upgrade: bool = False) -> str:
        """Make the store ready: create a new database, or verify an existing one's revision.

        Returns what happened (``created``, ``upgraded``, ``current``). Raises
        :class:`DatabaseNotReady` with the command to run when an existing database is behind.
        """
        current = await self.current_revision()
        head = self.head_revision()
        if current == head:
            self.ready = True
            return "current"
        if current is None:
            await self.upgrade()
            return "created"
        if auto_upgrade:
            await self.upgrade()
            return "upgraded"
        raise DatabaseNotReady(
            f"The study-session database {redact_url(self.url)} is at revision {current}, "
            f"this version needs {head}. Back it up, then run `jupyter studysession db upgrade`."
        )

    async def dispose(self) -> None:
        if self._server_lock is not None:
            self._server_lock.close()  # releases the claim
            self._server_lock = None
        await self._write_engine.dispose()
        if self._read_engine is not self._write_engine:
            await self._read_engine.dispose()
