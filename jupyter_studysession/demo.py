"""Demo data: a small course's worth of sessions, office hours and a study group, created
through the managers.

Used by ``jupyter studysession demo-data`` and the README's run command. The users match the
demo tokens in ``scripts/demo_config.py`` (``alice-token`` logs in as ``alice``, ...).
Attendance comes from open tabs, so the demo opens and closes its people's tabs through the
presence manager, as their websockets would.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from functools import partial

from pycrdt import Map
from sqlalchemy import func, select

from .clock import FrozenClock, utcnow
from .identity import CourseRole, Identity
from .models import (
    CreateGoal,
    CreateGroup,
    CreateMessage,
    CreateOfficeHours,
    CreateSession,
    JoinGroup,
    JoinQueue,
    JoinSession,
    ListSessionsQuery,
    OneOffSlot,
    Place,
    PlaceOp,
    SessionSettings,
    SetDuty,
    SetLastPlace,
    StartGroupSession,
    UpdateGoal,
    WeeklySlot,
)
from .orm import StudySession
from .services.users.manager import record_roster
from .tokens import user_for

PEOPLE = {
    "alice": ("Alice Chen", CourseRole.student),
    "bob": ("Bob Okafor", CourseRole.student),
    "carol": ("Carol Díaz", CourseRole.student),
    "dave": ("Dave Kim", CourseRole.student),
    "prof": ("Professor Plum", CourseRole.instructor),
    "tina": ("Tina Tran", CourseRole.ta),
}


def person(username: str) -> Identity:
    return make_identity(username, *PEOPLE[username])


def make_identity(username: str, name: str, role: CourseRole) -> Identity:
    """A demo person as the demo server's identity provider describes them when they log in
    (same initials and colour), so people who never logged in look the same."""
    user = user_for(username, name)
    return Identity(
        username=username,
        display_name=name,
        initials=user.initials,
        color=user.color,
        course_role=role,
    )


async def has_sessions(services) -> bool:
    """Whether the database has sessions already (demo data is only added to an empty one,
    unless forced)."""
    async with services.store.read() as db:
        return bool(await db.scalar(select(func.count()).select_from(StudySession)))


class Tabs:
    """Demo people's browser tabs following sessions, opened and closed through the presence
    manager as their websockets would: a joined participant with a tab on an active session
    is present. The tabs never time out (:meth:`sweep` heartbeats them first). A tab that
    comes back to a session after the attendance grace period first lets the presence sweep
    close what the last one left open, as the server's periodic sweep would have by then."""

    def __init__(self, presence):
        self.presence = presence
        self._open: dict[str, tuple[Identity, str]] = {}  # tab -> (who, session id)
        self._count: Counter[tuple[str, str]] = Counter()  # (session id, username) -> tabs
        self._left: dict[tuple[str, str], datetime] = {}  # when the last of them closed

    async def open(self, who: Identity, session_id: str, tab: str) -> None:
        """``who`` opens ``tab`` (a name unique among open tabs) on the session."""
        key = (session_id, who.username)
        left = self._left.pop(key, None)
        if left is not None and self.presence.clock.now() - left > self.presence.attendance.grace:
            await self.sweep()
        await self.presence.connect(who, tab)
        await self.presence.enter_session(tab, session_id)
        self._open[tab] = (who, session_id)
        self._count[key] += 1

    async def close(self, tab: str) -> None:
        who, session_id = self._open.pop(tab)
        await self.presence.disconnect(tab)
        key = (session_id, who.username)
        self._count[key] -= 1
        if not self._count[key]:
            del self._count[key]
            self._left[key] = self.presence.clock.now()

    async def sweep(self) -> None:
        """The server's presence sweep, with every open tab alive."""
        for tab, (who, _session_id) in self._open.items():
            await self.presence.heartbeat(who, tab)
        await self.presence.sweep()


PAST_NOTES = (
    "# Problem set 4\n\n## Problem 1\n\nThe characteristic polynomial of A is (λ - 2)²(λ + 1).\n",
    "\n## Problem 2\n\n- λ = 2: algebraic multiplicity 2\n- λ = -1: simple\n",
    "- basis of the eigenspace of 2: (1, 1)ᵀ\n\n**Question for the TA:** is A diagonalisable?\n",
)
LIVE_NOTES = (
    "# Lab 3 review\n\n1. `groupby` + `agg`: one row per group\n",
    "2. `transform`: one row per input row, same index\n",
)


def _shape(kind, points, color, z, author, **extra):
    shape = {"type": kind, "points": points, "color": color, "width": 2, "z": z}
    return {**shape, "author": author, **extra}


