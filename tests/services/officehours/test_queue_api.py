"""Office hours over REST and the websocket, on a real server (SQLite and PostgreSQL)."""

import asyncio
import csv
import io

import pytest


async def test_two_staff_admitting_over_rest_should_not_collide(ss_fetch, api_queue):
    oh = await api_queue()
    for name in ["alice", "bob", "carol", "dave"]:
        reply = await ss_fetch(
            name, f"officehours/{oh}/queue", method="POST", body={"question": "?"}
        )
        assert reply.status == 201, reply.body
    replies = await asyncio.gather(
        *[ss_fetch(s, f"officehours/{oh}/admit", method="POST") for s in ["tina", "prof", "tina"]]
    )
    assert [r.status for r in replies] == [200, 200, 200], [r.body for r in replies]
    admitted = sorted(r.body["entries"][0]["user"]["username"] for r in replies)
    assert admitted == ["alice", "bob", "carol"]
    queue = await ss_fetch("tina", f"officehours/{oh}/queue")
    waiting = [
        (e["user"]["username"], e["position"]) for e in queue.body["entries"] if e["position"]
    ]
    assert waiting == [("dave", 1)]
    empty = await ss_fetch("prof", f"officehours/{oh}/admit", method="POST", body={"topic": "x"})
    assert empty.status == 409 and empty.body["reason"] == "queue_empty"


async def test_student_sees_their_position_change_live(ss_fetch, ss_ws, api_queue):
    oh = await api_queue()
    for name in ["alice", "bob"]:
        reply = await ss_fetch(
            name, f"officehours/{oh}/queue", method="POST", body={"question": "?"}
        )
        assert reply.status == 201
    bob_entry = reply.body["id"]
    assert reply.body["position"] == 2 and reply.body["estimate"]["high_minutes"] >= 10
    bob = await ss_ws("bob")
    assert (await bob.op("subscribe", channel=f"queue:{oh}"))["ok"]
    staff = await ss_ws("tina")
    ack = await staff.op("queue.admit", officehours_id=oh)
    assert ack["ok"], ack
    event = await bob.event(type="queue.positions")
    assert event["data"]["entries"][0]["id"] == bob_entry
    assert event["data"]["entries"][0]["position"] == 1
    assert "question" not in event["data"]["entries"][0]
    # the admitted student is told on their own channel, and it is stored
    alice = await ss_ws("alice")
    assert (await alice.op("subscribe", channel="user:alice", since=0))["ok"]
    turn = await alice.event(type="notification", timeout=5)
    while turn["data"]["kind"] != "your_turn":
        turn = await alice.event(type="notification")
    assert turn["data"]["data"]["session_id"] == ack["data"]["session_id"]


async def test_queue_ops_over_the_websocket(ss_ws, api_queue):
    oh = await api_queue()
    carol = await ss_ws("carol")
    joined = await carol.op("queue.join", officehours_id=oh, question="Help", topic="sets")
    assert joined["ok"] and joined["data"]["position"] == 1
    again = await carol.op("queue.join", officehours_id=oh, question="Again")
    assert again["error"]["code"] == "already_in_queue"
    out = await carol.op("queue.step_out", officehours_id=oh)
    assert out["data"]["status"] == "stepped_out"
    back = await carol.op("queue.return", officehours_id=oh)
    assert back["data"]["status"] == "waiting"
    denied = await carol.op("queue.admit", officehours_id=oh)
    assert denied["error"]["code"] == "not_staff"
    left = await carol.op("queue.leave", officehours_id=oh)
    assert left["data"]["outcome"] == "left"
    too_long = await carol.op("queue.join", officehours_id=oh, question="x" * 501)
    assert too_long["error"]["code"] == "invalid_input"


async def test_announcement_should_reach_queue_subscribers_live(ss_fetch, ss_ws, api_queue):
    oh = await api_queue()
    await ss_fetch("alice", f"officehours/{oh}/queue", method="POST", body={"question": "?"})
    alice = await ss_ws("alice")
    assert (await alice.op("subscribe", channel=f"queue:{oh}"))["ok"]
    erin = await ss_ws("erin")  # no entry: may not follow the queue
    denied = await erin.op("subscribe", channel=f"queue:{oh}")
    assert denied["error"]["code"] == "not_in_queue"
    reply = await ss_fetch(
        "tina", f"officehours/{oh}/announcements", method="POST", body={"text": "Back soon"}
    )
    assert reply.status == 201 and reply.body["recipients"] == 1
    event = await alice.event(type="queue.announcement")
    assert event["data"]["announcement"]["text"] == "Back soon"
    notes = await ss_fetch("alice", "notifications")
    assert any(n["kind"] == "queue_announcement" for n in notes.body["items"])


