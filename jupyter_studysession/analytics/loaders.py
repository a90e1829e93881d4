"""Loaders: the database's tables as tidy pandas frames, one function per table.

Each loader is a coroutine taking a read-only connection (``AnalyticsSource.connect()``) and
returns a frame with exactly the columns of its schema (see ``schema.py``, and the table at
the end of each docstring). From a notebook, use the synchronous :class:`~.Analytics` instead:
``Analytics.from_url(db_url).sessions()``.

Filters: ``start`` and ``end`` select sessions that *started* in ``[start, end)`` (for the
session tables: sessions, participants, intervals, session messages, goals, timers,
summaries), or entries that *joined the queue* in it (queue entries); ``session_id`` selects
one session. Timestamps given as text or without a time zone are read as UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, String, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..orm import (
    AttendanceInterval,
    ChatMessage,
    CrdtContribution,
    Goal,
    GroupMember,
    MediaInterval,
    OfficeHours,
    Participant,
    PlaceRecord,
    QueueEntry,
    Recording,
    RecordingFile,
    SessionSummary,
    SessionTimer,
    StudyGroup,
    StudySession,
)
from . import schema
from .schema import document

Moment = datetime | date | str | pd.Timestamp | None


def as_utc(value: Moment) -> datetime | None:
    """``value`` as a timezone-aware UTC datetime (text and naive values are taken as UTC)."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _session_filter(column, start: Moment, end: Moment, session_id: str | None) -> list[Any]:
    """Conditions on ``column`` (a session id) for sessions started in ``[start, end)``."""
    conditions: list[Any] = []
    if session_id is not None:
        conditions.append(column == session_id)
    start, end = as_utc(start), as_utc(end)
    if start is not None or end is not None:
        started = select(StudySession.id).where(StudySession.started_at.is_not(None))
        if start is not None:
            started = started.where(StudySession.started_at >= start)
        if end is not None:
            started = started.where(StudySession.started_at < end)
        conditions.append(column.in_(started))
    return conditions


async def _frame(conn: AsyncConnection, query: Select, table: schema.Schema) -> pd.DataFrame:
    rows = (await conn.execute(query)).all()
    return table.frame(rows)


def _text(value) -> Any:
    return cast(value, String)


