"""Playing a demo course's plan through the managers, on a :class:`~..clock.FrozenClock`.

Every planned action becomes a step at its time: people create, join, leave, open and close
tabs (through the presence manager, as their websockets would), chat, add and tick goals, run
the timer, queue for help; staff admit and finish; and the server's background jobs run when
they would: the nightly cleanup and recurring-session top-up, the queue's no-show sweep, and
the presence sweep before a tab comes back after the grace period. Steps run one at a time,
in time order, each with the clock set to its time; a step's result (an id) is kept on the
plan for the steps after it. The server's answers are checked against the plan as it goes
(the cleanup deletes and ends exactly the planned sessions, "admit" admits the planned
entry), so a plan that drifted from the server's rules fails loudly instead of producing a
ground truth that is not true.
"""

from __future__ import annotations

import logging
import time as timer_clock
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..clock import FrozenClock
from ..demo import Tabs
from ..models import (
    AdmitStudents,
    CreateGoal,
    CreateGroup,
    CreateGroupSession,
    CreateMessage,
    CreateOfficeHours,
    CreateSession,
    EndSession,
    FinishEntry,
    JoinGroup,
    JoinQueue,
    JoinSession,
    Place,
    Recurrence,
    SetDuty,
    StartGroupSession,
    UpdateGoal,
    WeeklySlot,
)
from ..orm import EntryOutcome, StudySession
from ..services.users.manager import record_roster
from .content import COURSE
from .model import (
    ABANDON_AFTER,
    AUTO_END_AFTER,
    JOIN_WINDOW,
    NO_SHOW_AFTER,
    STEP_OUT,
    TIMEZONE,
    CoursePlan,
    EntryPlan,
    GroupPlan,
    SessionPlan,
    SlotPlan,
)

# the order of steps at the same instant
SETUP, JOIN, OPEN, START, ACT, CLOSE, LEAVE, END, SYSTEM = range(9)


@dataclass(order=True)
class Step:
    at: datetime
    rank: int
    seq: int
    what: str = field(compare=False)
    act: Callable[[], Awaitable[object]] = field(compare=False)


