"""``GET users/suggestions``: whom to invite, from the people you have studied with."""

from __future__ import annotations

import pytest


@pytest.fixture
def study_together(ss_fetch, ss_create_session):
    """``await study_together()``: alice studied with bob twice (hosted with bob joined, then
    bob hosting), invited carol once, removed erin, and is in a study group with frank; dave
    shares nothing with anyone."""

    async def study_together() -> None:
        await _study_together(ss_fetch, ss_create_session)

    return study_together


async def _study_together(ss_fetch, ss_create_session) -> None:
    await ss_create_session("alice", joined=["bob"], invited=["carol"], title="Algebra")
    await ss_create_session("bob", joined=["alice"], title="Topology")
    removal = await ss_create_session("alice", joined=["erin"], title="Geometry")
    reply = await ss_fetch(
        "alice", f"sessions/{removal}/participants/erin", method="PATCH", body={"state": "removed"}
    )
    assert reply.status == 200, reply.body
    group = await ss_fetch(
        "alice", "groups", method="POST", body={"name": "G", "invite": ["frank"]}
    )
    assert group.status == 201, group.body
    assert (await ss_fetch("frank", f"groups/{group.body['id']}/join", method="POST")).status == 200


def names(reply) -> list[str]:
    assert reply.status == 200, reply.body
    return [item["user"]["username"] for item in reply.body["items"]]


async def test_suggestions_should_be_the_people_one_studied_with_most_often_first(
    ss_fetch, study_together
):
    await study_together()
    reply = await ss_fetch("alice", "users/suggestions")
    assert names(reply) == ["bob", "carol", "frank"]
    bob = reply.body["items"][0]
    assert bob["shared_sessions"] == 2 and bob["shared_groups"] == 0
    assert bob["user"]["display_name"] == "Bob"
    assert reply.body["items"][2]["shared_groups"] == 1


async def test_suggestions_should_match_q_in_username_or_display_name_in_any_case(
    ss_fetch, study_together
):
    await study_together()
    assert names(await ss_fetch("alice", "users/suggestions", params={"q": "CAR"})) == ["carol"]
    assert names(await ss_fetch("alice", "users/suggestions", params={"q": "o"})) == [
        "bob",
        "carol",
    ]
    assert names(await ss_fetch("alice", "users/suggestions", params={"q": "zed"})) == []
    assert names(await ss_fetch("alice", "users/suggestions", params={"limit": 1})) == ["bob"]


async def test_each_role_should_get_only_the_people_they_studied_with(
    ss_fetch, ss_create_session, study_together
):
    await study_together()
    # participant: bob sees alice and carol from sessions they shared
    assert names(await ss_fetch("bob", "users/suggestions")) == ["alice", "carol"]
    # invited only: carol still shared a session with alice and bob
    assert names(await ss_fetch("carol", "users/suggestions")) == ["alice", "bob"]
    # a removed member is no longer suggested, either way round
    assert "erin" not in names(await ss_fetch("alice", "users/suggestions"))
    assert names(await ss_fetch("erin", "users/suggestions")) == []
    # an outsider and course staff see nobody they have not studied with
    assert names(await ss_fetch("dave", "users/suggestions")) == []
    assert names(await ss_fetch("prof", "users/suggestions")) == []
    assert names(await ss_fetch("tina", "users/suggestions")) == []
    await ss_create_session("tina", joined=["dave"], title="Help")
    assert names(await ss_fetch("tina", "users/suggestions")) == ["dave"]


async def test_suggestions_should_need_a_login(ss_fetch):
    reply = await ss_fetch(None, "users/suggestions")
    assert reply.status == 403


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "21"}, {"limit": "many"}, {"q": "x" * 101}, {"who": "bob"}],
)
async def test_bad_suggestion_queries_should_be_400_with_a_message(ss_fetch, params):
    reply = await ss_fetch("alice", "users/suggestions", params=params)
    assert reply.status == 400
    assert reply.body["reason"] == "invalid_input"
    assert reply.body["message"]
