"""The queue's rules, through the managers (SQLite and PostgreSQL)."""

import asyncio

import pytest
from sqlalchemy import select

from jupyter_studysession.exceptions import Conflict, NotAuthorized, RateLimited
from jupyter_studysession.models import AdmitStudents, FinishEntry, SetDuty
from jupyter_studysession.orm import Notification, Participant
from jupyter_studysession.services.sessions.attendance import open_interval


async def positions(ss_services, people, oh) -> dict[str, int]:
    queue = await ss_services.queue.get_queue(people["tina"], oh)
    return {e.user.username: e.position for e in queue.entries if e.position is not None}


async def kinds(ss_services, user: str, kind: str) -> list[Notification]:
    async with ss_services.store.read() as db:
        rows = await db.scalars(
            select(Notification).where(Notification.username == user, Notification.kind == kind)
        )
        return list(rows)


async def test_positions_should_follow_joins_leaves_and_admits(
    ss_services, people, open_queue, join
):
    oh = await open_queue()
    for name in ["alice", "bob", "carol", "dave"]:
        await join(oh, name)
    assert await positions(ss_services, people, oh) == {"alice": 1, "bob": 2, "carol": 3, "dave": 4}
    await ss_services.queue.leave_queue(people["bob"], oh)
    assert await positions(ss_services, people, oh) == {"alice": 1, "carol": 2, "dave": 3}
    result = await ss_services.queue.admit(people["tina"], oh, AdmitStudents())
    assert [e.user.username for e in result.entries] == ["alice"]
    assert await positions(ss_services, people, oh) == {"carol": 1, "dave": 2}
    mine = (await ss_services.queue.get_queue(people["dave"], oh)).my_entry
    assert mine.position == 2 and mine.estimate.low_minutes == 10  # default 10 min, one ahead
    assert (await ss_services.queue.get_queue(people["dave"], oh)).entries == []


async def test_estimate_should_learn_from_help_times_and_staff_on_duty(
    ss_services, people, open_queue, join
):
    oh = await open_queue()
    for name in ["alice", "bob", "carol"]:
        await join(oh, name)
    for _ in ["alice", "bob"]:
        result = await ss_services.queue.admit(people["tina"], oh, AdmitStudents())
        ss_services.clock.advance(minutes=4)
        await ss_services.queue.finish_entry(
            people["tina"], oh, result.entries[0].id, FinishEntry()
        )
    await join(oh, "dave")
    await ss_services.officehours.set_duty(people["tina"], oh, SetDuty(on_duty=True))
    await ss_services.officehours.set_duty(people["prof"], oh, SetDuty(on_duty=True))
    dave = (await ss_services.queue.get_queue(people["dave"], oh)).my_entry
    assert dave.position == 2
    assert dave.estimate.samples == 2 and dave.estimate.staff_on_duty == 2
    assert (dave.estimate.low_minutes, dave.estimate.high_minutes) == (2, 4)


async def test_step_out_should_keep_the_place_until_the_timeout(
    ss_services, people, open_queue, join
):
    oh = await open_queue()
    for name in ["alice", "bob", "carol"]:
        await join(oh, name)
    await ss_services.queue.step_out(people["alice"], oh)
    assert await positions(ss_services, people, oh) == {"alice": 1, "bob": 2, "carol": 3}
    # admit next skips a stepped-out student
    result = await ss_services.queue.admit(people["tina"], oh, AdmitStudents())
    assert result.entries[0].user.username == "bob"
    back = await ss_services.queue.return_to_queue(people["alice"], oh)
    assert back.position == 1 and back.status == "waiting"
    await ss_services.queue.step_out(people["alice"], oh)
    ss_services.clock.advance(minutes=10)
    assert await positions(ss_services, people, oh) == {"carol": 1, "alice": 2}
    entry = (await ss_services.queue.get_queue(people["alice"], oh)).my_entry
    assert entry.status == "waiting"


async def test_one_active_entry_per_student_and_closed_queue(ss_services, people, open_queue, join):
    oh = await open_queue()
    await join(oh, "alice")
    with pytest.raises(Conflict) as err:
        await join(oh, "alice")
    assert err.value.reason == "already_in_queue"
    with pytest.raises(NotAuthorized):
        await join(oh, "tina")
    await ss_services.officehours.set_open(people["prof"], oh, False)
    with pytest.raises(Conflict) as err:
        await join(oh, "bob")
    assert err.value.reason == "queue_closed"


async def test_join_should_be_rate_limited(ss_services, people, open_queue, join):
    oh = await open_queue()
    for _ in range(10):
        await join(oh, "alice")
        await ss_services.queue.leave_queue(people["alice"], oh)
    with pytest.raises(RateLimited):
        await join(oh, "alice")


