"""What the office-hours and queue managers share: loading, permissions, describing, the
queue channel and its position events."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ...exceptions import NotAuthorized, NotFound
from ...identity import Identity
from ...models import (
    DescribeOfficeHours,
    DescribeQueueEntry,
    DescribeStaffDuty,
    DescribeUser,
    Estimate,
)
from ...orm import EntryOutcome, EntryStatus, OfficeHours, QueueEntry, StaffDuty, User
from . import schedule

IN_LINE = (EntryStatus.waiting, EntryStatus.stepped_out)
"""Entries that hold a place in the line (a stepped-out student keeps theirs)."""
ACTIVE = (*IN_LINE, EntryStatus.admitted, EntryStatus.in_progress)
"""Entries not finished: a student has at most one of these per queue."""


@dataclass(frozen=True)
class QueuePolicy:
    """The configurable rules of the queue (set from the app's traits)."""

    almost_up_position: int = 2
    no_show: timedelta = timedelta(minutes=5)
    step_out: timedelta = timedelta(minutes=10)
    default_help_minutes: float = 10.0
    estimate_samples: int = 20


def queue_channel(officehours_id: str) -> str:
    return f"queue:{officehours_id}"


def require_staff(actor: Identity) -> None:
    if not actor.is_staff:
        raise NotAuthorized("Only instructors and TAs can do this.", "not_staff")


async def load_officehours(
    db: AsyncSession, officehours_id: str, *, lock: bool = False
) -> OfficeHours:
    """The office hours (not deleted); with ``lock``, its row is locked until the transaction
    ends: every change to its queue takes this lock first, so queue writes are serialised
    per queue (PostgreSQL ``FOR UPDATE``; SQLite writes are serialised anyway)."""
    query = select(OfficeHours).where(
        OfficeHours.id == officehours_id, OfficeHours.deleted_at.is_(None)
    )
    if lock:
        query = query.with_for_update()
    officehours = await db.scalar(query)
    if officehours is None:
        raise NotFound(f"No office hours {officehours_id!r}.", "officehours_not_found")
    return officehours


def queue_is_open(officehours: OfficeHours, now: datetime) -> bool:
    return schedule.is_open(
        officehours.weekly_slots,
        officehours.one_off_slots,
        officehours.manual_open,
        officehours.manual_until,
        now,
    )


async def staff_on_duty(db: AsyncSession, officehours_id: str) -> list[tuple[StaffDuty, User]]:
    return list(
        (
            await db.execute(
                select(StaffDuty, User)
                .join(User, User.username == StaffDuty.username)
                .where(StaffDuty.officehours_id == officehours_id)
                .order_by(StaffDuty.since, StaffDuty.username)
            )
        ).all()
    )


async def line(db: AsyncSession, officehours_id: str) -> list[QueueEntry]:
    """The entries holding a place, in order: position ``i + 1`` is ``line[i]``."""
    return list(
        await db.scalars(
            select(QueueEntry)
            .where(QueueEntry.officehours_id == officehours_id, QueueEntry.status.in_(IN_LINE))
            .order_by(QueueEntry.ticket)
        )
    )


@dataclass(frozen=True)
class Line:
    """The line at one moment, with what its estimates need: computed once per change and
    shared by the positions event and the answer."""

    entries: list[QueueEntry]
    staff: int
    durations: list[float]
    default_minutes: float

    def position(self, entry: QueueEntry) -> int:
        return next(i for i, e in enumerate(self.entries, start=1) if e.id == entry.id)

    def estimate(self, position: int) -> Estimate:
        return estimate(position, self.durations, self.staff, self.default_minutes)


async def describe_officehours(
    db: AsyncSession, officehours: OfficeHours, now: datetime
) -> DescribeOfficeHours:
    duty = await staff_on_duty(db, officehours.id)
    length = await db.scalar(
        select(func.count()).where(
            QueueEntry.officehours_id == officehours.id, QueueEntry.status.in_(IN_LINE)
        )
    )
    overriding = officehours.manual_open is not None and (
        officehours.manual_until is None or now < officehours.manual_until
    )
    return DescribeOfficeHours(
        id=officehours.id,
        title=officehours.title,
        description=officehours.description,
        weekly_slots=officehours.weekly_slots,
        one_off_slots=officehours.one_off_slots,
        is_open=queue_is_open(officehours, now),
        opened_by_hand=officehours.manual_open if overriding else None,
        override_until=officehours.manual_until if overriding else None,
        next_change_at=schedule.next_boundary(
            officehours.weekly_slots, officehours.one_off_slots, now
        ),
        staff_on_duty=[
            DescribeStaffDuty(user=DescribeUser.model_validate(u), since=d.since) for d, u in duty
        ],
        queue_length=length or 0,
        created_by=officehours.created_by,
        created_at=officehours.created_at,
        updated_at=officehours.updated_at,
    )


async def help_minutes(db: AsyncSession, officehours_id: str, samples: int) -> list[float]:
    """How long the last ``samples`` helped students took (admitted to finished)."""
    rows = await db.execute(
        select(QueueEntry.admitted_at, QueueEntry.finished_at)
        .where(
            QueueEntry.officehours_id == officehours_id,
            QueueEntry.outcome == EntryOutcome.helped,
            QueueEntry.admitted_at.is_not(None),
        )
        .order_by(QueueEntry.finished_at.desc())
        .limit(samples)
    )
    return [max(0.0, (end - start).total_seconds() / 60) for start, end in rows]


def estimate(position: int, durations: list[float], staff: int, default_minutes: float) -> Estimate:
    """The wait of the student at ``position`` (1 is next), as a range of minutes.

    ``typical`` is the median of the recent help times and ``slow`` their upper quartile
    (both ``default_minutes`` with no history). With ``s = max(1, staff on duty)``:
    ``low = ceil((position - 1) * typical / s)`` (everyone ahead gets a typical amount of
    help) and ``high = ceil(position * slow / s)`` (everyone ahead, and whoever is being
    helped now, take long).
    """
    if durations:
        typical = statistics.median(durations)
        slow = statistics.quantiles(durations, n=4)[2] if len(durations) > 1 else durations[0]
        slow = max(slow, typical)
    else:
        typical = slow = default_minutes
    servers = max(1, staff)
    low = math.ceil((position - 1) * typical / servers)
    high = max(low, math.ceil(position * slow / servers))
    return Estimate(low_minutes=low, high_minutes=high, staff_on_duty=staff, samples=len(durations))


def describe_entry(
    entry: QueueEntry,
    user: User,
    now: datetime,
    position: int | None = None,
    wait: Estimate | None = None,
) -> DescribeQueueEntry:
    end = entry.admitted_at or entry.finished_at or now
    return DescribeQueueEntry(
        id=entry.id,
        officehours_id=entry.officehours_id,
        user=DescribeUser.model_validate(user),
        question=entry.question,
        topic=entry.topic,
        status=entry.status,
        position=position,
        waiting_minutes=round(max(0.0, (end - entry.joined_at).total_seconds() / 60), 2),
        joined_at=entry.joined_at,
        stepped_out_at=entry.stepped_out_at,
        admitted_at=entry.admitted_at,
        admitted_by=entry.admitted_by,
        session_id=entry.session_id,
        started_at=entry.started_at,
        finished_at=entry.finished_at,
        outcome=entry.outcome,
        estimate=wait,
    )


def public_entry(entry: QueueEntry, position: int | None = None) -> dict:
    """An entry as every subscriber of the queue channel may see it: no question, no name."""
    return {
        "id": entry.id,
        "status": entry.status,
        "position": position,
        "topic": entry.topic,
    }


async def authorize_queue_channel(store, identity: Identity, officehours_id: str) -> None:
    """``queue:<id>`` is for the course's staff and for students with an entry in it (now or
    before); the events name no one and carry no question."""
    async with store.read() as db:
        await load_officehours(db, officehours_id)
        if identity.is_staff:
            return
        mine = await db.scalar(
            select(QueueEntry.id)
            .where(
                QueueEntry.officehours_id == officehours_id,
                QueueEntry.username == identity.username,
            )
            .limit(1)
        )
        if mine is None:
            raise NotAuthorized("Join the queue to follow it live.", "not_in_queue")
