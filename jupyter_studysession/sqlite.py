"""SQLite on the event loop's own thread, for the store's engines.

aiosqlite runs every call (cursor, execute, fetch, commit) on a worker thread of its
connection and hands the result back to the loop. A statement takes several such calls, and
each hand-off costs two thread switches; on a server confined to one core the loop thread
then waits for the GIL as well, for milliseconds under load (the profile in
``benchmarks/README.md``). The statements of this package take microseconds: running them
where they are awaited is cheaper than handing them off.

The one wait that could hold the loop is another process's write lock (a second server on
the same file, a command-line tool). So these connections never wait inside SQLite (no busy
timeout): a call that finds the database locked is tried again after an asyncio sleep, for
up to ``busy_seconds``, while the loop serves everything else.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url

BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's API (what SQLAlchemy's ``aiosqlite`` dialect drives), with every call
    made on the calling thread."""

    busy_seconds = 30.0

    def __init__(self, connector, iter_chunk_size: int = 64):
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunAtOnce()  # SQLAlchemy's adapter queues some calls there directly

    def __await__(self):
        return self._connect().__await__()  # no worker thread to start

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn, *args, **kwargs) -> Any:
        if self._connection is None:
            raise ValueError("Connection closed")
        delay = waited = 0.0
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as err:
                if getattr(err, "sqlite_errorcode", None) not in BUSY:
                    raise
                if waited >= self.busy_seconds:
                    raise
            # refused before it did anything: wait for the other process, then again
            delay = min(0.05, max(0.001, 2 * delay))
            await asyncio.sleep(delay)
            waited += delay

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


class _RunAtOnce:
    """In place of aiosqlite's queue to its worker thread: runs each ``(future, call)`` now."""

    @staticmethod
    def put_nowait(item) -> None:
        future, call = item
        try:
            result = call()
        except Exception as err:
            if future is None:
                raise
            future.set_exception(err)
        else:
            if future is not None:
                future.set_result(result)


def inline_creator(url: str):
    """``async_creator`` for :func:`~sqlalchemy.ext.asyncio.create_async_engine`: connections
    to the SQLite database of ``url`` (with the URL's options), made and used inline."""
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    kwargs = {**kwargs, "timeout": 0, "check_same_thread": False}

    async def connect() -> InlineConnection:
        return await InlineConnection(lambda: sqlite3.connect(*args, **kwargs))

    return connect
