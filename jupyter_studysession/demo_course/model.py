"""The demo course's plan as data: sessions, the people in them, chat, goals, timers, study
groups, office-hours queues; and the presence rule that says when a planned person is present.

Times are UTC datetimes on whole seconds; the course's wall clock is :data:`TIMEZONE`. The
``id`` fields are empty in a plan and filled in as :mod:`.run` creates each thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..demo import make_identity, person
from ..identity import CourseRole, Identity

TIMEZONE = "America/New_York"
ZONE = ZoneInfo(TIMEZONE)
NIGHTLY = time(3, 0)
"""When the nightly jobs run (course time): the cleanup and the recurring sessions' top-up."""
# the server's default rules the plan relies on (the run checks the services have them)
ABANDON_AFTER = timedelta(minutes=30)
AUTO_END_AFTER = timedelta(hours=6)
NO_SHOW_AFTER = timedelta(minutes=5)
STEP_OUT = timedelta(minutes=10)
JOIN_WINDOW = timedelta(minutes=5)
SCENARIOS = ("two_tabs", "reconnect", "long_break", "rejoined", "no_tab")
"""What can happen to one person in one session besides coming and going (see attend())."""

M = timedelta(minutes=1)
S = timedelta(seconds=1)


INSTRUCTOR = person("prof")
TAS = (person("tina"), make_identity("theo", "Theo Brandt", CourseRole.ta))
"""The course's staff: the small demo's instructor and TA (``prof-token``, ``tina-token`` in
``scripts/demo_config.py``), and a second TA."""


# -- the plan's parts -------------------------------------------------------------------


@dataclass
class Attendance:
    """One person in one session: REST joins (until a leave, None: until the end) and the
    tabs they had on the session's channel (opened, closed)."""

    who: Identity
    joins: list[tuple[datetime, datetime | None]]
    tabs: list[tuple[datetime, datetime]]
    scenario: str | None = None


@dataclass
class Message:
    at: datetime
    who: Identity
    text: str
    deleted_at: datetime | None = None
    id: str | None = None


@dataclass
class GoalPlan:
    at: datetime
    who: Identity
    title: str
    done_at: datetime | None = None
    id: str | None = None


@dataclass
class TimerPlan:
    started_at: datetime
    pauses: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass
class SessionPlan:
    """A session. ``kind``: review (a recurring series' occurrence), study (created by a
    student), group (a study group's) or office_hours (a help room). ``outcome``: completed,
    cancelled, abandoned (deleted by the cleanup) or auto_ended (ended by the cleanup)."""

    key: str
    kind: str
    title: str
    host: Identity
    created_at: datetime
    outcome: str
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    cancelled_at: datetime | None = None
    description: str = ""
    is_public: bool = False
    invite: list[str] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    goals: list[GoalPlan] = field(default_factory=list)
    timer: TimerPlan | None = None
    group: GroupPlan | None = None
    last_place: dict | None = None
    id: str | None = None  # set when it is created


@dataclass
class GroupPlan:
    key: str
    name: str
    admin: Identity
    members: list[Identity]  # the admin first
    created_at: datetime
    joined_at: dict[str, datetime]  # the other members' joins
    is_public: bool
    messages: list[Message] = field(default_factory=list)
    id: str | None = None


@dataclass
class SeriesPlan:
    host: Identity
    created_at: datetime
    title: str
    first: datetime
    by_weekday: list[str]
    until: date
    occurrences: list[SessionPlan] = field(default_factory=list)
    id: str | None = None


@dataclass
class EntryPlan:
    """A student in the help queue: joined, maybe stepped out and back, then admitted (by
    ``admitted_by``, into ``room``) or gone (``left_at``)."""

    who: Identity
    question: str
    topic: str
    joined_at: datetime
    left_at: datetime | None = None
    step_out: tuple[datetime, datetime] | None = None
    admitted_at: datetime | None = None
    admitted_by: Identity | None = None
    no_show: bool = False
    finished_at: datetime | None = None
    room: SessionPlan | None = None
    id: str | None = None


@dataclass
class SlotPlan:
    """One office-hours slot as it happened: staff on duty, and the queue."""

    opens: datetime
    closes: datetime
    staff: list[Identity]
    duty: dict[str, tuple[datetime, datetime]]
    entries: list[EntryPlan] = field(default_factory=list)


@dataclass
class OfficeHoursPlan:
    title: str
    creator: Identity
    created_at: datetime
    weekly_slots: list[dict]
    slots: list[SlotPlan] = field(default_factory=list)
    id: str | None = None


@dataclass
class CoursePlan:
    seed: int
    weeks: int
    start: datetime  # the first day, 00:00 course time
    end: datetime  # ``weeks`` weeks later
    grace: timedelta
    students: list[Identity]
    staff: list[Identity]
    sessions: list[SessionPlan]  # every session, in the order they were planned
    series: SeriesPlan
    officehours: OfficeHoursPlan
    groups: list[GroupPlan]
    nightly: list[datetime]  # when the nightly cleanup and top-up run
    scenarios: dict[str, list[tuple[SessionPlan, str]]]


Span = tuple[datetime, datetime]


def present_intervals(
    att: Attendance, started: datetime, ended: datetime, grace: timedelta
) -> list[Span]:
    """When ``att.who`` was present, by the server's rule: while joined, with a tab on the
    session, in the active session ``[started, ended]``; a tab back within ``grace`` after
    the last one closed continues the same stretch."""
    tabs = _bridged(_union(att.tabs), grace)
    joined = _union([(a, b or ended) for a, b in att.joins])
    return _intersect(_intersect(tabs, joined), [(started, ended)])


def _union(spans: list[Span]) -> list[Span]:
    return _bridged(spans, timedelta(0))


def _bridged(spans: list[Span], gap: timedelta) -> list[Span]:
    """The spans merged where they overlap or are less than ``gap`` apart (or touch)."""
    merged: list[list[datetime]] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if merged and a - merged[-1][1] <= gap and (gap or a <= merged[-1][1]):
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _intersect(xs: list[Span], ys: list[Span]) -> list[Span]:
    out, i, j = [], 0, 0
    while i < len(xs) and j < len(ys):
        a, b = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if a < b:
            out.append((a, b))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def default_start(now: datetime, weeks: int) -> date:
    """The Monday ``weeks`` weeks before the current week's (course time): the course has
    just ended."""
    today = now.astimezone(ZONE).date()
    return today - timedelta(days=today.weekday(), weeks=weeks)
