"""Study groups over REST, through a real server, on SQLite and PostgreSQL: CRUD, visibility,
invitations and invite links, roles and the last-admin rule, capacity, and who may do what."""

from __future__ import annotations

import pytest


async def test_create_should_make_the_creator_admin_and_invite_the_others(ss_fetch, make_group):
    group = await make_group(description="Chapter by chapter", max_members=5)
    reply = await ss_fetch("alice", f"groups/{group}")
    assert reply.status == 200, reply.body
    body = reply.body
    assert (body["name"], body["description"], body["max_members"]) == (
        "Linear algebra",
        "Chapter by chapter",
        5,
    )
    assert (body["my_role"], body["my_state"], body["member_count"]) == ("admin", "joined", 2)
    assert body["last_place"] is None and body["active_session_id"] is None
    members = (await ss_fetch("alice", f"groups/{group}/members")).body["items"]
    assert [(m["user"]["username"], m["role"], m["state"]) for m in members] == [
        ("alice", "admin", "joined"),
        ("bob", "member", "joined"),
        ("carol", "member", "invited"),
    ]
    notes = (await ss_fetch("carol", "notifications")).body["items"]
    assert notes[0]["kind"] == "group_invite" and notes[0]["data"]["group_id"] == group


async def test_update_list_and_delete(ss_fetch, make_group):
    group = await make_group()
    reply = await ss_fetch(
        "alice", f"groups/{group}", method="PATCH", body={"name": "LA", "is_public": True}
    )
    assert (reply.status, reply.body["name"], reply.body["is_public"]) == (200, "LA", True)
    assert [g["id"] for g in (await ss_fetch("bob", "groups")).body["items"]] == [group]
    assert [g["id"] for g in (await ss_fetch("carol", "groups")).body["items"]] == [group]
    browse = (await ss_fetch("erin", "groups/browse")).body["items"]
    assert [g["id"] for g in browse] == [group]
    assert (await ss_fetch("bob", "groups/browse")).body["items"] == []  # joined already
    too_small = await ss_fetch("alice", f"groups/{group}", method="PATCH", body={"max_members": 1})
    assert too_small.status == 400
    assert (await ss_fetch("alice", f"groups/{group}", method="DELETE")).status == 200
    assert (await ss_fetch("alice", f"groups/{group}")).status == 404
    assert (await ss_fetch("bob", "groups")).body["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "g", "max_members": 1},
        {"name": "g", "max_members": 501},
        {"name": "g", "owner": "bob"},
    ],
)
async def test_bad_group_should_be_400(ss_fetch, body):
    reply = await ss_fetch("alice", "groups", method="POST", body=body)
    assert reply.status == 400, reply.body
    assert set(reply.body) == {"message", "reason"}


async def test_private_group_should_be_invisible_to_outsiders(ss_fetch, make_group):
    group = await make_group()
    for path in ("", "/members", "/messages", "/sessions"):
        assert (await ss_fetch("erin", f"groups/{group}{path}")).status == 404, path
    joined = await ss_fetch("erin", f"groups/{group}/join", method="POST")
    assert (joined.status, joined.body["reason"]) == (404, "group_not_found")
    assert (await ss_fetch("erin", "groups/browse")).body["items"] == []
    # invited carol sees it and may join; the instructor sees it but is not a member
    assert (await ss_fetch("carol", f"groups/{group}")).status == 200
    assert (await ss_fetch("prof", f"groups/{group}")).status == 200
    assert (await ss_fetch("carol", f"groups/{group}/join", method="POST")).status == 200


async def test_public_group_should_be_joinable_by_anyone(ss_fetch, make_group):
    group = await make_group(public=True)
    reply = await ss_fetch("erin", f"groups/{group}/join", method="POST")
    assert (reply.status, reply.body["my_role"], reply.body["member_count"]) == (200, "member", 3)
    again = await ss_fetch("erin", f"groups/{group}/join", method="POST")
    assert (again.status, again.body["member_count"]) == (200, 3)
    assert (await ss_fetch("erin", f"groups/{group}/leave", method="POST")).status == 200
    assert (await ss_fetch("erin", f"groups/{group}")).body["my_role"] is None


