"""Fixtures of the study-group tests: a group with an admin, a member and an invitee."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_group(ss_fetch):
    """``group = await make_group()``: a group administered by alice with bob joined (and
    carol invited, when private). ``public=True`` makes it public."""

    async def make_group(*, public: bool = False, **fields) -> str:
        body = {"name": "Linear algebra", "is_public": public, "invite": ["bob", "carol"]}
        body.update(fields)
        reply = await ss_fetch("alice", "groups", method="POST", body=body)
        assert reply.status == 201, reply.body
        group = reply.body["id"]
        reply = await ss_fetch("bob", f"groups/{group}/join", method="POST")
        assert reply.status == 200, reply.body
        return group

    return make_group