@document(schema.SESSIONS)
async def load_sessions(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """Every session (cancelled and never-started ones too, unless a period is given)."""
    point = StudySession.settings["starting_point"]
    query = (
        select(
            StudySession.id,
            StudySession.title,
            StudySession.type,
            StudySession.subject,
            StudySession.status,
            StudySession.is_public,
            StudySession.host_username,
            StudySession.group_id,
            StudySession.series_id,
            StudySession.max_participants,
            StudySession.created_at,
            StudySession.scheduled_at,
            StudySession.started_at,
            StudySession.ended_at,
            SessionSummary.ended_by,
            point["notebook_path"].as_string(),
            point["section"].as_string(),
            _text(point["cell"].as_string()),
        )
        .outerjoin(SessionSummary, SessionSummary.session_id == StudySession.id)
        .where(*_session_filter(StudySession.id, start, end, session_id))
        .order_by(StudySession.created_at, StudySession.id)
    )
    return await _frame(conn, query, schema.SESSIONS)


@document(schema.PARTICIPANTS)
async def load_participants(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """Every session's members, whatever their state."""
    query = (
        select(
            Participant.session_id,
            Participant.username,
            Participant.role,
            Participant.state,
            Participant.invited_by,
            Participant.invited_at,
            Participant.joined_at,
            Participant.left_at,
        )
        .where(*_session_filter(Participant.session_id, start, end, session_id))
        .order_by(Participant.session_id, Participant.username)
    )
    return await _frame(conn, query, schema.PARTICIPANTS)


@document(schema.INTERVALS)
async def load_intervals(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """The attendance intervals as recorded (a reconnect within the grace period is already
    one interval; two tabs never open two)."""
    query = (
        select(
            AttendanceInterval.id,
            AttendanceInterval.session_id,
            AttendanceInterval.username,
            AttendanceInterval.joined_at,
            AttendanceInterval.left_at,
        )
        .where(*_session_filter(AttendanceInterval.session_id, start, end, session_id))
        .order_by(AttendanceInterval.id)
    )
    return await _frame(conn, query, schema.INTERVALS)


@document(schema.MESSAGES)
async def load_messages(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
    content: bool = False,
) -> pd.DataFrame:
    """Chat messages: metadata only, unless ``content=True`` (then ``text`` is filled).

    With a period or a session, only session messages; otherwise group chats too."""
    text = ChatMessage.text if content else literal(None, String)
    query = select(
        ChatMessage.id,
        ChatMessage.session_id,
        ChatMessage.group_id,
        ChatMessage.sender,
        ChatMessage.created_at,
        ChatMessage.edited_at,
        ChatMessage.deleted_at,
        func.length(ChatMessage.text),
        text,
    ).order_by(ChatMessage.created_at, ChatMessage.id)
    conditions = _session_filter(ChatMessage.session_id, start, end, session_id)
    return await _frame(conn, query.where(*conditions), schema.MESSAGES)


@document(schema.GOALS)
async def load_goals(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """Every session's goals, in list order."""
    query = (
        select(
            Goal.id,
            Goal.session_id,
            Goal.title,
            Goal.position,
            Goal.done,
            Goal.created_by,
            Goal.created_at,
            Goal.done_at,
        )
        .where(*_session_filter(Goal.session_id, start, end, session_id))
        .order_by(Goal.session_id, Goal.position)
    )
    return await _frame(conn, query, schema.GOALS)


@document(schema.TIMERS)
async def load_timers(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """The shared timers, with the focus and break time they accumulated."""
    query = (
        select(
            SessionTimer.session_id,
            SessionTimer.phase,
            SessionTimer.running,
            SessionTimer.cycle,
            SessionTimer.focus_minutes,
            SessionTimer.focus_seconds / 60.0,
            SessionTimer.break_seconds / 60.0,
            SessionTimer.updated_at,
            SessionTimer.updated_by,
        )
        .where(*_session_filter(SessionTimer.session_id, start, end, session_id))
        .order_by(SessionTimer.session_id)
    )
    return await _frame(conn, query, schema.TIMERS)


@document(schema.SUMMARIES)
async def load_summaries(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
    content: bool = False,
) -> pd.DataFrame:
    """The summaries stored when sessions ended; their text (drawn from the chat) only with
    ``content=True``."""
    query = (
        select(
            SessionSummary.session_id,
            SessionSummary.ended_by,
            SessionSummary.duration_minutes,
            SessionSummary.participant_count,
            SessionSummary.message_count,
            SessionSummary.goals_done,
            SessionSummary.goals_total,
            SessionSummary.focus_minutes,
            SessionSummary.created_at,
            SessionSummary.text if content else literal(None, String),
        )
        .where(*_session_filter(SessionSummary.session_id, start, end, session_id))
        .order_by(SessionSummary.created_at)
    )
    return await _frame(conn, query, schema.SUMMARIES)


@document(schema.OFFICE_HOURS)
async def load_officehours(conn: AsyncConnection) -> pd.DataFrame:
    """Every office hours, deleted ones too (their queue history is kept)."""
    query = select(
        OfficeHours.id,
        OfficeHours.title,
        OfficeHours.created_by,
        OfficeHours.created_at,
        OfficeHours.deleted_at,
    ).order_by(OfficeHours.created_at, OfficeHours.id)
    return await _frame(conn, query, schema.OFFICE_HOURS)


@document(schema.QUEUE_ENTRIES)
async def load_queue_entries(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    officehours_id: str | None = None,
    content: bool = False,
) -> pd.DataFrame:
    """Help-queue entries that joined in ``[start, end)``, with every timestamp; the
    question only with ``content=True``."""
    question = QueueEntry.question if content else literal(None, String)
    query = select(
        QueueEntry.id,
        QueueEntry.officehours_id,
        QueueEntry.username,
        QueueEntry.topic,
        QueueEntry.status,
        QueueEntry.outcome,
        QueueEntry.joined_at,
        QueueEntry.admitted_at,
        QueueEntry.admitted_by,
        QueueEntry.started_at,
        QueueEntry.finished_at,
        QueueEntry.finished_by,
        QueueEntry.session_id,
        question,
    ).order_by(QueueEntry.joined_at, QueueEntry.id)
    if officehours_id is not None:
        query = query.where(QueueEntry.officehours_id == officehours_id)
    if (start := as_utc(start)) is not None:
        query = query.where(QueueEntry.joined_at >= start)
    if (end := as_utc(end)) is not None:
        query = query.where(QueueEntry.joined_at < end)
    return await _frame(conn, query, schema.QUEUE_ENTRIES)


@document(schema.GROUPS)
async def load_groups(conn: AsyncConnection) -> pd.DataFrame:
    """Every study group."""
    query = select(
        StudyGroup.id,
        StudyGroup.name,
        StudyGroup.subject,
        StudyGroup.is_public,
        StudyGroup.max_members,
        StudyGroup.created_by,
        StudyGroup.created_at,
        StudyGroup.last_place["notebook_path"].as_string(),
        StudyGroup.last_place_at,
    ).order_by(StudyGroup.created_at, StudyGroup.id)
    return await _frame(conn, query, schema.GROUPS)


@document(schema.GROUP_MEMBERS)
async def load_group_members(conn: AsyncConnection) -> pd.DataFrame:
    """Every group's members and invitees."""
    query = select(
        GroupMember.group_id,
        GroupMember.username,
        GroupMember.role,
        GroupMember.state,
        GroupMember.joined_at,
    ).order_by(GroupMember.group_id, GroupMember.username)
    return await _frame(conn, query, schema.GROUP_MEMBERS)


@document(schema.PLACES)
async def load_places(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """The places each session's leader reached in its study notebook, in time order."""
    query = (
        select(
            PlaceRecord.session_id,
            PlaceRecord.username,
            PlaceRecord.at,
            PlaceRecord.notebook_path,
            PlaceRecord.cell_id,
            PlaceRecord.cell_index,
            PlaceRecord.section,
            PlaceRecord.section_index,
        )
        .where(*_session_filter(PlaceRecord.session_id, start, end, session_id))
        .order_by(PlaceRecord.session_id, PlaceRecord.at, PlaceRecord.id)
    )
    return await _frame(conn, query, schema.PLACES)


@document(schema.MEDIA_INTERVALS)
async def load_media_intervals(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """The calls' intervals as recorded: time in the call, camera on, screen shared."""
    query = (
        select(
            MediaInterval.id,
            MediaInterval.session_id,
            MediaInterval.username,
            MediaInterval.kind,
            MediaInterval.started_at,
            MediaInterval.ended_at,
        )
        .where(*_session_filter(MediaInterval.session_id, start, end, session_id))
        .order_by(MediaInterval.id)
    )
    return await _frame(conn, query, schema.MEDIA_INTERVALS)


@document(schema.RECORDINGS)
async def load_recordings(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """Every recording of the sessions' calls, with its length (kept after its files are
    deleted by retention)."""
    files = (
        select(func.count())
        .where(RecordingFile.recording_id == Recording.id)
        .correlate(Recording)
        .scalar_subquery()
    )
    query = (
        select(
            Recording.id,
            Recording.session_id,
            Recording.started_by,
            Recording.started_at,
            Recording.stopped_at,
            literal(None),
            Recording.stop_reason,
            Recording.size_bytes,
            files,
            Recording.deleted_at,
        )
        .where(*_session_filter(Recording.session_id, start, end, session_id))
        .order_by(Recording.started_at)
    )
    frame = await _frame(conn, query, schema.RECORDINGS)
    frame["minutes"] = (frame["stopped_at"] - frame["started_at"]).dt.total_seconds() / 60.0
    return frame


@document(schema.CONTRIBUTIONS)
async def load_contributions(
    conn: AsyncConnection,
    *,
    start: Moment = None,
    end: Moment = None,
    session_id: str | None = None,
) -> pd.DataFrame:
    """Who changed the shared notes and whiteboard, and how much. Updates are counted when
    they are compacted, which ending a session always does: an ended session's counts are
    complete, an active one's trail by at most ``doc_compact_after_updates`` updates."""
    query = (
        select(
            CrdtContribution.session_id,
            CrdtContribution.name,
            CrdtContribution.username,
            CrdtContribution.inserted,
            CrdtContribution.deleted,
            CrdtContribution.updates,
        )
        .where(*_session_filter(CrdtContribution.session_id, start, end, session_id))
        .order_by(CrdtContribution.session_id, CrdtContribution.name, CrdtContribution.username)
    )
    return await _frame(conn, query, schema.CONTRIBUTIONS)


LOADERS = {
    "sessions": load_sessions,
    "participants": load_participants,
    "intervals": load_intervals,
    "messages": load_messages,
    "goals": load_goals,
    "timers": load_timers,
    "summaries": load_summaries,
    "officehours": load_officehours,
    "queue_entries": load_queue_entries,
    "groups": load_groups,
    "group_members": load_group_members,
    "places": load_places,
    "media_intervals": load_media_intervals,
    "recordings": load_recordings,
    "contributions": load_contributions,
}
"""Frame name -> loader (the names of :data:`schema.ALL`)."""
