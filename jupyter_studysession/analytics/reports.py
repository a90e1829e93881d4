"""Measures that need several tables, loaded consistently in one read-only transaction.

The server's CSV export and the notebook facade (:class:`~.Analytics`) both call these, so
a number in a notebook and the same number downloaded from the server are computed one way.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pandas as pd
from sqlalchemy.ext.asyncio import AsyncConnection

from . import measures
from .loaders import Moment, load_intervals, load_participants, load_sessions


async def attendance_report(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
    as_of: Moment = None,
    late_after: timedelta = timedelta(minutes=5),
    early_before: timedelta = timedelta(minutes=5),
) -> pd.DataFrame:
    """:func:`~.measures.attendance` of the sessions that started in ``[start, end)`` (or of
    one session). The computation runs in a worker thread, off the event loop."""
    filters = {"start": start, "end": end, "session_id": session_id}
    sessions = await load_sessions(conn, **filters)
    participants = await load_participants(conn, **filters)
    intervals = await load_intervals(conn, **filters)
    return await asyncio.to_thread(
        measures.attendance,
        sessions,
        participants,
        intervals,
        as_of=as_of,
        late_after=late_after,
        early_before=early_before,
    )
