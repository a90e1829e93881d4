"""Office hours: create, update, delete (course-wide, by staff), open and close by hand, staff
on duty, announcements and the history export. The queue itself is in :mod:`.queue`.

Every public method is one transaction. Changes that the queue's followers should see are
durable events on ``queue:<id>`` (``queue.opened``, ``queue.closed``, ``queue.updated``,
``queue.staff``, ``queue.announcement``), written in that transaction.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import delete, select

from ...clock import Clock
from ...identity import Identity
from ...models import (
    CreateAnnouncement,
    CreateOfficeHours,
    DescribeAnnouncement,
    DescribeOfficeHours,
    ListOfficeHours,
    QueueHistoryQuery,
    SetDuty,
    UpdateOfficeHours,
)
from ...orm import EntryOutcome, EntryStatus, OfficeHours, QueueEntry, StaffDuty
from ...realtime.access import revoke_access
from ...realtime.outbox import Outbox
from ...store import Store
from ..notifications.manager import NotificationManager
from ..users.manager import record_user
from . import schedule
from .common import (
    ACTIVE,
    describe_officehours,
    load_officehours,
    queue_channel,
    queue_is_open,
    require_staff,
)

HISTORY_COLUMNS = [
    "entry_id",
    "username",
    "topic",
    "question",
    "status",
    "outcome",
    "joined_at",
    "admitted_at",
    "admitted_by",
    "started_at",
    "finished_at",
    "finished_by",
    "wait_minutes",
    "help_minutes",
    "session_id",
]


def _minutes(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return ""
    return f"{(end - start).total_seconds() / 60:.2f}"


def _cell(text: str) -> str:
    """A student's text, made inert for spreadsheets (no formula injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _iso(when: datetime | None) -> str:
    return when.isoformat() if when is not None else ""


