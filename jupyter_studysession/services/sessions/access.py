"""Loading sessions and deciding who may see or change them (shared by the session managers)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from ...exceptions import Conflict, InvalidInput, NotAuthorized, NotFound
from ...identity import Identity
from ...models import DescribeParticipant, DescribeSession, DescribeSummary
from ...orm import (
    Goal,
    Participant,
    ParticipantState,
    SessionRole,
    SessionStatus,
    SessionSummary,
    StudySession,
)

MEMBER_STATES = (ParticipantState.invited, ParticipantState.joined, ParticipantState.left)
ROOM_STATES = (ParticipantState.joined, ParticipantState.left)
"""Members who see a session's room (chat, goals, timer, live events): joined, now or before."""
HOST_ROLES = (SessionRole.host, SessionRole.co_host)
ENDED_STATUSES = (SessionStatus.completed, SessionStatus.cancelled)


async def load_session(db: AsyncSession, session_id: str, *, lock: bool = False) -> StudySession:
    query = select(StudySession).where(StudySession.id == session_id)
    if lock:
        query = query.with_for_update(of=StudySession)
    session = await db.scalar(query)
    if session is None:
        raise NotFound(f"No study session {session_id!r}.", "session_not_found")
    return session


async def membership(db: AsyncSession, session_id: str, username: str) -> Participant | None:
    return await db.scalar(
        select(Participant).where(
            Participant.session_id == session_id, Participant.username == username
        )
    )


def can_view(session: StudySession, member: Participant | None, actor: Identity) -> bool:
    """Members see their sessions, everyone sees public ones, course staff see all."""
    if actor.is_staff or session.is_public:
        return True
    return member is not None and member.state in MEMBER_STATES


async def viewable_session(
    db: AsyncSession, session_id: str, actor: Identity, *, lock: bool = False
) -> tuple[StudySession, Participant | None]:
    """The session and the actor's membership; 404 when the actor may not know it exists.
    One query: every op in a room starts here."""
    query = (
        select(StudySession, Participant)
        .outerjoin(
            Participant,
            (Participant.session_id == StudySession.id) & (Participant.username == actor.username),
        )
        .where(StudySession.id == session_id)
        # the member's user is joined eagerly (as always), but outer: there may be no member
        .options(joinedload(Participant.user, innerjoin=False))
    )
    if lock:
        query = query.with_for_update(of=StudySession)
    row = (await db.execute(query)).first()
    if row is None:
        raise NotFound(f"No study session {session_id!r}.", "session_not_found")
    session, member = row
    if not can_view(session, member, actor):
        raise NotFound(f"No study session {session_id!r}.", "session_not_found")
    return session, member


async def hosted_session(
    db: AsyncSession, session_id: str, actor: Identity, *, host_only: bool = False
) -> tuple[StudySession, Participant]:
    """The session, if the actor is its host (or co-host unless ``host_only``); else 403/404."""
    session, member = await viewable_session(db, session_id, actor, lock=True)
    if not is_host(member, host_only=host_only):
        who = "the host" if host_only else "the host or a co-host"
        raise NotAuthorized(f"Only {who} can do this.", "not_host")
    return session, member


async def room_session(
    db: AsyncSession,
    session_id: str,
    actor: Identity,
    *,
    lock: bool = False,
    purpose: str = "see its room",
) -> tuple[StudySession, Participant | None]:
    """The session and the actor's membership, if the actor may see its room (chat, goals,
    timer, live events): participants who joined it (now or before) and course staff.

    404 when the actor may not know the session exists; 403 ``not_participant`` for the others
    (invited but not joined, visitors of a public session), saying what joining is for:
    ``purpose`` ends the message "Join the session to ...".
    """
    session, member = await viewable_session(db, session_id, actor, lock=lock)
    if not actor.is_staff and (member is None or member.state not in ROOM_STATES):
        raise NotAuthorized(f"Join the session to {purpose}.", "not_participant")
    return session, member


def check_start(scheduled_at: datetime | None, now: datetime, join_window) -> None:
    """A session is planned for later, or for a moment ago within the join window: 400
    ``scheduled_in_past`` otherwise (the cleanup would remove it as never started)."""
    if scheduled_at is not None and scheduled_at < now - join_window:
        raise InvalidInput(
            f"scheduled_at: {scheduled_at.isoformat()} is in the past; plan it for later, "
            "or leave the time out.",
            "scheduled_in_past",
        )


def ensure_open(session: StudySession, consequence: str = "it can no longer change") -> None:
    """Completed and cancelled sessions are read-only: 409 ``session_ended``, its message
    naming the status and then ``consequence``."""
    if session.status in ENDED_STATUSES:
        raise Conflict(f"The session is {session.status}; {consequence}.", "session_ended")


def is_joined(member: Participant | None) -> bool:
    """A participant of the session right now."""
    return member is not None and member.state == ParticipantState.joined


def is_host(member: Participant | None, *, host_only: bool = False) -> bool:
    """The host or a co-host (only the host with ``host_only``), not removed."""
    roles = (SessionRole.host,) if host_only else HOST_ROLES
    return member is not None and member.state != ParticipantState.removed and member.role in roles


# -- describing -------------------------------------------------------------------------