async def test_history_csv_for_staff_only(ss_fetch, ss_clock, api_queue):
    oh = await api_queue()
    await ss_fetch("alice", f"officehours/{oh}/queue", method="POST", body={"question": "=1+1"})
    admitted = await ss_fetch("tina", f"officehours/{oh}/admit", method="POST")
    ss_clock.advance(minutes=4)
    entry = admitted.body["entries"][0]["id"]
    done = await ss_fetch(
        "tina", f"officehours/{oh}/queue/{entry}/finish", method="POST", body={"outcome": "helped"}
    )
    assert done.status == 200 and done.body["outcome"] == "helped"
    reply = await ss_fetch("prof", f"officehours/{oh}/history.csv")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(reply.body)))
    assert row["username"] == "alice" and row["outcome"] == "helped"
    assert row["question"] == "'=1+1"  # inert in a spreadsheet
    assert row["admitted_by"] == "tina" and row["help_minutes"] == "4.00"
    later = await ss_fetch(
        "prof", f"officehours/{oh}/history.csv", params={"from": "2099-01-01T00:00:00Z"}
    )
    assert len(list(csv.DictReader(io.StringIO(later.body)))) == 0
    assert (await ss_fetch("alice", f"officehours/{oh}/history.csv")).status == 403
    bad = await ss_fetch("prof", f"officehours/{oh}/history.csv", params={"from": "yesterday"})
    assert bad.status == 400


STUDENT, TA, INSTRUCTOR, NOBODY = "alice", "tina", "prof", None


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        # (student, ta, instructor, unauthenticated)
        ("GET", "officehours", None, (200, 200, 200, 403)),
        ("POST", "officehours", {"title": "New"}, (403, 201, 201, 403)),
        ("GET", "officehours/{oh}", None, (200, 200, 200, 403)),
        ("PATCH", "officehours/{oh}", {"title": "Renamed"}, (403, 200, 200, 403)),
        ("POST", "officehours/{oh}/open", None, (403, 200, 200, 403)),
        ("POST", "officehours/{oh}/close", None, (403, 200, 200, 403)),
        ("PUT", "officehours/{oh}/duty", {"on_duty": True}, (403, 200, 200, 403)),
        ("GET", "officehours/{oh}/queue", None, (200, 200, 200, 403)),
        ("POST", "officehours/{oh}/queue", {"question": "?"}, (201, 403, 403, 403)),
        ("POST", "officehours/{oh}/queue/me/step-out", None, (200, 404, 404, 403)),
        ("POST", "officehours/{oh}/queue/me/return", None, (200, 404, 404, 403)),
        ("DELETE", "officehours/{oh}/queue/me", None, (200, 404, 404, 403)),
        ("POST", "officehours/{oh}/admit", None, (403, 200, 409, 403)),
        ("POST", "officehours/{oh}/queue/{entry}/finish", {}, (403, 200, 409, 403)),
        ("POST", "officehours/{oh}/announcements", {"text": "Hi"}, (403, 201, 201, 403)),
        ("GET", "officehours/{oh}/history.csv", None, (403, 200, 200, 403)),
        ("DELETE", "officehours/{oh}", None, (403, 204, 404, 403)),
    ],
)
async def test_authorization_matrix(ss_fetch, api_queue, method, path, body, expected):
    oh = await api_queue()
    entry = await ss_fetch("bob", f"officehours/{oh}/queue", method="POST", body={"question": "?"})
    if "me/" in path or path.endswith("queue/me"):
        await ss_fetch(STUDENT, f"officehours/{oh}/queue", method="POST", body={"question": "?"})
    url = path.format(oh=oh, entry=entry.body["id"])
    statuses = []
    for user in (STUDENT, TA, INSTRUCTOR, NOBODY):
        reply = await ss_fetch(user, url, method=method, body=body)
        statuses.append(reply.status)
        if reply.status >= 400 and user is not None:
            assert set(reply.body) == {"message", "reason"}, reply.body
    assert tuple(statuses) == expected


async def test_unknown_office_hours_and_bad_input(ss_fetch):
    assert (await ss_fetch("alice", "officehours/nope/queue")).status == 404
    bad = await ss_fetch(
        "prof",
        "officehours",
        method="POST",
        body={
            "title": "X",
            "weekly_slots": [{"weekday": 0, "start": "9", "end": "10:00", "timezone": "UTC"}],
        },
    )
    assert bad.status == 400 and bad.body["reason"] == "invalid_input"
