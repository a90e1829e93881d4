"""The routes a host's server asks for a visitor of it (JupyterHub, docs/hub.md): the follow
state and places of a session the caller hosts and the visitor joined, read only, and nothing
else (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from jupyter_studysession.pytest_plugin import WsClient, token_for

# caller (the host's server's owner), visitor -> the answer to the visitor's follow state
# (alice hosts, bob is a joined co-host, carol joined, dave is invited, erin an outsider)
FOLLOW = [
    ("alice", "carol", 200),
    ("alice", "bob", 200),  # a co-host who would lead from their own server: not here
    ("alice", "dave", "not_joined"),
    ("alice", "erin", "not_joined"),
    ("alice", "alice", "not_hosted"),
    ("bob", "carol", "not_hosted"),  # a co-host's server: the notebook is not there
    ("carol", "carol", "not_hosted"),
    ("alice", "nobody", "unknown_user"),
]


@pytest.fixture
def visitor_ws(jp_ws_fetch):
    """``ws = await visitor_ws("alice", "carol")``: alice's server relaying for carol."""
    clients: list[WsClient] = []

    async def connect(caller: str, visitor: str) -> WsClient:
        headers = {"Authorization": f"token {token_for(caller)}"}
        connection = await jp_ws_fetch(
            "studysession", "api", "visitors", visitor, "ws", headers=headers
        )
        clients.append(WsClient(connection))
        return clients[-1]

    yield connect
    for client in clients:
        client.close()


async def test_only_the_host_reads_the_follow_state_of_a_visitor_who_joined(ss_fetch, study_room):
    room = await study_room()
    answers = {}
    for caller, visitor, _ in FOLLOW:
        reply = await ss_fetch(caller, f"visitors/{visitor}/sessions/{room}/follow")
        answers[caller, visitor] = reply.status if reply.status == 200 else reply.body["reason"]
        if reply.status == 200:
            assert reply.body["notebook"]["path"] == "algebra/lesson.ipynb"
            assert reply.body["can_lead"] is False
    assert answers == {(caller, visitor): want for caller, visitor, want in FOLLOW}

    visits = (await ss_fetch("alice", "visitors/carol/sessions")).body["items"]
    assert visits == [
        {
            "session_id": room,
            "title": "Room",
            "host": "alice",
            "notebook_path": "algebra/lesson.ipynb",
        }
    ]
    for caller, visitor in [("alice", "dave"), ("bob", "carol"), ("alice", "alice")]:
        assert (await ss_fetch(caller, f"visitors/{visitor}/sessions")).body["items"] == []


async def test_a_relayed_connection_receives_the_leaders_places_and_can_do_nothing_else(
    ss_fetch, ss_ws, visitor_ws, study_room, lead, places
):
    room = await study_room()
    relayed = await visitor_ws("alice", "carol")
    assert (await relayed.op("subscribe", channel=f"follow:{room}"))["ok"]
    for name, payload in [
        ("nav.lead", {"session_id": room}),
        ("nav.status", {"session_id": room, "state": "following"}),
        ("chat.send", {"session_id": room, "text": "as carol"}),
        ("heartbeat", {}),
        ("subscribe", {"channel": f"session:{room}"}),
        ("subscribe", {"channel": "user:carol"}),
    ]:
        ack = await relayed.op(name, **payload)
        assert ack["error"]["code"] == "read_only", (name, ack)

    bob = await ss_ws("bob")
    epoch = await lead(bob, room)
    assert (await bob.op("nav.place", session_id=room, epoch=epoch, **places[4]))["ok"]
    event = await relayed.event(type="nav.place")
    assert (event["data"]["leader"], event["data"]["place"]["cell_id"]) == (
        "bob",
        places[4]["cell_id"],
    )
    # the relayed connection is no tab of carol's: she is not present in the room
    presence = (await ss_fetch("alice", "presence", params={"session": room})).body["items"]
    assert {p["user"]["username"]: p["status"] for p in presence}["carol"] == "offline"

    # once she left, the host's server can no longer follow for her
    assert (await ss_fetch("carol", f"sessions/{room}/leave", method="POST")).status == 200
    again = await (await visitor_ws("alice", "carol")).op("subscribe", channel=f"follow:{room}")
    assert again["error"]["code"] == "not_joined"