class OfficeHoursManager:
    def __init__(
        self, store: Store, clock: Clock, outbox: Outbox, notifications: NotificationManager
    ):
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.notifications = notifications

    # -- create, read, update, delete ------------------------------------------------------

    async def create_officehours(
        self, actor: Identity, request: CreateOfficeHours
    ) -> DescribeOfficeHours:
        require_staff(actor)
        now = self.clock.now()
        async with self.store.transaction() as db:
            await record_user(db, actor, now)
            officehours = OfficeHours(
                title=request.title,
                description=request.description,
                weekly_slots=[s.model_dump(mode="json") for s in request.weekly_slots],
                one_off_slots=[s.model_dump(mode="json") for s in request.one_off_slots],
                next_ticket=1,
                created_by=actor.username,
                created_at=now,
                updated_at=now,
            )
            db.add(officehours)
            await db.flush()
            return await describe_officehours(db, officehours, now)

    async def list_officehours(self, actor: Identity) -> ListOfficeHours:
        """Every office hours of the course (everyone signed in sees them), oldest first."""
        now = self.clock.now()
        async with self.store.read() as db:
            rows = await db.scalars(
                select(OfficeHours)
                .where(OfficeHours.deleted_at.is_(None))
                .order_by(OfficeHours.created_at, OfficeHours.id)
            )
            return ListOfficeHours(items=[await describe_officehours(db, o, now) for o in rows])

    async def get_officehours(self, actor: Identity, officehours_id: str) -> DescribeOfficeHours:
        now = self.clock.now()
        async with self.store.read() as db:
            officehours = await load_officehours(db, officehours_id)
            return await describe_officehours(db, officehours, now)

    async def update_officehours(
        self, actor: Identity, officehours_id: str, request: UpdateOfficeHours
    ) -> DescribeOfficeHours:
        require_staff(actor)
        now = self.clock.now()
        async with self.store.transaction() as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            was_open = queue_is_open(officehours, now)
            changes = request.model_dump(exclude_unset=True, mode="json")
            for field in ("title", "description", "weekly_slots", "one_off_slots"):
                if changes.get(field) is not None:
                    setattr(officehours, field, changes[field])
            officehours.updated_at = now
            described = await describe_officehours(db, officehours, now)
            await self._publish_state(db, officehours, was_open, described)
            return described

    async def delete_officehours(self, actor: Identity, officehours_id: str) -> None:
        """Hide the office hours; its queue history is kept (and finished as ``removed``
        for entries still waiting)."""
        require_staff(actor)
        now = self.clock.now()
        async with self.store.transaction() as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            officehours.deleted_at = officehours.updated_at = now
            active = await db.scalars(
                select(QueueEntry).where(
                    QueueEntry.officehours_id == officehours_id, QueueEntry.status.in_(ACTIVE)
                )
            )
            for entry in active:
                entry.status = EntryStatus.finished
                entry.outcome = EntryOutcome.removed
                entry.finished_at = now
                entry.finished_by = actor.username
            await db.execute(delete(StaffDuty).where(StaffDuty.officehours_id == officehours_id))
            await self.outbox.append(
                db,
                queue_channel(officehours_id),
                "queue.deleted",
                {"officehours_id": officehours_id},
            )
            await revoke_access(
                self.outbox,
                db,
                queue_channel(officehours_id),
                None,
                "deleted",
                "These office hours were deleted.",
            )

    # -- open, close, staff on duty --------------------------------------------------------

    async def set_open(
        self, actor: Identity, officehours_id: str, is_open: bool
    ) -> DescribeOfficeHours:
        """Open or close the queue by hand, until the next schedule boundary (or, with no
        slot in the coming week, until staff change it again)."""
        require_staff(actor)
        now = self.clock.now()
        async with self.store.transaction() as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            was_open = queue_is_open(officehours, now)
            officehours.manual_open = is_open
            officehours.manual_until = schedule.next_boundary(
                officehours.weekly_slots, officehours.one_off_slots, now
            )
            officehours.updated_at = now
            described = await describe_officehours(db, officehours, now)
            await self._publish_state(db, officehours, was_open, described, force=True)
            return described

    async def set_duty(
        self, actor: Identity, officehours_id: str, request: SetDuty
    ) -> DescribeOfficeHours:
        """A staff member goes on or off duty (the wait estimate counts them)."""
        require_staff(actor)
        now = self.clock.now()
        async with self.store.transaction() as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            await record_user(db, actor, now)
            await db.flush()  # the user's row first (the duty refers to it)
            current = await db.get(StaffDuty, (officehours_id, actor.username))
            if request.on_duty and current is None:
                db.add(StaffDuty(officehours_id=officehours_id, username=actor.username, since=now))
            elif not request.on_duty and current is not None:
                await db.delete(current)
            await db.flush()
            described = await describe_officehours(db, officehours, now)
            await self.outbox.append(
                db,
                queue_channel(officehours_id),
                "queue.staff",
                {
                    "officehours_id": officehours_id,
                    "staff_on_duty": [
                        d.user.model_dump(mode="json") for d in described.staff_on_duty
                    ],
                },
            )
            return described

    async def _publish_state(
        self, db, officehours: OfficeHours, was_open: bool, described, force: bool = False
    ) -> None:
        data = {"officehours": described.model_dump(mode="json")}
        channel = queue_channel(officehours.id)
        if force or was_open != described.is_open:
            kind = "queue.opened" if described.is_open else "queue.closed"
            await self.outbox.append(db, channel, kind, data)
        else:
            await self.outbox.append(db, channel, "queue.updated", data)

    # -- announcements and history ---------------------------------------------------------

    async def announce(
        self, actor: Identity, officehours_id: str, request: CreateAnnouncement
    ) -> DescribeAnnouncement:
        """Tell everyone in the queue (waiting, stepped out or admitted): a live event on
        the queue channel and a stored notification each."""
        require_staff(actor)
        now = self.clock.now()
        async with self.store.transaction() as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            students = list(
                await db.scalars(
                    select(QueueEntry.username).where(
                        QueueEntry.officehours_id == officehours_id,
                        QueueEntry.status.in_(ACTIVE),
                    )
                )
            )
            announcement = DescribeAnnouncement(
                officehours_id=officehours_id,
                text=request.text,
                author=actor.username,
                created_at=now,
                recipients=len(students),
            )
            await self.outbox.append(
                db,
                queue_channel(officehours_id),
                "queue.announcement",
                {"announcement": announcement.model_dump(mode="json")},
            )
            await self.notifications.notify(
                db,
                students,
                "queue_announcement",
                f"{officehours.title}: announcement from {actor.display_name}",
                request.text,
                officehours_id=officehours_id,
            )
            return announcement

    async def export_history(
        self, actor: Identity, officehours_id: str, query: QueueHistoryQuery
    ) -> str:
        """Every entry that joined in ``[from, to)``, oldest first, as CSV (staff only)."""
        require_staff(actor)
        async with self.store.read() as db:
            await load_officehours(db, officehours_id)
            rows = select(QueueEntry).where(QueueEntry.officehours_id == officehours_id)
            if query.from_ is not None:
                rows = rows.where(QueueEntry.joined_at >= query.from_)
            if query.to is not None:
                rows = rows.where(QueueEntry.joined_at < query.to)
            entries = list(await db.scalars(rows.order_by(QueueEntry.joined_at, QueueEntry.id)))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HISTORY_COLUMNS)
        for e in entries:
            writer.writerow(
                [
                    e.id,
                    e.username,
                    _cell(e.topic or ""),
                    _cell(e.question),
                    e.status,
                    e.outcome or "",
                    _iso(e.joined_at),
                    _iso(e.admitted_at),
                    e.admitted_by or "",
                    _iso(e.started_at),
                    _iso(e.finished_at),
                    e.finished_by or "",
                    _minutes(e.joined_at, e.admitted_at),
                    _minutes(e.admitted_at, e.finished_at),
                    e.session_id or "",
                ]
            )
        return out.getvalue()
