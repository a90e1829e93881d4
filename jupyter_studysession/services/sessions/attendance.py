"""Attendance intervals: who was present in an active session, and for how long.

A participant is present while they are joined, have at least one browser tab subscribed to
the session's channel (``session:<id>``), and the session is active. Subscribing opens an
interval (so does starting the session, or joining it, for people already connected);
leaving, being removed, or the session ending closes it. When a user's last tab goes away the
interval is closed only if no tab comes back within a grace period, and then at the moment the
last tab went away (``services/presence`` does that). Every interval lies within
``[started_at, ended_at]``.

Who is connected comes from :class:`Connections` (the presence store, shared by replicas).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ...orm import AttendanceInterval, ChatMessage, Goal, SessionSummary, StudySession
from ...summarizer import ChatLine, GoalLine, SessionRecord, Summarizer, summarize_session


class Connections(Protocol):
    """Who has a tab on a session's channel, across every server process."""

    async def session_users(self, session_id: str) -> set[str]:
        """Users with at least one tab subscribed to ``session:<id>``."""

    async def departures(self, session_id: str) -> dict[str, datetime]:
        """Users whose last tab left at the given time, still within the grace period."""


class NoConnections:
    """Nobody is connected: managers used without the realtime layer."""

    async def session_users(self, session_id: str) -> set[str]:
        return set()

    async def departures(self, session_id: str) -> dict[str, datetime]:
        return {}


async def has_open_interval(db: AsyncSession, session_id: str, username: str) -> bool:
    found = await db.scalar(
        select(AttendanceInterval.id).where(
            AttendanceInterval.session_id == session_id,
            AttendanceInterval.username == username,
            AttendanceInterval.left_at.is_(None),
        )
    )
    return found is not None


async def open_interval(db: AsyncSession, session_id: str, username: str, now: datetime) -> None:
    """Open an interval for the user at ``now``, unless one is open already."""
    if not await has_open_interval(db, session_id, username):
        db.add(AttendanceInterval(session_id=session_id, username=username, joined_at=now))


async def close_interval(db: AsyncSession, session_id: str, username: str, at: datetime) -> bool:
    """Close the user's open interval at ``at`` (not before it opened). False if none was open."""
    rows = await db.scalars(
        select(AttendanceInterval).where(
            AttendanceInterval.session_id == session_id,
            AttendanceInterval.username == username,
            AttendanceInterval.left_at.is_(None),
        )
    )
    closed = False
    for interval in rows:
        interval.left_at = max(at, interval.joined_at)
        closed = True
    return closed


async def close_intervals(
    db: AsyncSession,
    session_id: str,
    now: datetime,
    username: str | None = None,
    departed: Mapping[str, datetime] | None = None,
) -> None:
    """Close the open interval of ``username``, or of everyone when ``username`` is None.

    Users in ``departed`` (their last tab went away at that time, within the grace period)
    leave at that time rather than ``now``.
    """
    for name, at in (departed or {}).items():
        if username is None or name == username:
            await close_interval(db, session_id, name, min(at, now))
    await db.flush()
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
    db: AsyncSession,
    session: StudySession,
    ended_by: str,
    now: datetime,
    *,
    focus_seconds: float = 0.0,
    break_seconds: float = 0.0,
    summarizer: Summarizer | None = None,
    coverage: dict | None = None,
    notes: str = "",
) -> SessionSummary:
    """The summary of a session that has just ended (its intervals already closed), with the
    time its shared timer spent in focus and in breaks, and the text ``summarizer`` writes
    from its chat and goals (none without one; empty if it fails), and what it covered of its
    study notebook (``coverage``)."""
    attendance = await minutes_present(db, session.id)
    record = replace(await session_record(db, session, now, attendance), notes=notes)
    text = await summarize_session(summarizer, record) if summarizer is not None else ""
    summary = SessionSummary(
        session_id=session.id,
        participant_count=len(attendance),
        message_count=len(record.messages),
        goals_done=sum(1 for g in record.goals if g.done),
        goals_total=len(record.goals),
        duration_minutes=session.duration_minutes or 0,
        focus_minutes=round(focus_seconds / 60),
        break_minutes=round(break_seconds / 60),
        ended_by=ended_by,
        attendance=attendance,
        text=text,
        coverage=coverage,
        created_at=now,
    )
    db.add(summary)
    return summary


async def session_record(
    db: AsyncSession, session: StudySession, now: datetime, attendance: dict[str, int]
) -> SessionRecord:
    """What a summariser reads: the session's messages (oldest first, not deleted) and goals
    (in order), as plain data."""
    messages = await db.execute(
        select(ChatMessage.sender, ChatMessage.text, ChatMessage.created_at)
        .where(ChatMessage.session_id == session.id, ChatMessage.deleted_at.is_(None))
        .order_by(ChatMessage.created_at, ChatMessage.id)
    )
    goals = await db.execute(
        select(Goal.title, Goal.done, Goal.description)
        .where(Goal.session_id == session.id)
        .order_by(Goal.position, Goal.created_at)
    )
    return SessionRecord(
        session_id=session.id,
        title=session.title,
        description=session.description,
        started_at=session.started_at,
        ended_at=session.ended_at or now,
        messages=tuple(ChatLine(*row) for row in messages),
        goals=tuple(GoalLine(*row) for row in goals),
        attendance=dict(attendance),
    )