class CourseRun:
    """Plays ``plan`` through ``services`` (built with a :class:`FrozenClock`)."""

    def __init__(self, services, plan: CoursePlan, log: logging.Logger | None = None):
        if not isinstance(services.clock, FrozenClock):
            raise TypeError("the demo course needs the services built with a FrozenClock")
        self.services, self.plan = services, plan
        self.log = log or logging.getLogger(__name__)
        self.clock: FrozenClock = services.clock
        self.tabs = Tabs(services.presence)
        self.steps: list[Step] = []
        self._check_policy()

    def _check_policy(self) -> None:
        """The plan assumes the server's default rules; say so if they were changed."""
        s = self.services
        expected = {
            "attendance_grace_seconds": (
                s.presence.attendance.grace.total_seconds(),
                self.plan.grace.total_seconds(),
            ),
            "abandon_scheduled_after_minutes": (
                s.sessions.policy.abandon_scheduled_after,
                ABANDON_AFTER,
            ),
            "auto_end_active_after_hours": (
                s.sessions.policy.auto_end_active_after,
                AUTO_END_AFTER,
            ),
            "queue_no_show_minutes": (s.queue.policy.no_show, NO_SHOW_AFTER),
            "queue_step_out_minutes": (s.queue.policy.step_out, STEP_OUT),
            "join_window_minutes": (s.sessions.policy.join_window, JOIN_WINDOW),
        }
        wrong = [name for name, (have, need) in expected.items() if have != need]
        if wrong:
            raise ValueError(f"the demo course assumes the default {', '.join(wrong)}")

    def add(self, at: datetime, rank: int, what: str, act: Callable[[], Awaitable[object]]):
        self.steps.append(Step(at, rank, len(self.steps), what, act))

    async def run(self) -> dict[str, int]:
        """Every step, in time order; returns how much was done."""
        self._officehours()
        for group in self.plan.groups:
            self._group(group)
        self._series()
        for session in self.plan.sessions:
            self._session(session)
        self._nightly()
        began = timer_clock.monotonic()
        steps = sorted(self.steps)
        async with self.services.store.transaction() as db:  # the roster: everyone invitable
            people = [*self.plan.students, *self.plan.staff]
            await record_roster(db, {p.username: p for p in people}, self.plan.start)
        presence = self.services.presence
        # nobody watches presence live: collect its changes and broadcast them once, at the
        # end, rather than every 0.3 s of a run that moves through weeks in minutes
        flush_seconds, presence.flush_seconds = presence.flush_seconds, 0
        try:
            for n, step in enumerate(steps, start=1):
                self.clock.set(step.at)
                try:
                    await step.act()
                except Exception as err:
                    raise RuntimeError(f"demo course: {step.what} at {step.at}: {err}") from err
                if n % 1000 == 0:
                    self.log.info("Demo course: %s of %s steps (%s)", n, len(steps), step.at.date())
            self.clock.set(self.plan.end)
            await self.tabs.sweep()
            await presence.flush()
        finally:
            presence.flush_seconds = flush_seconds
        elapsed = timer_clock.monotonic() - began
        self.log.info("Demo course: %s steps in %.1f s", len(steps), elapsed)
        return {
            "students": len(self.plan.students),
            "weeks": self.plan.weeks,
            "sessions": len(self.plan.sessions),
            "steps": len(steps),
        }

    # -- sessions --------------------------------------------------------------------------

    async def session_id(self, session: SessionPlan) -> str:
        """The session's id; an occurrence of the series is looked up (the server created
        it when it materialised the series)."""
        if session.id is None and session.kind == "review":
            async with self.services.store.read() as db:
                session.id = await db.scalar(
                    select(StudySession.id).where(
                        StudySession.series_id == self.plan.series.id,
                        StudySession.occurrence_start == session.scheduled_at,
                    )
                )
        if session.id is None:
            raise RuntimeError(f"session {session.key} was never created")
        return session.id

    def _session(self, s: SessionPlan) -> None:
        sessions, sid = self.services.sessions, self.session_id
        self._create(s)
        if s.outcome == "cancelled":
            self.add(
                s.cancelled_at,
                SETUP,
                f"cancel {s.key}",
                lambda: self._call(sessions.cancel_session, s.host, s),
            )
        if s.outcome in ("cancelled", "abandoned"):
            return
        if s.scheduled_at is not None:
            self.add(
                s.started_at,
                START,
                f"start {s.key}",
                lambda: self._call(sessions.start_session, s.host, s),
            )
        self._people(s)
        for m in s.messages:
            self._message(s, m)
        for n, goal in enumerate(s.goals):
            self._goal(s, n, goal)
        if s.timer is not None:
            timer = self.services.timer
            self.add(
                s.timer.started_at,
                ACT,
                f"timer {s.key}",
                lambda: self._call(timer.start_timer, s.host, s),
            )
            for pause, resume in s.timer.pauses:
                self.add(
                    pause, ACT, f"pause {s.key}", lambda: self._call(timer.pause_timer, s.host, s)
                )
                self.add(
                    resume,
                    ACT,
                    f"resume {s.key}",
                    lambda: self._call(timer.resume_timer, s.host, s),
                )
        if s.outcome == "completed":
            place = Place(**s.last_place) if s.last_place else None

            async def end():
                await sessions.end_session(s.host, await sid(s), EndSession(last_place=place))

            self.add(s.ended_at, END, f"end {s.key}", end)

    async def _call(self, method, who, session: SessionPlan, *args):
        return await method(who, await self.session_id(session), *args)

    def _create(self, s: SessionPlan) -> None:
        """Create the session as its kind is created (a review session is the series'; an
        office-hours room is the admission's)."""
        if s.kind == "study":
            request = CreateSession(
                title=s.title,
                description=s.description,
                subject=COURSE,
                tags=["data100"],
                is_public=s.is_public,
                scheduled_at=s.scheduled_at,
                invite=s.invite,
            )

            async def create():
                s.id = (await self.services.sessions.create_session(s.host, request)).id

            self.add(s.created_at, SETUP, f"create {s.key}", create)
        elif s.kind == "group" and s.scheduled_at is None:
            request = StartGroupSession(title=s.title)

            async def start_now():
                manager = self.services.group_sessions
                s.id = (await manager.start_group_session(s.host, s.group.id, request)).id

            self.add(s.created_at, SETUP, f"start now {s.key}", start_now)
        elif s.kind == "group":
            scheduled = CreateGroupSession(title=s.title, scheduled_at=s.scheduled_at)

            async def schedule():
                manager = self.services.group_sessions
                s.id = (await manager.schedule_group_session(s.host, s.group.id, scheduled)).id

            self.add(s.created_at, SETUP, f"schedule {s.key}", schedule)

    def _people(self, s: SessionPlan) -> None:
        """Joins, leaves and tabs. The host is joined by the creation; an office-hours
        room's student by the admission."""
        participants = self.services.participants
        for att in s.attendance:
            joined_already = att.who == s.host or s.kind == "office_hours"
            for n, (joined, left) in enumerate(att.joins):
                if n or not joined_already:
                    self.add(
                        joined,
                        JOIN,
                        f"{att.who.username} joins {s.key}",
                        lambda who=att.who: self._call(
                            participants.join_session, who, s, JoinSession()
                        ),
                    )
                if left is not None:
                    self.add(
                        left,
                        LEAVE,
                        f"{att.who.username} leaves {s.key}",
                        lambda who=att.who: self._call(participants.leave_session, who, s),
                    )
            for n, (opened, closed) in enumerate(att.tabs):
                tab = f"{att.who.username}:{s.key}:{n}"

                async def open_tab(who=att.who, tab=tab):
                    await self.tabs.open(who, await self.session_id(s), tab)

                self.add(opened, OPEN, f"{tab} opens", open_tab)
                self.add(closed, CLOSE, f"{tab} closes", lambda tab=tab: self.tabs.close(tab))

    def _message(self, s: SessionPlan, m) -> None:
        chat = self.services.chat

        async def send():
            sent = await chat.send_message(
                m.who, await self.session_id(s), CreateMessage(text=m.text)
            )
            m.id = sent.id

        self.add(m.at, ACT, f"{m.who.username} writes in {s.key}", send)
        if m.deleted_at is not None:
            self.add(
                m.deleted_at,
                ACT,
                f"{m.who.username} deletes a message in {s.key}",
                lambda: chat.delete_message(m.who, m.id, s.id),
            )

    def _goal(self, s: SessionPlan, n: int, goal) -> None:
        goals = self.services.goals

        async def add():
            goal.id = (
                await goals.create_goal(
                    goal.who, await self.session_id(s), CreateGoal(title=goal.title)
                )
            ).id

        self.add(goal.at, ACT, f"goal {n} of {s.key}", add)
        if goal.done_at is not None:
            self.add(
                goal.done_at,
                ACT,
                f"goal {n} of {s.key} done",
                lambda: goals.update_goal(goal.who, goal.id, UpdateGoal(done=True)),
            )

    # -- the series, groups, office hours ------------------------------------------------

    def _series(self) -> None:
        series = self.plan.series
        request = CreateSession(
            title=series.title,
            description="Weekly review: bring the lab and the homework you are stuck on.",
            subject=COURSE,
            tags=["data100", "review"],
            is_public=True,
            max_participants=500,
            scheduled_at=series.first,
            recurrence=Recurrence(
                timezone=TIMEZONE, by_weekday=series.by_weekday, until=series.until
            ),
        )

        async def create():
            first = await self.services.sessions.create_session(series.host, request)
            series.id = first.series_id

        self.add(series.created_at, SETUP, "create the review series", create)

    def _group(self, g: GroupPlan) -> None:
        groups, chat = self.services.groups, self.services.chat
        request = CreateGroup(
            name=g.name,
            description="We meet every week to go through the lab.",
            subject=COURSE,
            is_public=g.is_public,
            max_members=10,
            invite=[m.username for m in g.members[1:]],
        )

        async def create():
            g.id = (await groups.create_group(g.admin, request)).id

        self.add(g.created_at, SETUP, f"create {g.key}", create)
        for member in g.members[1:]:
            self.add(
                g.joined_at[member.username],
                JOIN,
                f"{member.username} joins {g.key}",
                lambda who=member: groups.join_group(who, g.id, JoinGroup()),
            )
        for m in g.messages:
            self.add(
                m.at,
                ACT,
                f"{m.who.username} writes in {g.key}",
                lambda m=m: chat.send_group_message(m.who, g.id, CreateMessage(text=m.text)),
            )

    def _officehours(self) -> None:
        plan = self.plan.officehours
        request = CreateOfficeHours(
            title=plan.title,
            description="Bring one question; staff take you into a private room.",
            weekly_slots=[WeeklySlot(**slot) for slot in plan.weekly_slots],
        )

        async def create():
            plan.id = (await self.services.officehours.create_officehours(plan.creator, request)).id

        self.add(plan.created_at, SETUP, "create the office hours", create)
        for slot in plan.slots:
            self._slot(slot)

    def _slot(self, slot: SlotPlan) -> None:
        officehours = self.services.officehours
        oh = self.plan.officehours
        for who in slot.staff:
            on, off = slot.duty[who.username]
            self.add(
                on,
                SETUP,
                f"{who.username} on duty",
                lambda who=who: officehours.set_duty(who, oh.id, SetDuty(on_duty=True)),
            )
            self.add(
                off,
                SYSTEM,
                f"{who.username} off duty",
                lambda who=who: officehours.set_duty(who, oh.id, SetDuty(on_duty=False)),
            )
        for entry in slot.entries:
            self._entry(entry)

    def _entry(self, e: EntryPlan) -> None:
        queue, oh = self.services.queue, self.plan.officehours
        name = e.who.username

        async def join():
            e.id = (
                await queue.join_queue(e.who, oh.id, JoinQueue(question=e.question, topic=e.topic))
            ).id

        self.add(e.joined_at, SETUP, f"{name} queues", join)
        if e.step_out is not None:
            out, back = e.step_out
            self.add(out, ACT, f"{name} steps out", lambda: queue.step_out(e.who, oh.id))
            self.add(back, ACT, f"{name} is back", lambda: queue.return_to_queue(e.who, oh.id))
        if e.left_at is not None:
            self.add(
                e.left_at,
                LEAVE,
                f"{name} leaves the queue",
                lambda: queue.leave_queue(e.who, oh.id),
            )
        if e.admitted_at is None:
            return

        async def admit():
            admitted = await queue.admit(e.admitted_by, oh.id, AdmitStudents(entry_ids=[e.id]))
            if [x.id for x in admitted.entries] != [e.id]:
                raise RuntimeError(f"admitted {admitted.entries} instead of {e.id}")
            e.room.id = admitted.session_id

        self.add(e.admitted_at, SETUP, f"{e.admitted_by.username} admits {name}", admit)
        if e.no_show:
            self.add(e.finished_at, SYSTEM, "the queue's sweep", queue.sweep)
        else:
            helped = FinishEntry(outcome=EntryOutcome.helped)
            self.add(
                e.finished_at,
                ACT,
                f"{name} was helped",
                lambda: queue.finish_entry(e.admitted_by, oh.id, e.id, helped),
            )

    # -- the server's nightly jobs ---------------------------------------------------------

    def _nightly(self) -> None:
        """The cleanup (and the series' top-up) every night, checked against the plan: it
        deletes the sessions abandoned since the night before and ends the forgotten ones."""
        done: set[str] = set()
        for night in self.plan.nightly:
            abandoned = [
                s.key
                for s in self.plan.sessions
                if s.outcome == "abandoned"
                and s.scheduled_at + ABANDON_AFTER < night
                and s.key not in done
            ]
            done.update(abandoned)
            ended = [
                s.key
                for s in self.plan.sessions
                if s.outcome == "auto_ended" and s.ended_at == night
            ]

            async def nightly(night=night, abandoned=abandoned, ended=ended):
                await self.services.schedules.top_up_series()
                result = await self.services.sessions.cleanup()
                if (result.deleted, result.auto_ended, result.failed) != (
                    len(abandoned),
                    len(ended),
                    0,
                ):
                    raise RuntimeError(
                        f"the cleanup of {night} did {result}; the plan expected "
                        f"{len(abandoned)} deleted ({abandoned}) and {len(ended)} ended ({ended})"
                    )

            self.add(night, SYSTEM, "the nightly cleanup", nightly)


async def create_demo_course(
    services, plan: CoursePlan, log: logging.Logger | None = None
) -> dict[str, int]:
    """Play ``plan`` through ``services`` (built with a FrozenClock); returns counts. Progress
    goes to ``log`` (INFO)."""
    return await CourseRun(services, plan, log).run()
