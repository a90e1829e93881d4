"""Recurring sessions: a series (an RRULE in a time zone) whose occurrences are ordinary
sessions, materialised some weeks ahead and topped up by a periodic task.

- Creating a session with a ``recurrence`` creates a series and its first occurrences.
- Editing or cancelling "this occurrence" is an ordinary session change
  (:class:`~..sessions.manager.SessionManager`), which marks the occurrence as edited.
- Editing "all following" splits the series at the occurrence: the old series ends before it
  (UNTIL), a new series starts there with the changes, and the old series' future scheduled
  occurrences move to it (unedited ones take the new rule's slots and the new fields; edited
  ones keep their edits when their slot still exists, otherwise they stay with the old series).
- Cancelling "all following" ends the series before the occurrence and cancels the scheduled
  occurrences from it on.

Every public method is one transaction; the series row is locked while it changes, and a
unique index on (series_id, occurrence_start) makes a concurrent top-up harmless. An "all
following" change locks the series, then the occurrence it is made from, then the later
occurrences it selects, in occurrence order. The session manager locks the one occurrence it
starts or edits (and never a series): the select of later occurrences waits for such a change
to commit and then sees it (a session started meanwhile is no longer ``scheduled``, an edit
made meanwhile is kept) instead of overwriting it, and since it holds no other occurrence or
series, the two never wait on each other in a cycle.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from ...audit import Audit
from ...clock import Clock
from ...exceptions import Conflict, InvalidInput
from ...identity import Identity
from ...models import CreateSession, DescribeSession, UpdateSession
from ...orm import (
    Participant,
    ReminderSent,
    SessionSeries,
    SessionStatus,
    StudySession,
)
from ...realtime.outbox import Outbox
from ...store import Store
from ..notifications.manager import NotificationManager
from ..sessions.access import (
    MEMBER_STATES,
    add_members,
    describe_session,
    hosted_session,
    publish_session,
)
from ..users.manager import ensure_users, record_user
from . import recurrence

log = logging.getLogger(__name__)

TEMPLATE_FIELDS = (
    "title",
    "description",
    "type",
    "subject",
    "tags",
    "max_participants",
    "is_public",
    "settings",
)
"""The fields an occurrence takes from its series (and an "all following" edit changes)."""


def changes_calendar(session: StudySession, changes: dict) -> bool:
    """Whether ``changes`` (JSON-mode values) move the session or rename it: what bumps its
    iCalendar SEQUENCE."""
    if "title" in changes and changes["title"] != session.title:
        return True
    if "scheduled_at" in changes:
        new = changes["scheduled_at"]
        new = datetime.fromisoformat(new) if isinstance(new, str) else new
        return new != session.scheduled_at
    return False


async def forget_reminders(db, session_id: str) -> None:
    """A rescheduled session gets its reminders again, for its new time."""
    await db.execute(delete(ReminderSent).where(ReminderSent.session_id == session_id))


class ScheduleManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        notifications: NotificationManager,
        audit: Audit,
        outbox: Outbox,
        window: timedelta = timedelta(days=28),
        join_window: timedelta = timedelta(minutes=5),
    ):
        self.store = store
        self.clock = clock
        self.notifications = notifications
        self.audit = audit
        self.outbox = outbox
        self.window = window
        self.join_window = join_window

    # -- create and top up ---------------------------------------------------------------

    async def create_series(self, actor: Identity, request: CreateSession) -> DescribeSession:
        """A series hosted by ``actor`` from ``request.scheduled_at`` on; returns its first
        occurrence. Invitees are invited to every occurrence and notified once."""
        rule = request.recurrence
        if rule is None or request.scheduled_at is None:
            raise InvalidInput(
                "scheduled_at: a recurring session needs the start of its first occurrence"
            )
        text = recurrence.build_rule(
            request.scheduled_at,
            rule.timezone,
            rrule_text=rule.rrule,
            by_weekday=[d.value for d in rule.by_weekday],
            interval=rule.interval,
            until=rule.until,
            count=rule.count,
        )
        now = self.clock.now()
        invitees = [u for u in dict.fromkeys(request.invite) if u != actor.username]
        async with self.store.transaction() as db:
            await record_user(db, actor, now)
            await ensure_users(db, invitees)
            series = SessionSeries(
                host_username=actor.username,
                rrule=text,
                timezone=rule.timezone,
                starts_at=request.scheduled_at,
                template=request.model_dump(mode="json", include=set(TEMPLATE_FIELDS)),
                invitees=invitees,
                created_at=now,
                updated_at=now,
            )
            db.add(series)
            await db.flush()
            created = await self._materialise(db, series, now)
            first = created[0]
            await self.notifications.notify(
                db,
                invitees,
                "invite",
                f"{actor.display_name} invited you to “{first.title}” (recurring)",
                session_id=first.id,
                series_id=series.id,
            )
            described = await describe_session(db, first, actor, self.join_window)
        self.audit.session(
            "created",
            first.id,
            actor.username,
            status=first.status,
            detail=f"series {series.id}: {text}; {len(created)} occurrences so far",
        )
        return described

    async def top_up_series(self) -> int:
        """Materialise every series' occurrences up to the window ahead; returns how many
        sessions were created. Idempotent, and safe on several replicas at once."""
        now = self.clock.now()
        horizon = now + self.window
        async with self.store.read() as db:
            due = list(
                await db.scalars(
                    select(SessionSeries.id).where(SessionSeries.materialised_until < horizon)
                )
            )
        created = 0
        for series_id in due:
            try:
                async with self.store.transaction() as db:
                    series = await db.scalar(
                        select(SessionSeries).where(SessionSeries.id == series_id).with_for_update()
                    )
                    created += len(await self._materialise(db, series, now))
            except Exception:
                log.exception("schedules: could not top up series %s", series_id)
        if created:
            log.info("schedules: materialised %s occurrences", created)
        return created

    async def _materialise(self, db, series: SessionSeries, now: datetime) -> list[StudySession]:
        """Sessions for the series' occurrences from where it stopped (or its start) to the
        window ahead (at least its first one); occurrences that exist are skipped."""
        horizon = max(now + self.window, series.starts_at)
        after = series.materialised_until or series.starts_at
        starts = recurrence.occurrences(
            series.rrule, series.starts_at, series.timezone, after, horizon
        )
        if series.materialised_until is not None:
            starts = [s for s in starts if s > series.materialised_until]
        existing = (
            set(
                await db.scalars(
                    select(StudySession.occurrence_start).where(
                        StudySession.series_id == series.id,
                        StudySession.occurrence_start.in_(starts),
                    )
                )
            )
            if starts
            else set()
        )
        created = []
        for start in starts:
            if start in existing:
                continue
            created.append(await self._add_occurrence(db, series, start, now))
        series.materialised_until = max(horizon, series.materialised_until or horizon)
        return created

    async def _add_occurrence(
        self, db, series: SessionSeries, start: datetime, now: datetime
    ) -> StudySession:
        fields = CreateSession.model_validate(
            {**series.template, "title": series.template.get("title", "Study session")}
        )
        session = StudySession(
            **fields.model_dump(include=set(TEMPLATE_FIELDS) - {"settings"}),
            settings=fields.settings.model_dump(mode="json"),
            status=SessionStatus.scheduled,
            host_username=series.host_username,
            scheduled_at=start,
            series_id=series.id,
            occurrence_start=start,
            occurrence_edited=False,
            sequence=0,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
        )
        db.add(session)
        await db.flush()
        invitees = [n for n in series.invitees if n != series.host_username]
        add_members(db, session, series.host_username, now, invite=invitees)
        await db.flush()
        await db.refresh(session, ["host"])
        return session

    # -- "all following" -----------------------------------------------------------------

    async def _lock_series_first(self, db, session_id: str) -> None:
        """Lock the series of the occurrence ``session_id`` (if it has one) before the
        occurrence itself, so that every "all following" change locks series, occurrence,
        later occurrences, in this order: two at once on one series queue on the series
        instead of each holding an occurrence the other needs (a deadlock).

        The series is read without a lock: should a split move the occurrence to a new series
        meanwhile, :meth:`_series_of` locks that one too, after the occurrence."""
        series_id = await db.scalar(
            select(StudySession.series_id).where(StudySession.id == session_id)
        )
        if series_id is not None:
            await db.execute(
                select(SessionSeries.id).where(SessionSeries.id == series_id).with_for_update()
            )

    async def _series_of(self, db, session: StudySession) -> SessionSeries:
        if session.series_id is None:
            raise InvalidInput(
                "scope: this session is not part of a series; leave scope out", "not_recurring"
            )
        if session.status != SessionStatus.scheduled:
            raise Conflict(
                f"The session is {session.status}; only scheduled occurrences change with "
                "their series.",
                "invalid_status",
            )
        return await db.scalar(
            select(SessionSeries).where(SessionSeries.id == session.series_id).with_for_update()
        )

    async def update_following(
        self, actor: Identity, session_id: str, request: UpdateSession
    ) -> DescribeSession:
        """Change this occurrence and every later one: split the series here."""
        changes = request.model_dump(exclude_unset=True, exclude={"scope"}, mode="json")
        now = self.clock.now()
        async with self.store.transaction() as db:
            await self._lock_series_first(db, session_id)
            session, _ = await hosted_session(db, session_id, actor)
            series = await self._series_of(db, session)
            at = session.occurrence_start
            new_start = request.scheduled_at if "scheduled_at" in changes else at
            old_rule, new_rule = recurrence.split_rule(
                series.rrule, series.starts_at, series.timezone, at, new_start
            )
            template = {**series.template}
            for field in TEMPLATE_FIELDS:
                if field in changes:
                    template[field] = changes[field]
            series.rrule = old_rule
            series.updated_at = now
            new = SessionSeries(
                host_username=series.host_username,
                rrule=new_rule,
                timezone=series.timezone,
                starts_at=new_start,
                template=template,
                invitees=list(series.invitees),
                split_from=series.id,
                created_at=now,
                updated_at=now,
            )
            db.add(new)
            await db.flush()
            horizon = max(now + self.window, series.materialised_until or now, new_start)
            slots = recurrence.occurrences(new_rule, new_start, series.timezone, new_start, horizon)
            if not slots or slots[0] != new_start:
                raise InvalidInput(
                    "scheduled_at: must fall on one of the series' days", "invalid_rrule"
                )
            later = list(
                await db.scalars(
                    select(StudySession)
                    .where(
                        StudySession.series_id == series.id,
                        StudySession.occurrence_start >= at,
                        StudySession.status == SessionStatus.scheduled,
                        StudySession.id != session.id,
                    )
                    .order_by(StudySession.occurrence_start)
                    .with_for_update(of=StudySession)
                )
            )
            free = [s for s in slots if s != new_start]
            unedited = [session]
            for row in later:
                if row.occurrence_edited:
                    if row.occurrence_start in free:  # its slot still exists: it keeps its edits
                        free.remove(row.occurrence_start)
                        row.series_id = new.id
                    continue  # else it stays, an exception of the old series
                unedited.append(row)
            free.insert(0, new_start)
            for row, slot in zip(unedited, free, strict=False):
                await self._apply(db, row, new.id, slot, changes, now)
            for row in unedited[len(free) :]:  # the new rule has fewer occurrences
                await self._cancel(db, row, now)
            await self._materialise(db, new, now)
            described = await describe_session(db, session, actor, self.join_window)
        self.audit.session(
            "updated",
            session_id,
            actor.username,
            detail=f"this and following (series {new.id}): " + ",".join(sorted(changes)),
        )
        return described

    async def _apply(self, db, row: StudySession, series_id, slot, changes: dict, now) -> None:
        wanted = {k: v for k, v in changes.items() if k in TEMPLATE_FIELDS}
        if changes_calendar(row, {**wanted, "scheduled_at": slot}):
            row.sequence += 1
        if row.scheduled_at != slot:
            await forget_reminders(db, row.id)
        for field, value in wanted.items():
            setattr(row, field, value)
        row.series_id = series_id
        row.occurrence_start = row.scheduled_at = slot
        row.occurrence_edited = False
        row.updated_at = now
        await db.flush()
        await publish_session(self.outbox, db, row, "session.updated", self.join_window)

    async def _cancel(self, db, row: StudySession, now) -> None:
        row.status = SessionStatus.cancelled
        row.sequence += 1
        row.updated_at = now
        await publish_session(self.outbox, db, row, "session.cancelled", self.join_window)
        await self.notifications.settle_offers(db, row.id)

    async def cancel_following(self, actor: Identity, session_id: str) -> DescribeSession:
        """Cancel this occurrence and every later one; the series ends before it."""
        now = self.clock.now()
        async with self.store.transaction() as db:
            await self._lock_series_first(db, session_id)
            session, _ = await hosted_session(db, session_id, actor, host_only=True)
            series = await self._series_of(db, session)
            at = session.occurrence_start
            series.rrule = recurrence.truncate_rule(series.rrule, at)
            series.updated_at = now
            rows = list(
                await db.scalars(
                    select(StudySession)
                    .where(
                        StudySession.series_id == series.id,
                        StudySession.occurrence_start >= at,
                        StudySession.status == SessionStatus.scheduled,
                    )
                    .order_by(StudySession.occurrence_start)
                    .with_for_update(of=StudySession)
                )
            )
            for row in rows:
                await self._cancel(db, row, now)
            members = list(
                await db.scalars(
                    select(Participant.username)
                    .where(
                        Participant.session_id.in_([r.id for r in rows]),
                        Participant.state.in_(MEMBER_STATES),
                        Participant.username != actor.username,
                    )
                    .distinct()
                )
            )
            when = session.scheduled_at.astimezone(recurrence.zone(series.timezone))
            await self.notifications.notify(
                db,
                sorted(members),
                "session_cancelled",
                f"“{session.title}” was cancelled from {when:%Y-%m-%d} on",
                f"{len(rows)} sessions",
                session_id=session_id,
                series_id=series.id,
            )
            described = await describe_session(db, session, actor, self.join_window)
        for row in rows:
            self.audit.session("cancelled", row.id, actor.username, status=row.status)
        return described