async def test_invite_link_should_admit_until_it_expires_or_is_revoked(
    ss_fetch, make_group, ss_clock
):
    group = await make_group()
    created = await ss_fetch(
        "alice", f"groups/{group}/invite-links", method="POST", body={"expires_in_hours": 1}
    )
    assert created.status == 201, created.body
    token = created.body["token"]
    listed = (await ss_fetch("alice", f"groups/{group}/invite-links")).body["items"]
    assert [x["token"] for x in listed] == [None]  # shown once
    wrong = await ss_fetch(
        "erin", f"groups/{group}/join", method="POST", body={"invite_token": "nope"}
    )
    assert (wrong.status, wrong.body["reason"]) == (403, "invalid_invite")
    ok = await ss_fetch("erin", f"groups/{group}/join", method="POST", body={"invite_token": token})
    assert (ok.status, ok.body["my_state"]) == (200, "joined")
    ss_clock.advance(hours=2)
    late = await ss_fetch(
        "frank", f"groups/{group}/join", method="POST", body={"invite_token": token}
    )
    assert (late.status, late.body["reason"]) == (403, "invalid_invite")
    fresh = await ss_fetch("alice", f"groups/{group}/invite-links", method="POST")
    link = fresh.body["id"]
    revoked = await ss_fetch("alice", f"groups/{group}/invite-links/{link}", method="DELETE")
    assert revoked.status == 200 and revoked.body["revoked_at"] is not None
    refused = await ss_fetch(
        "frank", f"groups/{group}/join", method="POST", body={"invite_token": fresh.body["token"]}
    )
    assert (refused.status, refused.body["reason"]) == (403, "invalid_invite")


async def test_the_last_admin_should_hand_over_before_leaving(ss_fetch, make_group):
    group = await make_group()
    leave = await ss_fetch("alice", f"groups/{group}/leave", method="POST")
    assert (leave.status, leave.body["reason"]) == (409, "last_admin")
    demote = await ss_fetch(
        "alice", f"groups/{group}/members/alice", method="PATCH", body={"role": "member"}
    )
    assert (demote.status, demote.body["reason"]) == (409, "last_admin")
    not_admin = await ss_fetch(
        "bob", f"groups/{group}/members/bob", method="PATCH", body={"role": "admin"}
    )
    assert (not_admin.status, not_admin.body["reason"]) == (403, "not_admin")
    promote = await ss_fetch(
        "alice", f"groups/{group}/members/bob", method="PATCH", body={"role": "admin"}
    )
    assert (promote.status, promote.body["role"]) == (200, "admin")
    assert (await ss_fetch("alice", f"groups/{group}/leave", method="POST")).status == 200
    members = (await ss_fetch("bob", f"groups/{group}/members")).body["items"]
    assert [(m["user"]["username"], m["role"]) for m in members] == [
        ("bob", "admin"),
        ("carol", "member"),
    ]
    removed = await ss_fetch("bob", f"groups/{group}/members/carol", method="DELETE")
    assert removed.status == 200
    gone = await ss_fetch("bob", f"groups/{group}/members/carol", method="DELETE")
    assert (gone.status, gone.body["reason"]) == (404, "member_not_found")


async def test_a_full_group_should_refuse_joins(ss_fetch, make_group):
    group = await make_group(public=True, max_members=3)
    assert (await ss_fetch("erin", f"groups/{group}/join", method="POST")).status == 200
    full = await ss_fetch("frank", f"groups/{group}/join", method="POST")
    assert (full.status, full.body["reason"]) == (409, "group_full")
    lower = await ss_fetch("alice", f"groups/{group}", method="PATCH", body={"max_members": 2})
    assert (lower.status, lower.body["reason"]) == (409, "too_many_members")
    assert (await ss_fetch("erin", f"groups/{group}/leave", method="POST")).status == 200
    assert (await ss_fetch("frank", f"groups/{group}/join", method="POST")).status == 200


async def test_member_events_should_reach_the_group_channel(ss_fetch, ss_ws, make_group):
    group = await make_group(public=True)
    bob = await ss_ws("bob")
    ack = await bob.op("subscribe", channel=f"group:{group}")
    assert ack["ok"], ack
    seq = ack["data"]["seq"]
    await ss_fetch("erin", f"groups/{group}/join", method="POST")
    await ss_fetch("alice", f"groups/{group}", method="PATCH", body={"name": "LA 2"})
    await ss_fetch("erin", f"groups/{group}/leave", method="POST")
    joined = await bob.event(type="member.joined")
    updated = await bob.event(type="group.updated")
    left = await bob.event(type="member.left")
    assert joined["data"]["member"]["user"]["username"] == "erin"
    assert updated["data"]["group"]["name"] == "LA 2"
    assert left["data"]["member"]["user"]["username"] == "erin"
    assert [joined["seq"], updated["seq"], left["seq"]] == [seq + 1, seq + 2, seq + 3]
    erin = await ss_ws("erin")
    refused = await erin.op("subscribe", channel=f"group:{group}")
    assert (refused["ok"], refused["error"]["code"]) == (False, "not_member")
    prof = await ss_ws("prof")
    refused = await prof.op("subscribe", channel=f"group:{group}")
    assert (refused["ok"], refused["error"]["code"]) == (False, "not_member")