EIGEN_DRAWING = {
    "axes-x": _shape("arrow", [20, 220, 300, 220], "#222222", 1, "alice"),
    "axes-y": _shape("arrow", [40, 240, 40, 20], "#222222", 2, "alice"),
    "v1": _shape("arrow", [40, 220, 180, 80], "#d62728", 3, "alice"),
    "label": _shape("text", [185, 75], "#d62728", 4, "alice", text="v = (1, 1)ᵀ", size=16),
    "span": _shape("line", [20, 240, 240, 20], "#1f77b4", 0, "alice"),
}
GROUPBY_DRAWING = {
    "table": _shape("rect", [20, 20, 140, 160], "#1f77b4", 1, "bob"),
    "groups": _shape("ellipse", [200, 40, 320, 140], "#2ca02c", 2, "bob"),
    "arrow": _shape("arrow", [145, 90, 195, 90], "#222222", 3, "bob"),
    "caption": _shape("text", [200, 170], "#2ca02c", 4, "bob", text="one row per group"),
}


def add_shapes(shapes: dict, doc) -> None:
    """Draw ``shapes`` (id -> shape) on a whiteboard document."""
    board = doc.get("shapes", type=Map)
    with doc.transaction():
        for key, shape in shapes.items():
            board[key] = shape


async def create_demo_data(services, force: bool = False) -> dict[str, int] | None:
    """Create the demo sessions; return counts, or None when demo data is already there."""
    if not force and await has_sessions(services):
        return None
    clock = services.clock
    if not isinstance(clock, FrozenClock):
        raise TypeError("demo data needs the services built with a FrozenClock")
    now = utcnow()
    alice, bob, carol, _dave, prof, tina = (person(u) for u in PEOPLE)
    async with services.store.transaction() as db:  # the roster: everyone invitable
        await record_roster(db, {u: person(u) for u in PEOPLE}, now - timedelta(days=30))
    sessions, participants, presence = services.sessions, services.participants, services.presence
    tabs = Tabs(presence)

    async def create(host, when, **fields):
        clock.set(when)
        return await sessions.create_session(host, CreateSession(**fields))

    async def join(who, session):
        await participants.join_session(who, session.id, JoinSession())

    async def open_tab(who, session):
        """A browser tab of ``who`` following the session: present while joined and active."""
        await tabs.open(who, session.id, f"demo-{who.username}")

    async def close_tab(who):
        await tabs.close(f"demo-{who.username}")

    async def say(who, session, at, text):
        clock.set(at)
        await services.chat.send_message(who, session.id, CreateMessage(text=text))

    async def write(who, session, at, markdown):
        clock.set(at)
        await services.docs.append_notes(who, session.id, markdown)

    async def draw(who, session, at, shapes):
        clock.set(at)
        await services.docs.edit(who, session.id, "whiteboard", partial(add_shapes, shapes))

    async def add_goals(who, session, at, titles, done):
        """Goals titled ``titles``, the first ``done`` of them ticked."""
        clock.set(at)
        for number, title in enumerate(titles):
            goal = await services.goals.create_goal(who, session.id, CreateGoal(title=title))
            if number < done:
                await services.goals.update_goal(who, goal.id, UpdateGoal(done=True))

    # last week: a completed group session, with attendance and a summary: alice is there
    # throughout, bob's tab opens late and closes early, carol leaves before the end
    start = now - timedelta(days=7)
    past = await create(
        alice,
        start - timedelta(hours=1),
        title="Linear algebra: eigenvalues",
        description="Work through problem set 4 together.",
        subject="Math 221",
        tags=["linear-algebra", "pset4"],
        is_public=True,
        invite=["bob", "carol"],
        scheduled_at=start,
    )
    clock.set(start - timedelta(minutes=5))
    await open_tab(alice, past)
    clock.set(start - timedelta(minutes=3))
    await join(bob, past)
    await join(carol, past)
    await open_tab(carol, past)
    clock.set(start)
    await sessions.start_session(alice, past.id)
    await add_goals(
        alice,
        past,
        start + timedelta(minutes=1),
        ["Problem 1: characteristic polynomial", "Problem 2: eigenvectors", "Problem 3"],
        done=2,
    )
    clock.set(start + timedelta(minutes=5))
    await open_tab(bob, past)
    await say(carol, past, start + timedelta(minutes=8), "Is λ = 2 a repeated eigenvalue here?")
    await say(alice, past, start + timedelta(minutes=9), "Yes: algebraic multiplicity 2.")
    await say(bob, past, start + timedelta(minutes=30), "Problem 2 done, the basis is (1, 1)ᵀ.")
    await write(alice, past, start + timedelta(minutes=10), PAST_NOTES[0])
    await write(carol, past, start + timedelta(minutes=20), PAST_NOTES[1])
    await write(bob, past, start + timedelta(minutes=31), PAST_NOTES[2])
    await draw(alice, past, start + timedelta(minutes=12), EIGEN_DRAWING)
    clock.set(start + timedelta(minutes=40))
    await participants.leave_session(carol, past.id)
    await close_tab(carol)
    clock.set(start + timedelta(minutes=50))
    await close_tab(bob)
    clock.set(start + timedelta(minutes=55))
    await sessions.end_session(alice, past.id)  # bob's attendance ends when his tab closed
    await close_tab(alice)
    clock.set(start + timedelta(minutes=56))
    await presence.sweep()  # past the grace period: the departures are done with
    await presence.flush()  # their last_seen, now rather than in the background

    # happening now: an active session alice hosts, with bob in it and dave invited
    live = await create(
        alice,
        now - timedelta(hours=1),
        title="Data 100: pandas group-bys",
        description="Lab 3 review; bring your questions.",
        subject="Data 100",
        tags=["pandas"],
        is_public=True,
        invite=["bob", "dave"],
        settings=SessionSettings(
            tools=["chat", "timer", "notes", "whiteboard", "video", "screen_share"]
        ),
    )
    clock.set(now - timedelta(minutes=25))
    await join(bob, live)
    await sessions.start_session(alice, live.id)
    await add_goals(
        alice,
        live,
        now - timedelta(minutes=24),
        ["Finish lab 3, part 1", "groupby with several keys", "Understand transform vs apply"],
        done=1,
    )
    await say(alice, live, now - timedelta(minutes=20), "Welcome! Start with **part 1** of lab 3.")
    await say(
        bob,
        live,
        now - timedelta(minutes=8),
        "Why does `df.groupby('a').transform('mean')` keep the index?",
    )
    await say(
        alice,
        live,
        now - timedelta(minutes=6),
        "`transform` returns one row per input row, `agg` one per group.",
    )
    await write(alice, live, now - timedelta(minutes=19), LIVE_NOTES[0])
    await write(bob, live, now - timedelta(minutes=7), LIVE_NOTES[1])
    await draw(bob, live, now - timedelta(minutes=5), GROUPBY_DRAWING)

    # coming up: public and private scheduled sessions, and one cancelled
    await create(
        bob,
        now - timedelta(hours=2),
        title="Exam 1 review",
        subject="Math 221",
        is_public=True,
        max_participants=30,
        scheduled_at=now + timedelta(days=1, hours=2),
        invite=["alice", "carol", "dave"],
    )
    await create(
        carol,
        now - timedelta(hours=3),
        title="Quiet focus hour",
        type="solo",
        max_participants=2,
        scheduled_at=now + timedelta(hours=3),
    )
    await create(
        tina,
        now - timedelta(hours=4),
        title="Section 102: recursion practice",
        subject="CS 61A",
        is_public=True,
        max_participants=40,
        scheduled_at=now + timedelta(days=2),
        invite=["alice", "bob"],
    )
    cancelled = await create(
        prof,
        now - timedelta(days=2),
        title="Guest lecture Q&A",
        is_public=True,
        scheduled_at=now + timedelta(days=3),
        invite=["alice"],
    )
    clock.set(now - timedelta(days=1))
    await sessions.cancel_session(prof, cancelled.id)
    office_hours = await create_demo_office_hours(services, now)
    group = await create_demo_group(services, now)
    clock.set(now)
    mine = await sessions.list_sessions(alice, ListSessionsQuery(limit=100))
    return {"sessions": 7, "alice_sees": len(mine.items), **office_hours, **group}


