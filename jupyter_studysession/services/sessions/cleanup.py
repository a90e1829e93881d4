"""The cleanup of sessions that never started: it removes what nobody wants and nothing more.

A scheduled session that never started is, ``reference`` being its scheduled time (its
creation when it has none):

- **empty** (nobody but the host ever joined, no pending invitation or live invite link, no
  chat, no goals): deleted ``abandon_scheduled_after`` (30 minutes) after ``reference``;
- **waiting for its invitees** (pending invitations or links, but nobody else joined and no
  chat or goals): kept until ``expire_unstarted_after`` (7 days) after ``reference``, then
  deleted, its invitees' offers to join settled and everyone told why ("removed: nobody
  joined");
- **with content** (someone else joined, or there is chat or goals): never deleted; cancelled
  by the system ``expire_unstarted_after`` after ``reference`` (members told "it never
  started"), so its chat and goals stay in everyone's history.

Each decision is taken in the transaction that acts on it, with the session's row locked
(joins, invitations, chat and goals lock it too), on what the session holds at that moment:
activity that lands while the cleanup runs always wins.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ...orm import (
    ChatMessage,
    Goal,
    InviteLink,
    Participant,
    ParticipantState,
    SessionRole,
    SessionStatus,
    StudySession,
)
from ...realtime.access import revoke_access
from .access import MEMBER_STATES, session_channel

NOBODY_JOINED = "nobody joined"


class Fate(str, enum.Enum):
    keep = "keep"
    delete = "delete"  # empty, or only invitees who never came
    cancel = "cancel"  # has content: kept, cancelled


def _content():
    """SQL: someone besides the host joined (now or before), or there is chat or goals."""
    return or_(
        exists().where(
            Participant.session_id == StudySession.id,
            Participant.role != SessionRole.host,
            Participant.joined_at.is_not(None),
        ),
        exists().where(ChatMessage.session_id == StudySession.id),
        exists().where(Goal.session_id == StudySession.id),
    )


def _waiting(now: datetime):
    """SQL: a pending invitation, or an invite link that still works."""
    return or_(
        exists().where(
            Participant.session_id == StudySession.id,
            Participant.state == ParticipantState.invited,
        ),
        exists().where(
            InviteLink.session_id == StudySession.id,
            InviteLink.revoked_at.is_(None),
            InviteLink.expires_at > now,
        ),
    )


def _reference():
    return func.coalesce(StudySession.scheduled_at, StudySession.created_at)


async def due_for_cleanup(
    db: AsyncSession, now: datetime, abandon_after: timedelta, expire_after: timedelta
) -> list[str]:
    """Scheduled sessions that may be empty past ``abandon_after`` or unstarted past
    ``expire_after`` (each is decided again, locked, by :func:`decide`)."""
    reference = _reference()
    empty = ~_content() & ~_waiting(now)
    query = select(StudySession.id).where(
        StudySession.status == SessionStatus.scheduled,
        reference < now - abandon_after,
        or_(empty, reference < now - expire_after),
    )
    return list(await db.scalars(query.order_by(StudySession.id)))


async def decide(
    db: AsyncSession,
    session: StudySession,
    now: datetime,
    abandon_after: timedelta,
    expire_after: timedelta,
) -> Fate:
    """What happens to ``session`` (locked by the caller) now."""
    if session.status != SessionStatus.scheduled:
        return Fate.keep
    reference = session.scheduled_at or session.created_at
    held = (
        await db.execute(select(_content(), _waiting(now)).where(StudySession.id == session.id))
    ).one()
    has_content, waiting = bool(held[0]), bool(held[1])
    if now - reference > expire_after:
        return Fate.cancel if has_content else Fate.delete
    if now - reference > abandon_after and not has_content and not waiting:
        return Fate.delete
    return Fate.keep


async def remove(db: AsyncSession, session: StudySession, outbox, notifications) -> None:
    """Delete ``session`` (no content) in the caller's transaction: its members' offers to join
    settled, each member (the host too) told why, live access to it ended."""
    members = list(
        await db.scalars(
            select(Participant.username).where(
                Participant.session_id == session.id, Participant.state.in_(MEMBER_STATES)
            )
        )
    )
    await notifications.settle_offers(db, session.id)
    await notifications.notify(
        db,
        members,
        "session_cancelled",
        f"“{session.title}” was removed: {NOBODY_JOINED}",
        session_id=session.id,
        reason="nobody_joined",
    )
    await revoke_access(
        outbox,
        db,
        session_channel(session.id),
        None,
        "deleted",
        f"The session was removed: {NOBODY_JOINED}.",
    )
    await db.execute(delete(StudySession).where(StudySession.id == session.id))
