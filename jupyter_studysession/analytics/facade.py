"""``Analytics``: the synchronous entry point for notebooks.

Notebooks are synchronous (and already run an event loop of their own), so
:class:`Analytics` runs the async loaders on a private event loop in a background thread
and hands back plain DataFrames::

    from jupyter_studysession.analytics import Analytics, measures

    analytics = Analytics.from_url("sqlite:////srv/course/studysession.sqlite")
    attendance = analytics.attendance(start="2026-03-02", end="2026-04-13")
    measures.attendance_rate(attendance)

Every connection is read-only (see :mod:`.source`).
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import weakref
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import pandas as pd

from .loaders import LOADERS, Moment
from .reports import attendance_report
from .source import AnalyticsSource

T = TypeVar("T")


def default_db_url() -> str:
    """The database the server uses by default: ``$JUPYTER_STUDYSESSION_DB_URL``, else the
    SQLite file in the Jupyter data directory (``c.StudySessionApp.db_url``'s default)."""
    from ..app import StudySessionApp

    return StudySessionApp().db_url


class _LoopThread:
    """An event loop running in a daemon thread; ``run(coro)`` waits for the result."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="studysession-analytics", daemon=True
        )
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def _close(runner: _LoopThread, source: AnalyticsSource) -> None:
    try:
        runner.run(source.dispose())
    finally:
        runner.stop()


def _loader_method(name: str):
    loader = LOADERS[name]

    def method(self: Analytics, **filters: Any) -> pd.DataFrame:
        return self._load(name, **filters)

    signature = inspect.signature(loader)
    parameters = [p for p in signature.parameters.values() if p.name != "conn"]
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY), *parameters],
        return_annotation=pd.DataFrame,
    )
    method.__name__ = method.__qualname__ = name
    method.__doc__ = loader.__doc__
    return method


class Analytics:
    """Read-only analytics on one study-session database, for notebooks and scripts.

    One method per table (``sessions()``, ``participants()``, ``intervals()``,
    ``messages(content=False)``, ``goals()``, ``timers()``, ``summaries()``,
    ``officehours()``, ``queue_entries(content=False)``, ``groups()``,
    ``group_members()``, ``places()``, ``media_intervals()``, ``recordings()``,
    ``contributions()``), each returning a typed frame; :meth:`attendance` for the attendance
    measure. The other measures are functions in
    :mod:`jupyter_studysession.analytics.measures` applied to these frames.

    Use as a context manager, or call :meth:`close` when done (it is also closed when
    garbage-collected).
    """

    def __init__(self, source: AnalyticsSource):
        self.source = source
        self._runner = _LoopThread()
        self._finalizer = weakref.finalize(self, _close, self._runner, source)

    @classmethod
    def from_url(cls, db_url: str | None = None) -> Analytics:
        """Analytics on the database at ``db_url`` (the form of ``c.StudySessionApp.db_url``;
        default: the server's default database, see :func:`default_db_url`)."""
        return cls(AnalyticsSource(db_url or default_db_url()))

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if not self._finalizer.alive:
            coro.close()
            raise RuntimeError("this Analytics is closed")
        return self._runner.run(coro)

    def _load(self, name: str, **filters: Any) -> pd.DataFrame:
        async def load() -> pd.DataFrame:
            async with self.source.connect() as conn:
                return await LOADERS[name](conn, **filters)

        return self._run(load())

    sessions = _loader_method("sessions")
    participants = _loader_method("participants")
    intervals = _loader_method("intervals")
    messages = _loader_method("messages")
    goals = _loader_method("goals")
    timers = _loader_method("timers")
    summaries = _loader_method("summaries")
    officehours = _loader_method("officehours")
    queue_entries = _loader_method("queue_entries")
    groups = _loader_method("groups")
    group_members = _loader_method("group_members")
    places = _loader_method("places")
    media_intervals = _loader_method("media_intervals")
    recordings = _loader_method("recordings")
    contributions = _loader_method("contributions")

    def attendance(
        self,
        *,
        start: Moment = None,
        end: Moment = None,
        session_id: str | None = None,
        as_of: Moment = None,
        late_after: timedelta = timedelta(minutes=5),
        early_before: timedelta = timedelta(minutes=5),
    ) -> pd.DataFrame:
        """Attendance per user and session for the sessions that started in
        ``[start, end)`` (or one session): :func:`~.measures.attendance`, whose docstring
        defines every column. Save it with ``frame.to_parquet(path)`` or ``frame.to_csv``."""

        async def report() -> pd.DataFrame:
            async with self.source.connect() as conn:
                return await attendance_report(
                    conn,
                    start=start,
                    end=end,
                    session_id=session_id,
                    as_of=as_of,
                    late_after=late_after,
                    early_before=early_before,
                )

        return self._run(report())

    def close(self) -> None:
        """Close the database connections and stop the background loop."""
        self._finalizer()

    def __enter__(self) -> Analytics:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