async def create_demo_office_hours(services, now) -> dict[str, int]:
    """Office hours open now (a one-off slot from an hour ago to three hours from now, besides
    the weekly slots), Tina on duty, and Carol and Dave in the queue: Alice and Bob can join."""
    clock = services.clock
    prof, tina, carol, dave = (person(u) for u in ("prof", "tina", "carol", "dave"))
    clock.set(now - timedelta(days=14))
    weekly = [
        WeeklySlot(weekday=day, start="14:00", end="16:00", timezone="America/Los_Angeles")
        for day in (0, 2)
    ]
    officehours = await services.officehours.create_officehours(
        prof,
        CreateOfficeHours(
            title="CS 61A office hours",
            description="Bring a question about the labs or the project; one at a time.",
            weekly_slots=weekly,
            one_off_slots=[
                OneOffSlot(start=now - timedelta(hours=1), end=now + timedelta(hours=3))
            ],
        ),
    )
    clock.set(now - timedelta(minutes=30))
    await services.officehours.set_duty(tina, officehours.id, SetDuty(on_duty=True))
    clock.set(now - timedelta(minutes=12))
    await services.queue.join_queue(
        carol,
        officehours.id,
        JoinQueue(question="My tree recursion returns None for the leaves.", topic="recursion"),
    )
    clock.set(now - timedelta(minutes=5))
    await services.queue.join_queue(
        dave,
        officehours.id,
        JoinQueue(question="Why does my while loop never stop?", topic="loops"),
    )
    return {"officehours": 1, "queued": 2}


