"""iCalendar export (the ``icalendar`` package): a per-user feed and a per-session download.

Every session is one VEVENT, occurrences of a series included: a calendar shows exactly the
sessions that exist (materialised some weeks ahead, so a feed grows as the series is topped
up), each with its own edits and cancellations, and no client has to merge RRULE exceptions.

- ``UID`` is ``<session id>@jupyter-studysession``: stable for the session's life.
- ``SEQUENCE`` is the session's counter, bumped when its time or title changes and when it is
  cancelled (``STATUS:CANCELLED``), so calendar programs replace their copy.
- ``DTSTART`` carries the series' ``TZID`` (with its ``VTIMEZONE``) for occurrences of a
  series, and UTC for other sessions. ``DTEND`` is the real end of an ended session, else the
  start plus ``calendar_event_minutes``. ``RELATED-TO`` names the series.

The feed is authenticated by a token of its own (calendar programs cannot log in to Jupyter):
one per user, created or rotated by the user, revocable, stored as a SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event
from sqlalchemy import delete, select

from ...clock import Clock
from ...exceptions import NotAuthorized, NotFound
from ...identity import Identity
from ...models import DescribeCalendarToken, RevokedCalendarToken
from ...orm import (
    CalendarToken,
    Participant,
    SessionSeries,
    SessionStatus,
    StudySession,
)
from ...store import Store
from ..sessions.access import MEMBER_STATES, viewable_session
from ..users.manager import record_user
from .recurrence import zone

PRODID = "-//jupyter-studysession//Study sessions//EN"
UID_DOMAIN = "jupyter-studysession"
FEED_LIMIT = 500
"""The most sessions a feed lists (the latest by start)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_uid(session_id: str) -> str:
    return f"{session_id}@{UID_DOMAIN}"


def session_event(
    session: StudySession, tz_name: str | None, now: datetime, event_minutes: float
) -> Event | None:
    """The VEVENT of a session; None for one that has no time yet (unscheduled, not started)."""
    start = session.scheduled_at or session.started_at
    if start is None:
        return None
    tz = zone(tz_name) if tz_name else timezone.utc
    if session.ended_at is not None and session.started_at is not None:
        end = start + (session.ended_at - session.started_at)
    else:
        end = start + timedelta(minutes=event_minutes)
    event = Event()
    event.add("uid", session_uid(session.id))
    event.add("dtstamp", now.astimezone(timezone.utc))
    event.add("created", session.created_at.astimezone(timezone.utc))
    event.add("last-modified", session.updated_at.astimezone(timezone.utc))
    event.add("sequence", session.sequence)
    event.add("summary", session.title)
    if session.description:
        event.add("description", session.description)
    event.add("dtstart", start.astimezone(tz))
    event.add("dtend", max(end, start).astimezone(tz))
    cancelled = session.status == SessionStatus.cancelled
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if session.series_id is not None:
        event.add("related-to", f"series-{session.series_id}@{UID_DOMAIN}")
    if session.subject:
        event.add("categories", [session.subject])
    return event


def build_calendar(
    rows: list[tuple[StudySession, str | None]], name: str, now: datetime, event_minutes: float
) -> bytes:
    """A VCALENDAR of ``(session, time zone or None)`` rows, with a VTIMEZONE per zone used."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for session, tz_name in rows:
        event = session_event(session, tz_name, now, event_minutes)
        if event is not None:
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


class CalendarManager:
    def __init__(self, store: Store, clock: Clock, event_minutes: float = 60):
        self.store = store
        self.clock = clock
        self.event_minutes = event_minutes

    async def create_feed_token(self, actor: Identity) -> DescribeCalendarToken:
        """A new feed token for the actor (replacing the old one, which stops working). Only
        its digest is stored, so it is returned just this once."""
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        async with self.store.transaction() as db:
            await record_user(db, actor, now)
            row = await db.get(CalendarToken, actor.username, with_for_update=True)
            if row is None:
                row = CalendarToken(username=actor.username)
                db.add(row)
            row.token_hash = hash_token(token)
            row.created_at = now
            row.last_used_at = None
        return DescribeCalendarToken(created_at=now, token=token)

    async def revoke_feed_token(self, actor: Identity) -> RevokedCalendarToken:
        async with self.store.transaction() as db:
            result = await db.execute(
                delete(CalendarToken).where(CalendarToken.username == actor.username)
            )
        if not result.rowcount:
            raise NotFound("You have no calendar feed token.", "no_feed_token")
        return RevokedCalendarToken(revoked=True)

    async def user_feed(self, token: str) -> bytes:
        """The calendar of the token's owner: every session they belong to (invited, joined or
        left), scheduled, active, completed or cancelled."""
        now = self.clock.now()
        if not token or len(token) > 200:
            raise NotAuthorized("A valid calendar feed token is required.", "invalid_feed_token")
        async with self.store.transaction() as db:
            owner = await db.scalar(
                select(CalendarToken).where(CalendarToken.token_hash == hash_token(token))
            )
            if owner is None:
                raise NotAuthorized(
                    "This calendar feed token is invalid or was revoked.", "invalid_feed_token"
                )
            owner.last_used_at = now
            mine = select(Participant.session_id).where(
                Participant.username == owner.username, Participant.state.in_(MEMBER_STATES)
            )
            rows = (
                await db.execute(
                    select(StudySession, SessionSeries.timezone)
                    .outerjoin(SessionSeries, SessionSeries.id == StudySession.series_id)
                    .where(StudySession.id.in_(mine))
                    .order_by(StudySession.scheduled_at.desc(), StudySession.id)
                    .limit(FEED_LIMIT)
                )
            ).all()
            name = f"Study sessions of {owner.username}"
        return build_calendar([tuple(r) for r in rows], name, now, self.event_minutes)

    async def session_calendar(self, actor: Identity, session_id: str) -> bytes:
        """One session as an ``.ics`` file (for anyone who may see the session)."""
        async with self.store.read() as db:
            session, _ = await viewable_session(db, session_id, actor)
            tz_name = None
            if session.series_id is not None:
                tz_name = await db.scalar(
                    select(SessionSeries.timezone).where(SessionSeries.id == session.series_id)
                )
        return build_calendar(
            [(session, tz_name)], session.title, self.clock.now(), self.event_minutes
        )
