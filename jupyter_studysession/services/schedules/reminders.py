"""Reminders before a scheduled session starts, delivered once even with several replicas.

A periodic task calls :meth:`ReminderManager.send_due_reminders`. For each scheduled session
whose reminder ``m`` minutes before the start is due, one transaction inserts a
``reminders_sent`` row (unique on session and ``m``) and the notifications (stored, and live on
``user:<name>`` after the commit). When two replicas race, the second insert conflicts and its
transaction rolls back whole: nobody is notified twice. When several reminders are due at once
(the server was down, or the session was created late), only the nearest one is sent and the
earlier ones are marked sent with it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...clock import Clock
from ...orm import Participant, ParticipantState, ReminderSent, SessionStatus, StudySession
from ...store import Store
from ..notifications.manager import NotificationManager

log = logging.getLogger(__name__)

REMINDED_STATES = (ParticipantState.invited, ParticipantState.joined)


class ReminderManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        notifications: NotificationManager,
        minutes: Iterable[int] = (15, 5),
    ):
        self.store = store
        self.clock = clock
        self.notifications = notifications
        self.minutes = sorted({int(m) for m in minutes if m > 0}, reverse=True)

    def _due(self, scheduled_at, now, sent: set[int]) -> list[int]:
        return [
            m
            for m in self.minutes
            if m not in sent and scheduled_at - timedelta(minutes=m) <= now < scheduled_at
        ]

    async def send_due_reminders(self) -> int:
        """Send every reminder that is due now; returns how many notifications went out."""
        if not self.minutes:
            return 0
        now = self.clock.now()
        async with self.store.read() as db:
            rows = (
                await db.execute(
                    select(StudySession.id, StudySession.scheduled_at).where(
                        StudySession.status == SessionStatus.scheduled,
                        StudySession.scheduled_at > now,
                        StudySession.scheduled_at <= now + timedelta(minutes=self.minutes[0]),
                    )
                )
            ).all()
            sent: dict[str, set[int]] = {}
            if rows:
                for session_id, minutes in await db.execute(
                    select(ReminderSent.session_id, ReminderSent.minutes_before).where(
                        ReminderSent.session_id.in_([r[0] for r in rows])
                    )
                ):
                    sent.setdefault(session_id, set()).add(minutes)
        delivered = 0
        for session_id, scheduled_at in rows:
            if not self._due(scheduled_at, now, sent.get(session_id, set())):
                continue
            try:
                delivered += await self._remind(session_id, now)
            except IntegrityError:
                log.debug("reminders: session %s was reminded by another replica", session_id)
            except Exception:
                log.exception("reminders: could not remind session %s", session_id)
        return delivered

    async def _remind(self, session_id: str, now) -> int:
        async with self.store.transaction() as db:
            session = await db.scalar(
                select(StudySession).where(StudySession.id == session_id).with_for_update()
            )
            if session is None or session.status != SessionStatus.scheduled:
                return 0  # started, cancelled or deleted meanwhile
            sent = set(
                await db.scalars(
                    select(ReminderSent.minutes_before).where(ReminderSent.session_id == session_id)
                )
            )
            due = self._due(session.scheduled_at, now, sent)
            if not due:
                return 0
            db.add_all(
                ReminderSent(session_id=session_id, minutes_before=m, sent_at=now) for m in due
            )
            await db.flush()  # a replica that got here first makes this raise IntegrityError
            recipients = list(
                await db.scalars(
                    select(Participant.username)
                    .where(
                        Participant.session_id == session_id,
                        Participant.state.in_(REMINDED_STATES),
                    )
                    .order_by(Participant.id)
                )
            )
            left = max(1, math.ceil((session.scheduled_at - now).total_seconds() / 60))
            await self.notifications.notify(
                db,
                recipients,
                "reminder",
                f"“{session.title}” starts in {left} minute{'s' if left != 1 else ''}",
                session_id=session_id,
                minutes_before=min(due),
                scheduled_at=session.scheduled_at.isoformat(),
            )
        return len(recipients)