async def create_demo_group(services, now) -> dict[str, int]:
    """A study group of Alice (admin), Bob and Carol, with a few messages and a last place;
    Dave is invited."""
    clock = services.clock
    alice, bob, carol = (person(u) for u in ("alice", "bob", "carol"))
    clock.set(now - timedelta(days=10))
    group = await services.groups.create_group(
        alice,
        CreateGroup(
            name="Math 221 study group",
            description="Problem sets together, every week.",
            subject="Math 221",
            invite=["bob", "carol", "dave"],
        ),
    )
    await services.groups.join_group(bob, group.id, JoinGroup())
    await services.groups.join_group(carol, group.id, JoinGroup())
    await create_demo_study(services, group.id, now - timedelta(days=3))
    messages = [
        (alice, 90, "Shall we do problem set 5 on Thursday?"),
        (bob, 80, "Yes! I'm stuck on **question 3** (diagonalisation)."),
        (carol, 60, "Same here. I'll bring my notes on eigenvectors."),
        (alice, 20, "I've set our place to the diagonalisation section."),
    ]
    for who, minutes_ago, text in messages:
        clock.set(now - timedelta(minutes=minutes_ago))
        await services.chat.send_group_message(who, group.id, CreateMessage(text=text))
    await services.groups.set_last_place(
        alice,
        group.id,
        SetLastPlace(notebook_path="math221/week5.ipynb", section="Diagonalisation"),
    )
    return {"groups": 1, "group_messages": len(messages)}


DEMO_NOTEBOOK = "math221/week5.ipynb"
"""The demo study notebook (``scripts/math221/week5.ipynb``, copied by ``scripts/run``)."""

DEMO_WALK = [
    (0, "eigenvalues", 1, "Eigenvalues", 2),
    (4, "eig-values", 3, "Eigenvalues", 2),
    (12, "charpoly", 6, "The characteristic polynomial", 3),
    (20, "diagonalisation", 9, "Diagonalisation", 4),
    (30, "diag-powers", 12, "Diagonalisation", 4),
    (42, "problems", 13, "Problem set 5", 5),
]
"""Where Alice led the group through the demo notebook: (minutes after the start, cell id,
cell index, heading, heading rank)."""


async def create_demo_study(services, group_id: str, start: datetime) -> None:
    """A group session on the demo notebook that Alice led for 50 minutes while Bob and Carol
    followed: its coverage shows in their History."""
    clock = services.clock
    alice, bob, carol = (person(u) for u in ("alice", "bob", "carol"))
    tabs = Tabs(services.presence)
    clock.set(start)
    session = await services.group_sessions.start_group_session(
        alice,
        group_id,
        StartGroupSession(
            title="Problem set 5, together",
            settings=SessionSettings(starting_point=Place(notebook_path=DEMO_NOTEBOOK)),
        ),
    )
    for who in (alice, bob, carol):
        if who is not alice:
            await services.participants.join_session(who, session.id, JoinSession())
        await tabs.open(who, session.id, f"study-{who.username}")
    epoch = (await services.follow.take_lead(alice, session.id)).epoch
    for minutes, cell_id, index, section, rank in DEMO_WALK:
        clock.set(start + timedelta(minutes=minutes))
        place = PlaceOp(
            session_id=session.id,
            epoch=epoch,
            notebook_path=DEMO_NOTEBOOK,
            cell_id=cell_id,
            cell_index=index,
            section=section,
            section_index=rank,
        )
        await services.follow.relay.relay_place(alice, place)
    clock.set(start + timedelta(minutes=50))
    await services.sessions.end_session(alice, session.id)
    for who in (alice, bob, carol):
        await tabs.close(f"study-{who.username}")