async def describe_sessions(
    db: AsyncSession, sessions: Sequence[StudySession], actor: Identity, join_window: timedelta
) -> list[DescribeSession]:
    """Response models for ``sessions``, with counts, the actor's role and summaries, batched;
    ``join_window`` before its start, a scheduled session opens to joining."""
    ids = [s.id for s in sessions]
    if not ids:
        return []
    counts = dict(
        (
            await db.execute(
                select(Participant.session_id, func.count())
                .where(
                    Participant.session_id.in_(ids),
                    Participant.state == ParticipantState.joined,
                )
                .group_by(Participant.session_id)
            )
        ).all()
    )
    mine = {
        p.session_id: p
        for p in await db.scalars(
            select(Participant).where(
                Participant.session_id.in_(ids), Participant.username == actor.username
            )
        )
    }
    summaries = {
        s.session_id: s
        for s in await db.scalars(select(SessionSummary).where(SessionSummary.session_id.in_(ids)))
    }
    goals = {
        session_id: (done, total)
        for session_id, done, total in await db.execute(
            select(Goal.session_id, func.count().filter(Goal.done.is_(True)), func.count())
            .where(Goal.session_id.in_(ids))
            .group_by(Goal.session_id)
        )
    }
    described = []
    for session in sessions:
        member = mine.get(session.id)
        summary = summaries.get(session.id)
        described.append(
            DescribeSession.model_validate(
                {
                    **{
                        c: getattr(session, c)
                        for c in DescribeSession.model_fields
                        if hasattr(session, c) and c not in {"host", "summary"}
                    },
                    "host": session.host,
                    "participant_count": counts.get(session.id, 0),
                    "my_role": member.role if member else None,
                    "my_state": member.state if member else None,
                    "summary": DescribeSummary.model_validate(summary) if summary else None,
                    "goals_done": goals.get(session.id, (0, 0))[0],
                    "goals_total": goals.get(session.id, (0, 0))[1],
                    "join_opens_at": join_opens_at(session, join_window),
                }
            )
        )
    return described


async def describe_session(
    db: AsyncSession, session: StudySession, actor: Identity, join_window: timedelta
) -> DescribeSession:
    return (await describe_sessions(db, [session], actor, join_window))[0]


def join_opens_at(session: StudySession, join_window: timedelta) -> datetime | None:
    """When joining a scheduled session opens; ``None`` when it is not scheduled for a time
    (or no longer scheduled: joining an active session is open, an ended one closed)."""
    if session.status != SessionStatus.scheduled or session.scheduled_at is None:
        return None
    return session.scheduled_at - join_window


# -- keyset pagination ------------------------------------------------------------------


def encode_cursor(when: datetime, row_id: str) -> str:
    raw = json.dumps([when.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, row_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(when), str(row_id)
    except (ValueError, TypeError, binascii.Error) as err:
        raise InvalidInput("cursor: not a cursor returned by this API", "invalid_cursor") from err


def paginate(query: Select, column, id_column, cursor: str | None, limit: int) -> Select:
    """Newest first on ``(column, id)``, continuing after ``cursor``; fetch one extra row so
    the caller knows whether there is a next page."""
    if cursor:
        when, row_id = decode_cursor(cursor)
        query = query.where(or_(column < when, and_(column == when, id_column < row_id)))
    return query.order_by(column.desc(), id_column.desc()).limit(limit + 1)


def next_cursor(rows: list, limit: int, key) -> tuple[list, str | None]:
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    when, row_id = key(rows[-1])
    return rows, encode_cursor(when, row_id)


# -- live events on the session channel --------------------------------------------------

NOBODY = Identity(username="", display_name="")
"""Describes a session as nobody in particular: no personal fields in broadcast events."""


def session_channel(session_id: str) -> str:
    return f"session:{session_id}"


async def publish_session(
    outbox, db: AsyncSession, session: StudySession, type: str, join_window: timedelta, **extra
) -> None:
    """A durable ``session.*`` event with the session as everyone sees it."""
    described = await describe_session(db, session, NOBODY, join_window)
    data = described.model_dump(mode="json", exclude={"my_role", "my_state"})
    await outbox.append(db, session_channel(session.id), type, {"session": data, **extra})


async def publish_participant(outbox, db: AsyncSession, member: Participant, type: str) -> None:
    """A durable ``participant.*`` event (joined, left, invited, updated)."""
    await db.flush()
    await db.refresh(member, ["user"])
    data = DescribeParticipant.model_validate(member).model_dump(mode="json")
    await outbox.append(db, session_channel(member.session_id), type, {"participant": data})


async def authorize_session_channel(store, identity: Identity, session_id: str) -> None:
    """Live session events are for its participants (joined now or before) and staff."""
    async with store.read() as db:
        await room_session(db, session_id, identity, purpose="follow it live")


def add_members(
    db: AsyncSession,
    session: StudySession,
    host: str,
    now,
    *,
    invite: Iterable[str] = (),
    join: Iterable[str] = (),
) -> None:
    """The participants of a new session, in the caller's transaction: ``host`` joined as the
    host, ``invite`` invited by the host, ``join`` joined at once. (Every way a session is
    created uses this: by hand, for a group, as an occurrence of a series, for office hours.)"""
    common = {"session_id": session.id, "updated_at": now}
    db.add(
        Participant(
            **common,
            username=host,
            role=SessionRole.host,
            state=ParticipantState.joined,
            joined_at=now,
        )
    )
    for name, state in [(n, ParticipantState.invited) for n in invite] + [
        (n, ParticipantState.joined) for n in join
    ]:
        db.add(
            Participant(
                **common,
                username=name,
                role=SessionRole.participant,
                state=state,
                invited_by=host,
                invited_at=now,
                joined_at=now if state == ParticipantState.joined else None,
            )
        )
