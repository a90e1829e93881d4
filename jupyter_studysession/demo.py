"""Demo data: a small course's worth of sessions, created through the managers.

Used by ``jupyter studysession demo-data`` and the README's run command. The users match the
demo tokens in ``scripts/demo_config.py`` (``alice-token`` logs in as ``alice``, ...).
Attendance comes from open tabs, so the demo opens and closes its people's tabs through the
presence manager, as their websockets would.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from .clock import FrozenClock, utcnow
from .identity import CourseRole, Identity
from .models import CreateSession, JoinSession, ListSessionsQuery, SessionSettings
from .orm import StudySession

PEOPLE = {
    "alice": ("Alice Chen", CourseRole.student),
    "bob": ("Bob Okafor", CourseRole.student),
    "carol": ("Carol Díaz", CourseRole.student),
    "dave": ("Dave Kim", CourseRole.student),
    "prof": ("Professor Plum", CourseRole.instructor),
    "tina": ("Tina Tran", CourseRole.ta),
}


def person(username: str) -> Identity:
    name, role = PEOPLE[username]
    initials = "".join(p[0] for p in name.split()[:2])
    return Identity(username=username, display_name=name, initials=initials, course_role=role)


async def create_demo_data(services, force: bool = False) -> dict[str, int] | None:
    """Create the demo sessions; return counts, or None when demo data is already there."""
    async with services.store.read() as db:
        existing = await db.scalar(select(func.count()).select_from(StudySession))
    if existing and not force:
        return None
    clock = services.clock
    if not isinstance(clock, FrozenClock):
        raise TypeError("demo data needs the services built with a FrozenClock")
    now = utcnow()
    alice, bob, carol, _dave, prof, tina = (person(u) for u in PEOPLE)
    sessions, participants, presence = services.sessions, services.participants, services.presence

    async def create(host, when, **fields):
        clock.set(when)
        return await sessions.create_session(host, CreateSession(**fields))

    async def join(who, session):
        await participants.join_session(who, session.id, JoinSession())

    async def open_tab(who, session):
        """A browser tab of ``who`` following the session: present while joined and active."""
        await presence.connect(who, f"demo-{who.username}")
        await presence.enter_session(f"demo-{who.username}", session.id)

    async def close_tab(who):
        await presence.disconnect(f"demo-{who.username}")

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
    clock.set(start + timedelta(minutes=5))
    await open_tab(bob, past)
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
        settings=SessionSettings(tools=["chat", "timer", "notes", "whiteboard"]),
    )
    clock.set(now - timedelta(minutes=25))
    await join(bob, live)
    await sessions.start_session(alice, live.id)

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
    clock.set(now)
    mine = await sessions.list_sessions(alice, ListSessionsQuery(limit=100))
    return {"sessions": 6, "alice_sees": len(mine.items)}
