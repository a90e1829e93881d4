"""Attendance from open tabs: the write side of the rule in ``services/sessions/attendance``.

A participant is present while joined, with at least one tab subscribed to ``session:<id>``,
in an active session. :meth:`ConnectionAttendance.entered` opens the interval when a tab
subscribes; when the last tab leaves, the presence store records a departure, and
:meth:`ConnectionAttendance.close_departed` closes the interval once the grace period has
passed with no tab back, at the moment the last tab left.

Ordering makes this safe across replicas: a tab is counted in the presence store *before*
its interval is opened, and a departure is closed only after re-counting the tabs while
holding the session's row lock, which the opening transaction takes too. So a tab that comes
back at the last moment either stops the close or opens a fresh interval after it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from ...clock import Clock
from ...exceptions import NotFound
from ...orm import SessionStatus, StudySession
from ...store import Store
from ..sessions import attendance
from ..sessions.access import is_joined, load_session, membership
from .store import PresenceStore

log = logging.getLogger(__name__)


class ConnectionAttendance:
    def __init__(self, store: Store, clock: Clock, live: PresenceStore, grace: timedelta):
        self.store = store
        self.clock = clock
        self.live = live
        self.grace = grace

    async def entered(self, session: StudySession, username: str) -> bool:
        """A tab of ``username`` is now counted on the session's channel: open an interval
        if they should be present and none is open. Returns whether one was opened."""
        if session.status != SessionStatus.active:
            return False
        async with self.store.read() as db:
            member = await membership(db, session.id, username)
            if not is_joined(member):
                return False
            if await attendance.has_open_interval(db, session.id, username):
                return False
        async with self.store.transaction() as db:
            locked = await load_session(db, session.id, lock=True)
            member = await membership(db, session.id, username)
            if (
                locked.status != SessionStatus.active
                or not is_joined(member)
                or await self.live.session_tabs(session.id, username) == 0
                or await attendance.has_open_interval(db, session.id, username)
            ):
                return False
            await attendance.open_interval(db, session.id, username, self.clock.now())
        return True

    async def close_departed(self) -> int:
        """Close the intervals of users whose last tab left more than the grace period ago,
        at the moment it left. Each departure is claimed by one process. Returns how many
        intervals were closed."""
        due = await self.live.claim_departures(self.clock.now() - self.grace)
        closed = 0
        for departure in due:
            try:
                async with self.store.transaction() as db:
                    await load_session(db, departure.session_id, lock=True)
                    if await self.live.session_tabs(departure.session_id, departure.username):
                        continue  # a tab came back meanwhile: still present
                    if await attendance.close_interval(
                        db, departure.session_id, departure.username, departure.at
                    ):
                        closed += 1
            except NotFound:
                continue  # the session was deleted
            except Exception:
                log.exception(
                    "presence: closing the attendance of %s in %s failed",
                    departure.username,
                    departure.session_id,
                )
        return closed
