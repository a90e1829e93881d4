"""Following the host on the host's server: a participant who opens the study notebook on the
host's server (a hub share) may read the follow channel of a session they joined there, and
nothing else; the host's server never acts as its owner for them."""

from __future__ import annotations

import json
import uuid

import pytest
import websocket

pytestmark = [pytest.mark.hub, pytest.mark.timeout(900)]  # the first one starts the hub

NOTEBOOK = {
    "type": "notebook",
    "format": "json",
    "content": {
        "cells": [
            {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "# Week 5"},
            {"cell_type": "markdown", "id": "eigen", "metadata": {}, "source": "## Eigenvalues"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
}


def active_session(hub, host: str, *joined: str, notebook: str | None = None) -> str:
    body = {"title": "Study notebook", "invite": list(joined)}
    session_id = hub.study(host, "POST", "sessions", json=body).json()["id"]
    for user in joined:
        assert hub.study(user, "POST", f"sessions/{session_id}/join").status_code == 200
    if notebook is not None:
        chosen = hub.study(host, "PUT", f"sessions/{session_id}/notebook", json={"path": notebook})
        assert chosen.status_code == 200, chosen.text
    assert hub.study(host, "POST", f"sessions/{session_id}/start").status_code == 200
    return session_id


def connect(hub, owner: str, user: str) -> websocket.WebSocket:
    """``user``'s realtime websocket on ``owner``'s server."""
    url = hub.url.replace("http", "ws", 1) + f"user/{owner}/studysession/api/ws"
    return websocket.create_connection(
        url, header=[f"Authorization: token {hub.token_for(user)}"], timeout=20
    )


def ask(ws: websocket.WebSocket, ref: int, op: str, **payload) -> dict:
    """Send an op and read its ack (events that come first are skipped)."""
    ws.send(json.dumps({"id": ref, "op": op, **payload}))
    while True:
        message = json.loads(ws.recv())
        if message.get("re") == ref:
            return message


@pytest.fixture(scope="module")
def study(course_hub):
    """bob hosts a session on his notebook ``week5-<x>.ipynb`` that alice joined, and a second
    one she did not join; tina hosts one that alice joined. All end afterwards."""
    hub = course_hub
    notebook = f"week5-{uuid.uuid4().hex[:6]}.ipynb"
    saved = hub.on_server("bob", "PUT", f"api/contents/{notebook}", "bob", json=NOTEBOOK)
    assert saved.status_code in (200, 201), saved.text
    sessions = {
        "joined": active_session(hub, "bob", "alice", notebook=notebook),
        "not_joined": active_session(hub, "bob", "tina", notebook=notebook),
        "tinas": active_session(hub, "tina", "alice", notebook=None),
    }
    try:
        yield hub, notebook, sessions
    finally:
        for key, host in (("joined", "bob"), ("not_joined", "bob"), ("tinas", "tina")):
            hub.study(host, "POST", f"sessions/{sessions[key]}/end")


def test_the_study_notebook_is_checked_on_the_hosts_own_server(study):
    hub, _, sessions = study
    missing = hub.study(
        "bob", "PUT", f"sessions/{sessions['joined']}/notebook", json={"path": "nowhere.ipynb"}
    )
    assert (missing.status_code, missing.json()["reason"]) == (404, "notebook_not_found")


def test_a_visitor_is_refused_every_study_call_that_would_act_as_the_host(study):
    hub, notebook, sessions = study
    sid = sessions["joined"]
    # alice may reach bob's server: the session shares it with her
    assert hub.on_server("bob", "GET", "api/status", "alice").status_code == 200
    calls = [
        ("GET", "me", None),
        ("GET", "sessions", None),
        ("GET", f"sessions/{sid}", None),
        ("GET", f"sessions/{sid}/messages", None),
        ("GET", f"sessions/{sid}/study-server", None),
        ("POST", "sessions", {"title": "As bob"}),
        ("POST", f"sessions/{sid}/messages", {"text": "I am bob"}),
        ("POST", f"sessions/{sid}/end", None),
        ("PATCH", f"sessions/{sid}/participants/alice", {"role": "cohost"}),
        ("PUT", f"sessions/{sid}/notebook", {"path": notebook}),
        ("POST", "notebook-sessions", {"notebook_path": notebook}),
        ("GET", f"visitors/alice/sessions/{sid}/follow", None),  # no way to the raw routes
        ("POST", "visits", None),
        ("PUT", f"sessions/{sid}/follow", {}),
    ]
    for method, path, body in calls:
        reply = hub.on_server("bob", method, "studysession/api/" + path, "alice", json=body)
        assert (reply.status_code, reply.json()["reason"]) == (403, "not_server_owner"), (
            method,
            path,
        )
    # a CRDT room of the session: refused before any websocket is opened at the service
    docs = hub.url.replace("http", "ws", 1) + f"user/bob/studysession/api/sessions/{sid}/docs/notes"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            docs, header=[f"Authorization: token {hub.token_for('alice')}"], timeout=20
        )
    assert refused.value.status_code == 403

    # over the realtime websocket she may only subscribe to follow:<id>
    ws = connect(hub, "bob", "alice")
    try:
        for ref, op, payload in [
            (1, "nav.lead", {"session_id": sid}),
            (2, "nav.release", {"session_id": sid}),
            (3, "nav.place", {"session_id": sid, "epoch": 1, "notebook_path": notebook}),
            (4, "nav.status", {"session_id": sid, "state": "following"}),
            (5, "chat.send", {"session_id": sid, "text": "as bob"}),
            (6, "presence.set", {"status": "online"}),
        ]:
            ack = ask(ws, ref, op, **payload)
            assert ack["ok"] is False and ack["error"]["code"] == "read_only", (op, ack)
        for ref, channel in [(7, f"session:{sid}"), (8, "user:bob"), (9, "user:alice")]:
            ack = ask(ws, ref, "subscribe", channel=channel)
            assert ack["ok"] is False and ack["error"]["code"] == "read_only", (channel, ack)
    finally:
        ws.close()
    # nothing happened as bob: the session is active, nobody leads, no message from alice
    assert hub.study("bob", "GET", f"sessions/{sid}").json()["status"] == "active"
    assert hub.study("bob", "GET", f"sessions/{sid}/follow").json()["leader"] is None
    assert hub.study("bob", "GET", f"sessions/{sid}/messages").json()["items"] == []


def test_a_joined_participant_follows_the_host_on_the_hosts_server(study):
    hub, notebook, sessions = study
    sid = sessions["joined"]
    visits = hub.on_server("bob", "GET", "studysession/api/visits", "alice").json()["items"]
    assert [(v["session_id"], v["host"], v["notebook_path"]) for v in visits] == [
        (sid, "bob", notebook)
    ]
    alice = connect(hub, "bob", "alice")
    bob = connect(hub, "bob", "bob")  # the host, on his own server, leads
    try:
        subscribed = ask(alice, 1, "subscribe", channel=f"follow:{sid}")
        assert subscribed["ok"] is True, subscribed
        lead = ask(bob, 1, "nav.lead", session_id=sid)
        assert lead["ok"] is True, lead
        epoch = lead["data"]["epoch"]
        place = {"notebook_path": notebook, "cell_id": "eigen", "cell_index": 1}
        sent = ask(bob, 2, "nav.place", session_id=sid, epoch=epoch, **place)
        assert sent["ok"] is True, sent
        event = json.loads(alice.recv())
        while event.get("type") != "nav.place":
            event = json.loads(alice.recv())
        assert event["data"]["leader"] == "bob"
        assert event["data"]["place"]["cell_id"] == "eigen"
        # the follow state, as she sees it there: bob leads, she may not
        follow = hub.on_server("bob", "GET", f"studysession/api/sessions/{sid}/follow", "alice")
        assert follow.status_code == 200, follow.text
        assert follow.json()["leader"]["username"] == "bob"
        assert follow.json()["can_lead"] is False
        assert follow.json()["place"]["cell_id"] == "eigen"
    finally:
        alice.close()
        ask(bob, 3, "nav.release", session_id=sid)
        bob.close()


def test_a_visitor_gets_nothing_of_a_session_they_did_not_join_or_the_owner_does_not_host(
    study,
):
    hub, _, sessions = study
    # alice has a share of bob's server, but did not join this session of his
    for sid, reason in [(sessions["not_joined"], "not_joined"), (sessions["tinas"], "not_hosted")]:
        follow = hub.on_server("bob", "GET", f"studysession/api/sessions/{sid}/follow", "alice")
        assert (follow.status_code, follow.json()["reason"]) == (403, reason)
        ws = connect(hub, "bob", "alice")
        try:
            ack = ask(ws, 1, "subscribe", channel=f"follow:{sid}")
            assert ack["ok"] is False and ack["error"]["code"] == reason, ack
        finally:
            ws.close()
    visits = hub.on_server("bob", "GET", "studysession/api/visits", "alice").json()["items"]
    assert sessions["not_joined"] not in [v["session_id"] for v in visits]
    # nor can bob's server (bob's token) read his session for someone who did not join it
    relayed = hub.service(
        "GET", f"studysession/api/visitors/alice/sessions/{sessions['not_joined']}/follow", "bob"
    )
    assert (relayed.status_code, relayed.json()["reason"]) == (403, "not_joined")
    # tina's server cannot read bob's session for alice, though alice joined it
    relayed = hub.service(
        "GET", f"studysession/api/visitors/alice/sessions/{sessions['joined']}/follow", "tina"
    )
    assert (relayed.status_code, relayed.json()["reason"]) == (403, "not_hosted")
