"""The room every test here starts from."""

import pytest


@pytest.fixture
def make_room(ss_fetch):
    """A private session hosted by alice with bob as a joined co-host, carol a joined
    participant and dave invited (erin is an outsider, prof an instructor);
    started when ``active``. Returns its id."""

    async def make_room(active: bool = True) -> str:
        reply = await ss_fetch(
            "alice",
            "sessions",
            method="POST",
            body={"title": "Room", "invite": ["bob", "carol", "dave"]},
        )
        assert reply.status == 201, reply.body
        room = reply.body["id"]
        steps = [
            ("alice", "PATCH", f"sessions/{room}/participants/bob", {"role": "co_host"}),
            ("bob", "POST", f"sessions/{room}/join", None),
            ("carol", "POST", f"sessions/{room}/join", None),
        ]
        if active:
            steps.append(("alice", "POST", f"sessions/{room}/start", None))
        for user, method, path, body in steps:
            reply = await ss_fetch(user, path, method=method, body=body)
            assert reply.status == 200, (user, path, reply.body)
        return room

    return make_room
