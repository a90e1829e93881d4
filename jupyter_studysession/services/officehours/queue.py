"""The help queue: join, leave, step out and return, admit (next, chosen, by topic), finish,
no-shows, and the "almost up" alert.

Order. Each entry holds a ``ticket`` from its office hours' counter; the line is the entries
waiting or stepped out, by ticket, and position 1 is next. A student who steps out keeps their
ticket (and position) but is skipped by "admit next"; if not back within ``step_out`` they take a
new ticket: the end of the line, waiting again.

Concurrency. Every write locks the office hours' row first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``), then settles what time has
changed (step-outs that ran out, admitted students who opened their room or did not), then
applies the change. Two staff admitting at once therefore run one after the other, each on the
latest line: nobody is admitted twice and nobody is skipped.

Events on ``queue:<id>``, in the transaction of the change: ``queue.entry_joined``,
``queue.entry_left``, ``queue.entry_updated``, ``queue.entry_admitted`` (with the room's
``session_id``), then ``queue.positions`` (the whole line, positions and estimates: enough to
re-render). The events name no one and carry no question.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ...audit import Audit
from ...clock import Clock
from ...exceptions import Conflict, NotAuthorized, NotFound
from ...identity import Identity
from ...models import (
    AdmitResult,
    AdmitStudents,
    CreateSession,
    DescribeQueue,
    DescribeQueueEntry,
    FinishEntry,
    JoinQueue,
)
from ...orm import (
    AttendanceInterval,
    EntryOutcome,
    EntryStatus,
    OfficeHours,
    QueueEntry,
    SessionType,
    User,
)
from ...ratelimit import Limit, RateLimiter
from ...realtime.outbox import Outbox
from ...store import Store
from ..notifications.manager import NotificationManager
from ..sessions.manager import add_session
from ..users.manager import record_user
from .common import (
    ACTIVE,
    IN_LINE,
    Line,
    QueuePolicy,
    describe_entry,
    help_minutes,
    line,
    load_officehours,
    public_entry,
    queue_channel,
    queue_is_open,
    require_staff,
    staff_on_duty,
)

ADMITTED = (EntryStatus.admitted, EntryStatus.in_progress)


class QueueManager:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        outbox: Outbox,
        notifications: NotificationManager,
        limiter: RateLimiter,
        audit: Audit,
        policy: QueuePolicy | None = None,
        join_limit: Limit = Limit(10, 3600),  # noqa: B008 (frozen, immutable)
    ):
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.notifications = notifications
        self.limiter = limiter
        self.audit = audit
        self.policy = policy or QueuePolicy()
        self.join_limit = join_limit
        self._writers: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @contextlib.asynccontextmanager
    async def _writing(self, officehours_id: str) -> AsyncIterator[AsyncSession]:
        """A write transaction on one queue. Its writers in this process take turns before
        the transaction begins (the office hours' row lock orders them across replicas): a
        burst of joins waits here, in memory, not each holding one of the database pool's
        connections while it waits for the row (which left every other request of the server
        waiting for a connection, on PostgreSQL)."""
        lock = self._writers.setdefault(officehours_id, asyncio.Lock())
        async with lock, self.store.transaction() as db:
            yield db

    # -- read ------------------------------------------------------------------------------

    async def get_queue(self, actor: Identity, officehours_id: str) -> DescribeQueue:
        """Staff: every entry not finished, with questions, positions, waiting times and
        estimates. Students: the length and their own entry."""
        now = self.clock.now()
        async with self.store.read() as db:
            await load_officehours(db, officehours_id)
            due = await self._anything_due(db, officehours_id, now)
        if due:  # settle lazily (the periodic sweep does it too)
            async with self._writing(officehours_id) as db:
                officehours = await load_officehours(db, officehours_id, lock=True)
                if await self._settle(db, officehours, now):
                    await self._publish_positions(db, officehours, now)
        async with self.store.read() as db:
            officehours = await load_officehours(db, officehours_id)
            entries = await self._describe_active(db, officehours_id, now)
            staff = len(await staff_on_duty(db, officehours_id))
        mine = next(
            (e for e in entries if e.user.username == actor.username and e.status in ACTIVE),
            None,
        )
        return DescribeQueue(
            officehours_id=officehours_id,
            is_open=queue_is_open(officehours, now),
            length=sum(1 for e in entries if e.status in IN_LINE),
            staff_on_duty=staff,
            entries=entries if actor.is_staff else [],
            my_entry=mine,
        )

    # -- students --------------------------------------------------------------------------

    async def join_queue(
        self, actor: Identity, officehours_id: str, request: JoinQueue
    ) -> DescribeQueueEntry:
        """Take the last place in the line with a question (one active entry per student)."""
        if actor.is_staff:
            raise NotAuthorized("Staff help in the queue; they do not join it.", "not_student")
        self.limiter.hit("queue_join", actor.username, self.join_limit)
        now = self.clock.now()
        async with self._writing(officehours_id) as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            if not queue_is_open(officehours, now):
                raise Conflict("The queue is closed.", "queue_closed")
            await self._settle(db, officehours, now)
            if await self._active_entry(db, officehours_id, actor.username) is not None:
                raise Conflict("You are already in this queue.", "already_in_queue")
            await record_user(db, actor, now)
            await db.flush()  # the user's row first (the entry refers to it)
            entry = QueueEntry(
                officehours_id=officehours_id,
                username=actor.username,
                question=request.question,
                topic=request.topic,
                status=EntryStatus.waiting,
                ticket=self._take_ticket(officehours),
                joined_at=now,
                almost_up_notified=False,
            )
            db.add(entry)
            await db.flush()
            await self._entry_event(db, entry, "queue.entry_joined")
            current = await self._publish_positions(db, officehours, now)
            return await self._describe_one(db, entry, now, current)

    async def leave_queue(self, actor: Identity, officehours_id: str) -> DescribeQueueEntry:
        now = self.clock.now()
        async with self._writing(officehours_id) as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            await self._settle(db, officehours, now)
            entry = await self._mine(db, officehours_id, actor)
            self._finish(entry, EntryOutcome.left, actor.username, now)
            await self._entry_event(db, entry, "queue.entry_left")
            current = await self._publish_positions(db, officehours, now)
            return await self._describe_one(db, entry, now, current)

    async def step_out(self, actor: Identity, officehours_id: str) -> DescribeQueueEntry:
        """Keep the place for ``step_out`` minutes; "admit next" skips the entry meanwhile."""
        now = self.clock.now()
        async with self._writing(officehours_id) as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            await self._settle(db, officehours, now)
            entry = await self._mine(db, officehours_id, actor)
            if entry.status != EntryStatus.waiting:
                raise Conflict(f"Your entry is {entry.status}; it cannot step out.", "not_waiting")
            entry.status = EntryStatus.stepped_out
            entry.stepped_out_at = now
            await self._entry_event(db, entry, "queue.entry_updated")
            current = await self._publish_positions(db, officehours, now)
            return await self._describe_one(db, entry, now, current)

    async def return_to_queue(self, actor: Identity, officehours_id: str) -> DescribeQueueEntry:
        """Back from a step-out: the same place if in time, else (already moved) at the end."""
        now = self.clock.now()
        async with self._writing(officehours_id) as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            await self._settle(db, officehours, now)
            entry = await self._mine(db, officehours_id, actor)
            if entry.status == EntryStatus.stepped_out:
                entry.status = EntryStatus.waiting
                entry.stepped_out_at = None
                await self._entry_event(db, entry, "queue.entry_updated")
                await self._publish_positions(db, officehours, now)
            elif entry.status != EntryStatus.waiting:
                raise Conflict(f"Your entry is {entry.status}.", "not_stepped_out")
            return await self._describe_one(db, entry, now)

    # -- staff -----------------------------------------------------------------------------

    async def admit(
        self, actor: Identity, officehours_id: str, request: AdmitStudents
    ) -> AdmitResult:
        """Admit the next waiting student, the chosen entries, or the waiting entries of one
        topic, into a new private room hosted by the actor, started, with the students joined;
        each student is told "It's your turn" (stored, and live on ``user:<name>``)."""
        require_staff(actor)
        now = self.clock.now()
        async with self._writing(officehours_id) as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            await self._settle(db, officehours, now)
            chosen = await self._choose(db, officehours_id, request)
            usernames = [e.username for e in chosen]
            people = {
                u.username: u.display_name
                for u in await db.scalars(select(User).where(User.username.in_(usernames)))
            }
            names = ", ".join(people.get(name) or name for name in usernames)
            about = chosen[0].question if len(chosen) == 1 else f"Topic: {request.topic or '-'}"
            room = CreateSession(
                title=f"{officehours.title}: {names}"[:100],
                description=about[:2000],
                type=SessionType.one_on_one if len(chosen) == 1 else SessionType.group,
                max_participants=max(2, len(chosen) + 1),
                is_public=False,
            )
            await record_user(db, actor, now)
            session = await add_session(db, actor, room, now, join=usernames, start=True)
            for entry in chosen:
                entry.status = EntryStatus.admitted
                entry.admitted_at = now
                entry.admitted_by = actor.username
                entry.session_id = session.id
                await self.notifications.notify(
                    db,
                    [entry.username],
                    "your_turn",
                    "It's your turn",
                    f"{actor.display_name} is ready for you in {officehours.title}.",
                    session_id=session.id,
                    officehours_id=officehours_id,
                    entry_id=entry.id,
                )
            await self.outbox.append(
                db,
                queue_channel(officehours_id),
                "queue.entry_admitted",
                {
                    "officehours_id": officehours_id,
                    "session_id": session.id,
                    "entries": [public_entry(e) for e in chosen],
                },
            )
            current = await self._publish_positions(db, officehours, now)
            described = [await self._describe_one(db, e, now, current) for e in chosen]
        self.audit.session("created", session.id, actor.username, status=session.status)
        self.audit.session("started", session.id, actor.username, usernames=usernames)
        return AdmitResult(session_id=session.id, entries=described)

    async def finish_entry(
        self, actor: Identity, officehours_id: str, entry_id: str, request: FinishEntry
    ) -> DescribeQueueEntry:
        """Close an entry with its outcome (helped, no_show, left, removed)."""
        require_staff(actor)
        now = self.clock.now()
        async with self._writing(officehours_id) as db:
            officehours = await load_officehours(db, officehours_id, lock=True)
            await self._settle(db, officehours, now)
            entry = await db.get(QueueEntry, entry_id)
            if entry is None or entry.officehours_id != officehours_id:
                raise NotFound(f"No queue entry {entry_id!r}.", "entry_not_found")
            if entry.status == EntryStatus.finished:
                raise Conflict(f"The entry is finished ({entry.outcome}).", "entry_finished")
            self._finish(entry, request.outcome, actor.username, now)
            await self._entry_event(db, entry, "queue.entry_updated")
            current = await self._publish_positions(db, officehours, now)
            return await self._describe_one(db, entry, now, current)

    async def sweep(self) -> int:
        """Settle every queue with something due (step-outs that ran out, no-shows); the
        periodic task calls this. Returns how many queues changed."""
        now = self.clock.now()
        async with self.store.read() as db:
            candidates = list(
                await db.scalars(
                    select(QueueEntry.officehours_id)
                    .where(QueueEntry.status.in_((EntryStatus.stepped_out, EntryStatus.admitted)))
                    .distinct()
                )
            )
        changed = 0
        for officehours_id in candidates:
            async with self._writing(officehours_id) as db:
                try:
                    officehours = await load_officehours(db, officehours_id, lock=True)
                except NotFound:
                    continue
                if await self._settle(db, officehours, now):
                    await self._publish_positions(db, officehours, now)
                    changed += 1
        return changed

    # -- the rules -------------------------------------------------------------------------

    @staticmethod
    def _take_ticket(officehours: OfficeHours) -> int:
        ticket = officehours.next_ticket
        officehours.next_ticket = ticket + 1
        return ticket

    @staticmethod
    def _finish(entry: QueueEntry, outcome: EntryOutcome, by: str, now: datetime) -> None:
        entry.status = EntryStatus.finished
        entry.outcome = outcome
        entry.finished_at = now
        entry.finished_by = by
        entry.stepped_out_at = None

    async def _anything_due(self, db: AsyncSession, officehours_id: str, now: datetime) -> bool:
        due = await db.scalar(
            select(func.count()).where(
                QueueEntry.officehours_id == officehours_id,
                (
                    (QueueEntry.status == EntryStatus.stepped_out)
                    & (QueueEntry.stepped_out_at <= now - self.policy.step_out)
                )
                | (QueueEntry.status == EntryStatus.admitted),
            )
        )
        return bool(due)

    async def _settle(self, db: AsyncSession, officehours: OfficeHours, now: datetime) -> bool:
        """Apply what time changed, under the queue's lock; True if anything did."""
        changed = False
        stepped_out = await db.scalars(  # buffered: safe to change while iterating
            select(QueueEntry)
            .where(
                QueueEntry.officehours_id == officehours.id,
                QueueEntry.status == EntryStatus.stepped_out,
                QueueEntry.stepped_out_at <= now - self.policy.step_out,
            )
            .order_by(QueueEntry.stepped_out_at, QueueEntry.ticket)
        )
        for entry in list(stepped_out):  # not back in time: to the end of the line
            entry.status = EntryStatus.waiting
            entry.stepped_out_at = None
            entry.ticket = self._take_ticket(officehours)
            entry.almost_up_notified = False
            await self._entry_event(db, entry, "queue.entry_updated")
            changed = True
        admitted = await db.scalars(
            select(QueueEntry).where(
                QueueEntry.officehours_id == officehours.id,
                QueueEntry.status == EntryStatus.admitted,
            )
        )
        for entry in list(admitted):
            opened = await db.scalar(
                select(func.min(AttendanceInterval.joined_at)).where(
                    AttendanceInterval.session_id == entry.session_id,
                    AttendanceInterval.username == entry.username,
                )
            )
            if opened is not None:  # the student opened the room
                entry.status = EntryStatus.in_progress
                entry.started_at = max(opened, entry.admitted_at)
            elif now - entry.admitted_at >= self.policy.no_show:
                self._finish(entry, EntryOutcome.no_show, "system", now)
            else:
                continue
            await self._entry_event(db, entry, "queue.entry_updated")
            changed = True
        return changed

    async def _choose(
        self, db: AsyncSession, officehours_id: str, request: AdmitStudents
    ) -> list[QueueEntry]:
        waiting = [e for e in await line(db, officehours_id) if e.status == EntryStatus.waiting]
        if request.entry_ids is not None:
            by_id = {e.id: e for e in waiting}
            missing = [i for i in dict.fromkeys(request.entry_ids) if i not in by_id]
            if missing:
                raise Conflict(
                    f"Not waiting in this queue: {', '.join(missing)}.",
                    "entry_not_waiting",
                )
            return [by_id[i] for i in dict.fromkeys(request.entry_ids)]
        if request.topic is not None:
            topic = request.topic.casefold()
            same = [e for e in waiting if (e.topic or "").casefold() == topic]
            if not same:
                raise Conflict(f"Nobody is waiting with topic {request.topic!r}.", "queue_empty")
            return same[: request.max_students]
        if not waiting:
            raise Conflict("Nobody is waiting.", "queue_empty")
        return waiting[:1]

    async def _active_entry(
        self, db: AsyncSession, officehours_id: str, username: str
    ) -> QueueEntry | None:
        return await db.scalar(
            select(QueueEntry).where(
                QueueEntry.officehours_id == officehours_id,
                QueueEntry.username == username,
                QueueEntry.status.in_(ACTIVE),
            )
        )

    async def _mine(self, db: AsyncSession, officehours_id: str, actor: Identity) -> QueueEntry:
        entry = await self._active_entry(db, officehours_id, actor.username)
        if entry is None:
            raise NotFound("You are not in this queue.", "not_in_queue")
        return entry

    # -- events and descriptions -----------------------------------------------------------

    async def _entry_event(self, db: AsyncSession, entry: QueueEntry, type: str) -> None:
        await self.outbox.append(
            db,
            queue_channel(entry.officehours_id),
            type,
            {"officehours_id": entry.officehours_id, "entry": public_entry(entry)},
        )

    async def _line(self, db: AsyncSession, officehours_id: str) -> Line:
        """The line as it stands in this transaction, with what its estimates need."""
        await db.flush()
        return Line(
            await line(db, officehours_id),
            len(await staff_on_duty(db, officehours_id)),
            await help_minutes(db, officehours_id, self.policy.estimate_samples),
            self.policy.default_help_minutes,
        )

    async def _publish_positions(
        self, db: AsyncSession, officehours: OfficeHours, now: datetime
    ) -> Line:
        """``queue.positions``: the line with positions and estimates; and the one-time
        "almost up" alert for waiting students now at a position ≤ ``almost_up_position``.
        Returns the line, for the answer to describe from (computed once per change)."""
        current = await self._line(db, officehours.id)
        entries = []
        for position, entry in enumerate(current.entries, start=1):
            wait = current.estimate(position)
            entries.append(
                {**public_entry(entry, position), "estimate": wait.model_dump(mode="json")}
            )
            if (
                entry.status == EntryStatus.waiting
                and position <= self.policy.almost_up_position
                and not entry.almost_up_notified
            ):
                entry.almost_up_notified = True
                await self.notifications.notify(
                    db,
                    [entry.username],
                    "almost_up",
                    "You're almost up",
                    f"You are number {position} in {officehours.title}.",
                    officehours_id=officehours.id,
                    entry_id=entry.id,
                    position=position,
                )
        await self.outbox.append(
            db,
            queue_channel(officehours.id),
            "queue.positions",
            {
                "officehours_id": officehours.id,
                "length": len(current.entries),
                "staff_on_duty": current.staff,
                "entries": entries,
            },
        )
        return current

    async def _describe_active(
        self, db: AsyncSession, officehours_id: str, now: datetime
    ) -> list[DescribeQueueEntry]:
        """The line (with positions and estimates), then the admitted entries."""
        current = await self._line(db, officehours_id)
        admitted = list(
            await db.scalars(
                select(QueueEntry)
                .where(
                    QueueEntry.officehours_id == officehours_id,
                    QueueEntry.status.in_(ADMITTED),
                )
                .order_by(QueueEntry.admitted_at, QueueEntry.ticket)
            )
        )
        users = {
            u.username: u
            for u in await db.scalars(
                select(User).where(
                    User.username.in_([e.username for e in current.entries + admitted])
                )
            )
        }
        described = [
            describe_entry(e, users[e.username], now, position, current.estimate(position))
            for position, e in enumerate(current.entries, start=1)
        ]
        described += [describe_entry(e, users[e.username], now) for e in admitted]
        return described

    async def _describe_one(
        self, db: AsyncSession, entry: QueueEntry, now: datetime, current: Line | None = None
    ) -> DescribeQueueEntry:
        """``entry`` with its position and estimate in ``current`` (the line just published)
        or, if none was, in the line as it stands."""
        await db.flush()
        user = await db.get(User, entry.username)
        if entry.status not in IN_LINE:
            return describe_entry(entry, user, now)
        current = current or await self._line(db, entry.officehours_id)
        position = current.position(entry)
        return describe_entry(entry, user, now, position, current.estimate(position))