async def test_concurrent_admits_should_never_admit_twice_nor_skip(
    ss_services, people, open_queue, join
):
    oh = await open_queue()
    names = ["alice", "bob", "carol", "dave", "erin", "frank"]
    for name in names:
        await join(oh, name)
    results = await asyncio.gather(
        *[ss_services.queue.admit(people[s], oh, AdmitStudents()) for s in ["tina", "prof"] * 2]
    )
    admitted = [r.entries[0].user.username for r in results]
    assert sorted(admitted) == ["alice", "bob", "carol", "dave"]
    assert len({r.session_id for r in results}) == 4
    assert await positions(ss_services, people, oh) == {"erin": 1, "frank": 2}


async def test_admit_should_create_a_started_private_room_and_notify(
    ss_services, people, open_queue, join
):
    oh = await open_queue()
    entry = await join(oh, "alice", question="Why does my loop never end?")
    result = await ss_services.queue.admit(people["tina"], oh, AdmitStudents(entry_ids=[entry.id]))
    session = await ss_services.sessions.get_session(people["alice"], result.session_id)
    assert session.type == "one_on_one" and session.status == "active"
    assert session.title == "Office hours: Alice"  # the student's name, as people see it
    assert session.host.username == "tina" and not session.is_public
    assert session.my_state == "joined"
    (turn,) = await kinds(ss_services, "alice", "your_turn")
    assert turn.data["session_id"] == result.session_id
    assert result.entries[0].admitted_by == "tina" and result.entries[0].status == "admitted"


async def test_group_admit_should_take_everyone_with_the_topic(
    ss_services, people, open_queue, join
):
    oh = await open_queue()
    await join(oh, "alice", topic="Recursion")
    await join(oh, "bob", topic="loops")
    await join(oh, "carol", topic="recursion")
    result = await ss_services.queue.admit(people["prof"], oh, AdmitStudents(topic="recursion"))
    assert [e.user.username for e in result.entries] == ["alice", "carol"]
    session = await ss_services.sessions.get_session(people["prof"], result.session_id)
    assert session.type == "group" and session.participant_count == 3
    assert session.title == "Office hours: Alice, Carol"
    async with ss_services.store.read() as db:
        joined = set(
            await db.scalars(
                select(Participant.username).where(Participant.session_id == result.session_id)
            )
        )
    assert joined == {"prof", "alice", "carol"}
    assert await positions(ss_services, people, oh) == {"bob": 1}


async def test_admitted_student_who_never_opens_the_room_is_a_no_show(
    ss_services, people, open_queue, join
):
    oh = await open_queue()
    await join(oh, "alice")
    await join(oh, "bob")
    first = await ss_services.queue.admit(people["tina"], oh, AdmitStudents())
    second = await ss_services.queue.admit(people["tina"], oh, AdmitStudents())
    ss_services.clock.advance(minutes=2)
    async with ss_services.store.transaction() as db:  # bob opens his room
        await open_interval(db, second.session_id, "bob", ss_services.clock.now())
    ss_services.clock.advance(minutes=3)
    assert await ss_services.queue.sweep() == 1
    queue = await ss_services.queue.get_queue(people["tina"], oh)
    assert [(e.user.username, e.status) for e in queue.entries] == [("bob", "in_progress")]
    assert queue.entries[0].started_at is not None
    history = await ss_services.officehours.export_history(people["tina"], oh, _all())
    assert f"{first.entries[0].id},alice" in history and ",no_show," in history


def _all():
    from jupyter_studysession.models import QueueHistoryQuery

    return QueueHistoryQuery()


async def test_almost_up_should_be_sent_once_per_entry(ss_services, people, open_queue, join):
    oh = await open_queue()
    for name in ["alice", "bob", "carol", "dave"]:
        await join(oh, name)
    assert [len(await kinds(ss_services, n, "almost_up")) for n in ["alice", "bob", "carol"]] == [
        1,
        1,
        0,
    ]
    await ss_services.queue.admit(people["tina"], oh, AdmitStudents())
    await ss_services.queue.leave_queue(people["dave"], oh)
    assert [len(await kinds(ss_services, n, "almost_up")) for n in ["bob", "carol"]] == [1, 1]


async def test_announcement_should_notify_everyone_in_the_queue(
    ss_services, people, open_queue, join
):
    oh = await open_queue()
    await join(oh, "alice")
    await join(oh, "bob")
    from jupyter_studysession.models import CreateAnnouncement

    sent = await ss_services.officehours.announce(
        people["tina"], oh, CreateAnnouncement(text="Back in 5 minutes")
    )
    assert sent.recipients == 2
    (note,) = await kinds(ss_services, "bob", "queue_announcement")
    assert note.body == "Back in 5 minutes"
    with pytest.raises(NotAuthorized):
        await ss_services.officehours.announce(people["alice"], oh, CreateAnnouncement(text="x"))
