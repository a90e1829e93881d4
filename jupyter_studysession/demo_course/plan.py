"""Planning the demo course: who does what, and when, over a few weeks.

:func:`plan_course` is pure and deterministic: the same students, weeks, seed and start give
the same plan (:mod:`.model`). :mod:`.run` then plays it through the managers, and
:mod:`.truth` derives the ground truth from it.

The plan keeps to the server's rules, so that what the server records is what the plan meant:
people join a scheduled session at most 5 minutes before it (the join window), open a tab on
it only once joined, and chat or tick goals only while present; a session that must survive
the nightly cleanup starts within 30 minutes of its scheduled time or is cancelled before; a
short network drop (seconds) is shorter than any attendance grace period and a long break
(minutes) longer; no drop straddles the start or end of a session or a leave.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from ..demo import make_identity
from ..identity import CourseRole, Identity
from .content import COURSE, FIRST_NAMES, GOALS, LAST_NAMES, SMALL_TALK
from .content import topic_of as _topic
from .model import (
    AUTO_END_AFTER,
    INSTRUCTOR,
    NIGHTLY,
    SCENARIOS,
    TAS,
    ZONE,
    Attendance,
    CoursePlan,
    GoalPlan,
    GroupPlan,
    M,
    Message,
    S,
    SeriesPlan,
    SessionPlan,
    TimerPlan,
    present_intervals,
)
from .queue import plan_officehours


def plan_course(
    students: int, weeks: int, seed: int, start: date, grace: timedelta = 30 * S
) -> CoursePlan:
    """The plan of a course of ``students`` students over ``weeks`` weeks from ``start``."""
    if students < 4 or weeks < 1:
        raise ValueError("a demo course needs at least 4 students and 1 week")
    if start.weekday() != 0:
        raise ValueError(f"a demo course starts on a Monday, not on {start:%A %Y-%m-%d}")
    if not 20 * S < grace < 5 * M:
        raise ValueError("the demo's network drops need a grace period between 20 s and 5 min")
    return _Planner(students, weeks, seed, start, grace).plan()


# -- planning ---------------------------------------------------------------------------


class _Planner:
    def __init__(self, students: int, weeks: int, seed: int, start: date, grace: timedelta):
        self.rng = random.Random(seed)
        self.seed, self.weeks, self.first_day, self.grace = seed, weeks, start, grace
        self.start = self.local(start, time(0))
        self.end = self.local(start + timedelta(weeks=weeks), time(0))
        self.students = self._students(students)
        self.engagement = {s.username: self.rng.betavariate(2, 2.5) for s in self.students}
        self.sessions: list[SessionPlan] = []
        self.scenarios: dict[str, list[tuple[SessionPlan, str]]] = {s: [] for s in SCENARIOS}
        self.scenarios.update(crosses_local_midnight=[], crosses_utc_midnight=[])
        self._forced = list(SCENARIOS)  # each scenario happens at least once

    def plan(self) -> CoursePlan:
        groups = self._groups()
        series = self._series()
        officehours = plan_officehours(self)
        self._study_sessions(groups)
        self._group_sessions(groups)
        for session in self.sessions:
            if session.outcome == "completed":
                self._midnights(session)
        nightly = [
            self.local(self.first_day + timedelta(days=d), NIGHTLY)
            for d in range(1, 7 * self.weeks)
        ]
        return CoursePlan(
            seed=self.seed,
            weeks=self.weeks,
            start=self.start,
            end=self.end,
            grace=self.grace,
            students=self.students,
            staff=[INSTRUCTOR, *TAS],
            sessions=self.sessions,
            series=series,
            officehours=officehours,
            groups=groups,
            nightly=nightly,
            scenarios=self.scenarios,
        )

    # -- helpers ---------------------------------------------------------------------------

    def local(self, day: date, at: time) -> datetime:
        """``day`` at wall-clock ``at`` in the course's zone, as UTC."""
        return datetime.combine(day, at, tzinfo=ZONE).astimezone(timezone.utc)

    def day(self, week: int, weekday: int) -> date:
        return self.first_day + timedelta(weeks=week, days=weekday)

    def between(self, low: timedelta, high: timedelta) -> timedelta:
        """A random duration in [low, high], in whole seconds."""
        return timedelta(
            seconds=self.rng.randint(int(low.total_seconds()), int(high.total_seconds()))
        )

    def _students(self, count: int) -> list[Identity]:
        names = [f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES]
        self.rng.shuffle(names)
        width = max(3, len(str(count)))
        return [
            make_identity(f"s{i + 1:0{width}d}", names[i % len(names)], CourseRole.student)
            for i in range(count)
        ]

    def _weighted(self, people: list[Identity], k: int) -> list[Identity]:
        """``k`` different people, the more engaged the likelier."""
        pool, picked = list(people), []
        while pool and len(picked) < k:
            weights = [self.engagement.get(p.username, 0.5) + 0.1 for p in pool]
            picked.append(pool.pop(self.rng.choices(range(len(pool)), weights)[0]))
        return picked

    def _midnights(self, session: SessionPlan) -> None:
        start, end = session.started_at, session.ended_at
        if start.astimezone(ZONE).date() != end.astimezone(ZONE).date():
            self.scenarios["crosses_local_midnight"].append((session, ""))
        if start.date() != end.date():
            self.scenarios["crosses_utc_midnight"].append((session, ""))

    # -- people in sessions ----------------------------------------------------------------

    def attend(
        self,
        session: SessionPlan,
        who: Identity,
        joined: datetime,
        arrive: datetime,
        depart: datetime,
        scenario: str | None = None,
        *,
        forced: bool = True,
    ) -> Attendance:
        """``who`` joins at ``joined``, opens a tab at ``arrive`` and closes it at ``depart``;
        ``scenario`` adds one of :data:`SCENARIOS` in the middle of their time there:

        - ``two_tabs``: a second tab opens, then the first closes (they overlap);
        - ``reconnect``: the tab drops for a few seconds (within any grace period);
        - ``long_break``: the tab closes for 8-20 minutes, then they come back;
        - ``rejoined``: they leave the session (REST), close the tab, join again later;
        - ``no_tab``: they join but never open the session (not present at all).
        """
        att = Attendance(who, [(joined, None)], [(arrive, depart)])
        low = max(arrive, session.started_at) + 4 * M
        high = min(depart, session.ended_at) - 6 * M
        if scenario is None and forced and self._forced and high - low > 30 * M:
            scenario = self._forced.pop(0)
        if scenario in ("two_tabs", "reconnect", "long_break", "rejoined") and high - low < 30 * M:
            scenario = None
        if scenario is None:
            return att
        att.scenario = scenario
        self.scenarios[scenario].append((session, who.username))
        if scenario == "no_tab":
            att.tabs = []
            return att
        middle = low + self.between(0 * M, (high - low) - 24 * M)
        if scenario == "two_tabs":
            att.tabs = [(arrive, middle + self.between(2 * M, 10 * M)), (middle, depart)]
        elif scenario == "reconnect":
            back = middle + self.between(3 * S, 20 * S)
            att.tabs = [(arrive, middle), (back, depart)]
        elif scenario == "long_break":
            att.tabs = [(arrive, middle), (middle + self.between(8 * M, 20 * M), depart)]
        elif scenario == "rejoined":
            again = middle + self.between(5 * M, 15 * M)
            att.joins = [(joined, middle), (again, None)]
            att.tabs = [(arrive, middle + self.between(5 * S, 40 * S)), (again + 20 * S, depart)]
        return att

    def crowd(
        self,
        session: SessionPlan,
        people: list[Identity],
        *,
        scheduled: datetime | None,
        scenario_chance: float = 0.25,
    ) -> None:
        """Attendances of ``people`` in a session planned from ``started_at`` to
        ``ended_at``: some early, some late, some leave early; the rest stay to the end."""
        start, end = session.started_at, session.ended_at
        for who in people:
            opens = (scheduled or start) - (5 * M - 10 * S if scheduled else 0 * M)
            if self.rng.random() < 0.3:  # late
                joined = start + self.between(1 * M, min(25 * M, (end - start) / 3))
            else:
                joined = max(opens, start - 5 * M) + self.between(0 * M, 4 * M)
            arrive = joined + self.between(2 * S, 60 * S)
            if self.rng.random() < 0.25:  # leaves early
                depart = start + (end - start) * self.rng.uniform(0.45, 0.9)
                depart = max(depart.replace(microsecond=0), arrive + 5 * M)
            else:
                depart = end + self.between(5 * S, 3 * M)
            scenario = None
            if self.rng.random() < scenario_chance:
                scenario = self.rng.choice(SCENARIOS)
            session.attendance.append(
                self.attend(
                    session, who, joined, arrive, depart, scenario, forced=scenario_chance > 0
                )
            )

    def host_attends(self, session: SessionPlan) -> None:
        """The host is joined from the creation and has the room open throughout."""
        arrive = max(session.created_at + 5 * S, session.started_at - self.between(1 * M, 6 * M))
        depart = session.ended_at + self.between(5 * S, 60 * S)
        session.attendance.insert(0, Attendance(session.host, [(session.created_at, None)], []))
        session.attendance[0].tabs = [(arrive, depart)]

    def talk(self, session: SessionPlan, week: int, count: int) -> None:
        """``count`` messages by people while they are present, about the week's topic."""
        topic = _topic(week)
        spans = [
            (att.who, a, b)
            for att in session.attendance
            for a, b in present_intervals(att, session.started_at, session.ended_at, self.grace)
            if b - a >= 2 * M
        ]
        if not spans:
            return
        lines = list(topic.lines)
        self.rng.shuffle(lines)
        for n in range(count):
            who, a, b = self.rng.choice(spans)
            at = a + self.between(20 * S, (b - a) - 40 * S)
            text = lines[n % len(lines)] if self.rng.random() < 0.7 else self.rng.choice(SMALL_TALK)
            deleted = at + 15 * S if self.rng.random() < 0.03 else None
            session.messages.append(Message(at, who, text, deleted))
        session.messages.sort(key=lambda m: m.at)

    def set_goals(self, session: SessionPlan, week: int, count: int, done_chance: float) -> None:
        """Goals added by the host at the start, ticked before the end."""
        topic = _topic(week)
        start, end = session.started_at, session.ended_at
        for n, template in enumerate(self.rng.sample(GOALS, min(count, len(GOALS)))):
            title = template.format(week=week + 1, part="abc"[n % 3], topic=topic.name)
            at = start + self.between(1 * M, 4 * M) + n * 10 * S
            done = None
            if self.rng.random() < done_chance:
                done = at + (end - at) * self.rng.uniform(0.3, 0.9)
                done = min(done.replace(microsecond=0), end - 1 * M)
            session.goals.append(GoalPlan(at, session.host, title, done))

    def run_timer(self, session: SessionPlan) -> None:
        start, end = session.started_at, session.ended_at
        timer = TimerPlan(start + self.between(1 * M, 4 * M))
        if self.rng.random() < 0.3 and end - start > 60 * M:
            pause = start + self.between(20 * M, 35 * M)
            timer.pauses.append((pause, pause + self.between(2 * M, 8 * M)))
        session.timer = timer

    def fill(self, session: SessionPlan, week: int, messages: tuple[int, int]) -> None:
        """Chat, goals and (often) the shared timer of a session that took place."""
        self.talk(session, week, self.rng.randint(*messages))
        self.set_goals(session, week, self.rng.randint(1, 3), done_chance=0.6)
        if self.rng.random() < 0.5:
            self.run_timer(session)

    # -- groups ----------------------------------------------------------------------------

    def _groups(self) -> list[GroupPlan]:
        """Study groups of 4-7 students, made on the first Monday morning; members join
        within a day and a half."""
        pool = list(self.students)
        self.rng.shuffle(pool)
        pool = pool[: max(4, int(len(pool) * 0.7))]
        groups: list[GroupPlan] = []
        while len(pool) >= 4:
            size = min(len(pool), self.rng.randint(4, 7))
            members, pool = pool[:size], pool[size:]
            n = len(groups) + 1
            created = self.local(self.first_day, time(9)) + n * 2 * M + self.between(0 * M, 1 * M)
            joined = {m.username: created + self.between(10 * M, 30 * 60 * M) for m in members[1:]}
            groups.append(
                GroupPlan(
                    key=f"group-{n}",
                    name=f"{COURSE} study group {n}",
                    admin=members[0],
                    members=members,
                    created_at=created,
                    joined_at=joined,
                    is_public=self.rng.random() < 0.3,
                )
            )
        for group in groups:
            ready = max(group.joined_at.values())
            for week in range(self.weeks):
                for _ in range(self.rng.randint(0, 4)):
                    at = max(ready, self.start + timedelta(weeks=week))
                    at += self.between(1 * M, timedelta(days=6))
                    if at >= self.end - timedelta(days=1):
                        continue
                    text = self.rng.choice((*_topic(week).lines, *SMALL_TALK))
                    group.messages.append(Message(at, self.rng.choice(group.members), text))
            group.messages.sort(key=lambda m: m.at)
        return groups

    def _group_sessions(self, groups: list[GroupPlan]) -> None:
        """Most groups meet once a week: started on the spot, or scheduled a day or two
        before; the host ends it with the group's last place in the lab."""
        for week in range(self.weeks):
            for group in groups:
                if week > 0 and self.rng.random() > 0.85:  # all meet in week 1
                    continue
                days = range(2, 7) if week == 0 else range(0, 7)
                day = self.day(week, self.rng.choice(days))
                if day >= self.end.astimezone(ZONE).date() - timedelta(days=1):
                    continue
                start = self.local(day, time(16)) + self.between(0 * M, 270 * M)
                host = self.rng.choice(group.members)
                now = week == 0 or self.rng.random() < 0.5
                created = start if now else start - self.between(20 * 60 * M, 48 * 60 * M)
                scheduled = None if now else start
                if not now:
                    start += self.between(0 * M, 2 * M)
                topic = _topic(week)
                session = SessionPlan(
                    key=f"{group.key}-w{week + 1}",
                    kind="group",
                    title=f"{group.name}: {topic.name}",
                    host=host,
                    created_at=created,
                    outcome="completed",
                    scheduled_at=scheduled,
                    started_at=start,
                    ended_at=start + self.between(45 * M, 120 * M),
                    group=group,
                    last_place={
                        "notebook_path": f"labs/lab{week + 1:02d}.ipynb",
                        "section": topic.name,
                        "cell": self.rng.randint(3, 40),
                    },
                )
                self.host_attends(session)
                others = [m for m in group.members if m != host]
                present = [
                    m for m in others if self.rng.random() < 0.4 + 0.5 * self.engagement[m.username]
                ]
                self.crowd(session, present, scheduled=scheduled)
                self.fill(session, week, (3, 12))
                self.sessions.append(session)

    # -- the review sessions (a recurring series) ----------------------------------------

    def _series(self) -> SeriesPlan:
        """Tuesday and Thursday 19:30-21:00 review sessions hosted by a TA, public; one
        Thursday is cancelled. (21:00 in New York is past midnight UTC.)"""
        host = TAS[0]
        created = self.local(self.first_day, time(8, 30))
        last_day = self.end.astimezone(ZONE).date() - timedelta(days=1)
        series = SeriesPlan(
            host=host,
            created_at=created,
            title=f"{COURSE} review session",
            first=self.local(self.day(0, 1), time(19, 30)),
            by_weekday=["TU", "TH"],
            until=last_day,
        )
        cancelled_week = self.weeks // 2
        for week in range(self.weeks):
            for weekday in (1, 3):
                scheduled = self.local(self.day(week, weekday), time(19, 30))
                session = SessionPlan(
                    key=f"review-w{week + 1}-{'tue' if weekday == 1 else 'thu'}",
                    kind="review",
                    title=series.title,
                    host=host,
                    created_at=created,
                    outcome="completed",
                    scheduled_at=scheduled,
                    is_public=True,
                )
                series.occurrences.append(session)
                self.sessions.append(session)
                if week == cancelled_week and weekday == 3:
                    session.outcome = "cancelled"
                    session.cancelled_at = scheduled - self.between(3 * 60 * M, 30 * 60 * M)
                    continue
                session.started_at = scheduled + self.between(0 * M, 2 * M)
                session.ended_at = session.started_at + self.between(85 * M, 95 * M)
                self.host_attends(session)
                people = [
                    s
                    for s in self.students
                    if self.rng.random() < 0.15 + 0.6 * self.engagement[s.username]
                ]
                if week % 2 == 0:
                    people.append(INSTRUCTOR)  # the instructor drops by
                self.crowd(session, people, scheduled=scheduled)
                self.fill(session, week, (6, 15))
        return series

    # -- sessions students make ------------------------------------------------------------

    def _study_sessions(self, groups: list[GroupPlan]) -> None:
        """Sessions students schedule with friends: mostly held, some cancelled, some
        abandoned (planned alone and forgotten: the cleanup deletes them), some never ended
        (the cleanup ends them); the first week has one of each, and one that goes past
        midnight."""
        mates = {m.username: g.members for g in groups for m in g.members}
        last_day = self.end.astimezone(ZONE).date() - timedelta(days=1)
        for week in range(self.weeks):
            count = max(2, round(len(self.students) / 10))
            forced = ["late_night", "completed", "cancelled", "abandoned", "auto_ended"]
            for n in range(count + (len(forced) if week == 0 else 0)):
                outcome = forced[n] if week == 0 and n < len(forced) else self._outcome()
                host = self._weighted(self.students, 1)[0]
                friends = [m for m in mates.get(host.username, []) if m != host]
                others = [s for s in self.students if s != host and s not in friends]
                invited = (friends + self._weighted(others, 5))[: self.rng.randint(1, 5)]
                if outcome == "abandoned":  # planned alone, forgotten: the cleanup deletes it
                    invited = []  # (with invitees it would wait a week for them)
                if outcome == "late_night":
                    day, at, minutes = self.day(week, 2), time(23, 15), 85
                    outcome = "completed"
                else:
                    day = self.day(week, self.rng.randrange(7))
                    if day >= last_day:
                        day = last_day - timedelta(days=1)
                    latest = 20 * 60 if outcome == "auto_ended" else 21 * 60
                    minute = self.rng.randint(10 * 60, latest)
                    at, minutes = time(minute // 60, minute % 60), self.rng.randint(30, 150)
                scheduled = self.local(day, at)
                created = max(
                    self.start + self.between(30 * M, 90 * M),
                    scheduled - self.between(2 * 60 * M, 72 * 60 * M),
                )
                topic = _topic(week)
                session = SessionPlan(
                    key=f"study-w{week + 1}-{n + 1}",
                    kind="study",
                    title=f"{topic.name.capitalize()} study session",
                    description=f"Working through {topic.name} together.",
                    host=host,
                    created_at=created,
                    outcome=outcome,
                    scheduled_at=scheduled,
                    is_public=self.rng.random() < 0.3,
                    invite=[u.username for u in invited],
                )
                self.sessions.append(session)
                if outcome == "cancelled":
                    session.cancelled_at = created + (scheduled - created) * 0.6
                    session.cancelled_at = session.cancelled_at.replace(microsecond=0)
                    continue
                if outcome == "abandoned":
                    continue
                session.started_at = scheduled + self.between(0 * M, 4 * M)
                session.ended_at = session.started_at + minutes * M
                people = [u for u in invited if self.rng.random() < 0.8]
                if session.is_public:
                    people += self.rng.sample(others, min(len(others), self.rng.randint(0, 3)))
                people = list(dict.fromkeys(people))[:8]
                if outcome == "auto_ended":  # they all go home; nobody ends it
                    self._forgotten(session, people, week)
                    continue
                self.host_attends(session)
                self.crowd(session, people, scheduled=scheduled)
                self.fill(session, week, (2, 10))

    def _outcome(self) -> str:
        r = self.rng.random()
        return (
            "cancelled"
            if r < 0.08
            else "abandoned"
            if r < 0.16
            else "auto_ended"
            if r < 0.2
            else "completed"
        )

    def _forgotten(self, session: SessionPlan, people: list[Identity], week: int) -> None:
        """Everyone leaves (tabs closed) within 1.5 hours; the cleanup ends it at the first
        nightly run past ``AUTO_END_AFTER``."""
        start = session.started_at
        session.ended_at = start + self.between(30 * M, 90 * M)  # when the last tab closes
        self.host_attends(session)
        self.crowd(session, people, scheduled=session.scheduled_at, scenario_chance=0)
        self.talk(session, week, self.rng.randint(1, 4))
        overdue = start + AUTO_END_AFTER
        night = self.local(overdue.astimezone(ZONE).date(), NIGHTLY)
        session.ended_at = night if night > overdue else night + timedelta(days=1)
