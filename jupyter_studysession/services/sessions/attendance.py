"""Attendance intervals: who was present in an active session, and for how long.

An interval is open while a joined participant is in an active session. Joining an active
session opens one; leaving, being removed, or the session ending closes it. Participants who
joined before the start get their interval when the session starts, so every interval lies
within ``[started_at, ended_at]``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ...orm import AttendanceInterval, ChatMessage, Goal, SessionSummary, StudySession


async def open_interval(db: AsyncSession, session_id: str, username: str, now: datetime) -> None:
    already = await db.scalar(
        select(AttendanceInterval.id).where(
            AttendanceInterval.session_id == session_id,
            AttendanceInterval.username == username,
            AttendanceInterval.left_at.is_(None),
        )
    )
    if already is None:
        db.add(AttendanceInterval(session_id=session_id, username=username, joined_at=now))


async def close_intervals(
    db: AsyncSession, session_id: str, now: datetime, username: str | None = None
) -> None:
    """Close the open interval of ``username``, or of everyone when ``username`` is None."""
    query = update(AttendanceInterval).where(
        AttendanceInterval.session_id == session_id, AttendanceInterval.left_at.is_(None)
    )
    if username is not None:
        query = query.where(AttendanceInterval.username == username)
    await db.execute(query.values(left_at=now))


async def minutes_present(db: AsyncSession, session_id: str) -> dict[str, int]:
    """Whole minutes each user was present, from their (closed) intervals."""
    seconds: dict[str, float] = defaultdict(float)
    rows = await db.execute(
        select(
            AttendanceInterval.username, AttendanceInterval.joined_at, AttendanceInterval.left_at
        ).where(
            AttendanceInterval.session_id == session_id, AttendanceInterval.left_at.is_not(None)
        )
    )
    for username, joined_at, left_at in rows:
        seconds[username] += (left_at - joined_at).total_seconds()
    return {name: round(total / 60) for name, total in sorted(seconds.items())}


async def write_summary(
    db: AsyncSession, session: StudySession, ended_by: str, now: datetime
) -> SessionSummary:
    """The summary of a session that has just ended (its intervals already closed)."""
    attendance = await minutes_present(db, session.id)
    messages = await db.scalar(
        select(func.count()).where(
            ChatMessage.session_id == session.id, ChatMessage.deleted_at.is_(None)
        )
    )
    goals_total, goals_done = (
        await db.execute(
            select(func.count(), func.count().filter(Goal.done.is_(True))).where(
                Goal.session_id == session.id
            )
        )
    ).one()
    summary = SessionSummary(
        session_id=session.id,
        participant_count=len(attendance),
        message_count=messages or 0,
        goals_done=goals_done or 0,
        goals_total=goals_total or 0,
        duration_minutes=session.duration_minutes or 0,
        ended_by=ended_by,
        attendance=attendance,
        created_at=now,
    )
    db.add(summary)
    return summary