# -- who may do what ---------------------------------------------------------------------

MATRIX = [
    # (method, path, body, {user: expected status})
    ("GET", "", None, {"alice": 200, "bob": 200, "erin": 404, "prof": 200, None: 403}),
    ("PATCH", "", {"name": "x"}, {"alice": 200, "bob": 403, "erin": 404, "prof": 403, None: 403}),
    ("GET", "/members", None, {"alice": 200, "bob": 200, "erin": 404, "prof": 200, None: 403}),
    (
        "POST",
        "/invites",
        {"usernames": ["dave"]},
        {"alice": 200, "bob": 403, "erin": 404, "prof": 403, None: 403},
    ),
    ("GET", "/invite-links", None, {"alice": 200, "bob": 403, "erin": 404, "prof": 403, None: 403}),
    (
        "POST",
        "/invite-links",
        {},
        {"alice": 201, "bob": 403, "erin": 404, "prof": 403, None: 403},
    ),
    (
        "PATCH",
        "/members/bob",
        {"role": "member"},
        {"alice": 200, "bob": 403, "erin": 404, "prof": 403, None: 403},
    ),
    (
        "PUT",
        "/last-place",
        {"notebook_path": "la/ch1.ipynb"},
        {"alice": 200, "bob": 200, "erin": 404, "prof": 403, None: 403},
    ),
    ("GET", "/messages", None, {"alice": 200, "bob": 200, "erin": 404, "prof": 403, None: 403}),
    (
        "POST",
        "/messages",
        {"text": "hi"},
        {"alice": 201, "bob": 201, "erin": 404, "prof": 403, None: 403},
    ),
    ("GET", "/sessions", None, {"alice": 200, "bob": 200, "erin": 404, "prof": 200, None: 403}),
    (
        "POST",
        "/sessions",
        {"title": "Chapter 2"},
        {"alice": 201, "bob": 201, "erin": 404, "prof": 403, None: 403},
    ),
    ("POST", "/join", {}, {"alice": 200, "bob": 200, "erin": 404, "prof": 403, None: 403}),
]


@pytest.mark.parametrize(
    "method,path,body,expected", MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX]
)
async def test_authorization_matrix(ss_fetch, make_group, method, path, body, expected):
    group = await make_group()
    got = {}
    for user in expected:
        reply = await ss_fetch(user, f"groups/{group}{path}", method=method, body=body)
        got[user] = reply.status
        if reply.status >= 400:
            assert set(reply.body) == {"message", "reason"}, reply.body
    assert got == expected


async def test_authorization_of_the_remaining_routes(ss_fetch, make_group):
    group = await make_group()
    link = (await ss_fetch("alice", f"groups/{group}/invite-links", method="POST")).body["id"]
    cases = [
        (
            "DELETE",
            f"/invite-links/{link}",
            None,
            ["erin", "prof", "bob", None],
            [404, 403, 403, 403],
        ),
        ("DELETE", "/members/carol", None, ["erin", "prof", "bob", None], [404, 403, 403, 403]),
        ("POST", "/sessions/now", {}, ["erin", "prof", None], [404, 403, 403]),
        ("POST", "/leave", None, ["erin", "prof", None], [404, 409, 403]),
        ("DELETE", "", None, ["erin", "prof", "bob", None], [404, 403, 403, 403]),
    ]
    for method, path, body, users, statuses in cases:
        got = [
            (await ss_fetch(u, f"groups/{group}{path}", method=method, body=body)).status
            for u in users
        ]
        assert got == statuses, (method, path)
    assert (await ss_fetch(None, "groups")).status == 403
    assert (await ss_fetch(None, "groups/browse")).status == 403
    assert (await ss_fetch(None, "groups", method="POST", body={"name": "g"})).status == 403
    assert (await ss_fetch(None, "presence", params={"group": group})).status == 403
    assert (await ss_fetch("prof", "groups", method="POST", body={"name": "g"})).status == 201
