"""Planning the demo course's office hours: weekly slots, the students who queue with a
question, and the staff who admit them one at a time.

Staff admit the first student waiting (by ticket, skipping anyone stepped out) whenever they
are free, as "admit next" does; the student opens the room within a minute and a half, or
never (a no-show, marked by the queue's sweep after ``NO_SHOW_AFTER``). Some students give up
and leave the queue; some step out for a few minutes and come back before their place expires.
"""

from __future__ import annotations

from datetime import datetime, time

from ..identity import Identity
from .content import COURSE, QUEUE_TOPICS
from .content import topic_of as _topic
from .model import (
    INSTRUCTOR,
    NO_SHOW_AFTER,
    TAS,
    TIMEZONE,
    Attendance,
    EntryPlan,
    M,
    OfficeHoursPlan,
    S,
    SessionPlan,
    SlotPlan,
)


def plan_officehours(planner) -> OfficeHoursPlan:
    """The course's office hours, planned with ``planner``'s random numbers and clock."""
    return _OfficeHoursPlanner(planner).plan()


class _OfficeHoursPlanner:
    def __init__(self, planner):
        self.planner = planner
        self.no_show_yet = False  # the first slot has one, if no other did

    def plan(self) -> OfficeHoursPlan:
        """Office hours on Mondays 14:00-16:00 (one TA) and Wednesdays 10:00-12:00 (the
        other TA, with the instructor every other week): students queue with a question;
        staff admit the first one waiting (not stepped out) whenever they are free."""
        p = self.planner
        created = p.local(p.first_day, time(8))
        slots = [(0, time(14), time(16)), (2, time(10), time(12))]
        plan = OfficeHoursPlan(
            title=f"{COURSE} office hours",
            creator=INSTRUCTOR,
            created_at=created,
            weekly_slots=[
                {
                    "weekday": wd,
                    "start": a.strftime("%H:%M"),
                    "end": b.strftime("%H:%M"),
                    "timezone": TIMEZONE,
                }
                for wd, a, b in slots
            ],
        )
        for week in range(p.weeks):
            for weekday, opens, closes in slots:
                day = p.day(week, weekday)
                slot = SlotPlan(p.local(day, opens), p.local(day, closes), [], {})
                slot.staff = [TAS[0]] if weekday == 0 else [TAS[1]]
                if weekday == 2 and week % 2 == 0:
                    slot.staff.append(INSTRUCTOR)
                self._queue(slot, week)
                plan.slots.append(slot)
        return plan

    def _queue(self, slot: SlotPlan, week: int) -> None:
        p = self.planner
        topic = _topic(week)
        count = max(3, round(len(p.students) / 15 * p.rng.uniform(0.7, 1.3)))
        people = p.rng.sample(p.students, min(count, len(p.students)))
        times = sorted(p.between(1 * M, 100 * M) for _ in people)
        for n, (who, offset) in enumerate(zip(people, times, strict=True)):
            entry = EntryPlan(
                who=who,
                question=p.rng.choice(topic.questions),
                topic=p.rng.choice(QUEUE_TOPICS),
                joined_at=slot.opens + offset,
            )
            if p.rng.random() < 0.15:
                entry.left_at = entry.joined_at + p.between(15 * M, 50 * M)
            if p.rng.random() < 0.12:
                out = entry.joined_at + p.between(1 * M, 6 * M)
                entry.step_out = (out, out + p.between(2 * M, 6 * M))
            entry.no_show = p.rng.random() < 0.08 or (not self.no_show_yet and n == 1)
            self.no_show_yet = self.no_show_yet or entry.no_show
            slot.entries.append(entry)
        free = {s.username: slot.opens + p.between(20 * S, 2 * M) for s in slot.staff}
        staff = {s.username: s for s in slot.staff}
        while True:
            name = min(free, key=lambda n: (free[n], n))
            at = free[name]
            entry = self._next_waiting(slot, at)
            if entry is None:
                later = self._next_change(slot, at)
                if later is None:
                    break
                free[name] = later + p.between(5 * S, 40 * S)
                continue
            free[name] = self._help(slot, entry, staff[name], at, week)
        for name in staff:
            slot.duty[name] = (slot.opens + 10 * S, max(slot.closes, free[name]) + 30 * S)

    def _waiting(self, entry: EntryPlan, at: datetime) -> bool:
        """Whether ``entry`` is in the line and not stepped out at ``at``."""
        if entry.admitted_at is not None or entry.joined_at >= at:
            return False
        if entry.left_at is not None and entry.left_at <= at:
            return False
        return not (entry.step_out and entry.step_out[0] <= at < entry.step_out[1])

    def _next_waiting(self, slot: SlotPlan, at: datetime) -> EntryPlan | None:
        return next((e for e in slot.entries if self._waiting(e, at)), None)

    def _next_change(self, slot: SlotPlan, at: datetime) -> datetime | None:
        """The next time an entry not yet admitted or gone could be waiting."""
        times = [
            t
            for e in slot.entries
            if e.admitted_at is None and (e.left_at is None or e.left_at > at)
            for t in (e.joined_at, e.step_out[1] if e.step_out else None)
            if t is not None and t >= at
        ]
        return min(times, default=None)

    def _help(
        self, slot: SlotPlan, entry: EntryPlan, staff: Identity, at: datetime, week: int
    ) -> datetime:
        """Admit ``entry`` at ``at`` into a room; returns when the staff member is free."""
        p = self.planner
        taken = {e.joined_at for e in slot.entries} | {
            t for e in slot.entries for t in (e.left_at, *(e.step_out or ())) if t
        }
        decided = at
        while at in taken:  # never at the very second a student acts
            at += S
        entry.admitted_at, entry.admitted_by = at, staff
        entry.left_at = None  # they were helped before they gave up
        if entry.step_out and entry.step_out[0] >= decided:
            entry.step_out = None  # admitted first
        room = SessionPlan(
            key=f"room-{len(p.sessions) + 1}",
            kind="office_hours",
            title=f"{COURSE} office hours: {entry.who.username}",
            host=staff,
            created_at=at,
            outcome="completed",
            started_at=at,
        )
        entry.room = room
        host = Attendance(staff, [(at, None)], [])
        student = Attendance(entry.who, [(at, None)], [])
        if entry.no_show:  # never opens the room: the queue's sweep marks the no-show
            entry.finished_at = at + NO_SHOW_AFTER + 10 * S
            room.ended_at = entry.finished_at + 30 * S
        else:
            opened = at + p.between(20 * S, 90 * S)
            entry.finished_at = opened + p.between(4 * M, 14 * M)
            room.ended_at = entry.finished_at + p.between(5 * S, 20 * S)
            student.tabs = [(opened, room.ended_at + p.between(1 * S, 30 * S))]
        host.tabs = [(at + 3 * S, room.ended_at + 5 * S)]
        room.attendance = [host, student]
        if not entry.no_show:
            p.talk(room, week, p.rng.randint(0, 4))
        p.sessions.append(room)
        return room.ended_at + p.between(20 * S, 90 * S)
