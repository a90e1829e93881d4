"""The whole lifecycle through a real server, with three users, on SQLite and PostgreSQL."""

from datetime import datetime, timedelta


async def test_lifecycle_create_invite_join_start_end(ss_fetch, ss_ws, ss_clock):
    created = await ss_fetch(
        "alice",
        "sessions",
        method="POST",
        body={
            "title": "Linear algebra",
            "type": "group",
            "max_participants": 5,
            "tags": ["math"],
            "invite": ["bob"],
        },
    )
    assert created.status == 201, created.body
    session = created.body
    sid = session["id"]
    assert session["status"] == "scheduled"
    assert session["host"]["username"] == "alice"
    assert session["my_role"] == "host"
    assert session["participant_count"] == 1

    invited = await ss_fetch(
        "alice", f"sessions/{sid}/invites", method="POST", body={"usernames": ["carol"]}
    )
    assert invited.status == 200
    states = {p["user"]["username"]: p["state"] for p in invited.body["items"]}
    assert states == {"alice": "joined", "bob": "invited", "carol": "invited"}

    bob_inbox = await ss_fetch("bob", "notifications")
    assert [n["kind"] for n in bob_inbox.body["items"]] == ["invite"]
    assert bob_inbox.body["items"][0]["data"]["session_id"] == sid

    ss_clock.advance(minutes=1)
    joined = await ss_fetch("bob", f"sessions/{sid}/join", method="POST")
    assert joined.status == 200, joined.body
    assert joined.body["my_state"] == "joined"
    assert joined.body["participant_count"] == 2

    tabs = {}  # present means joined, with a tab on the session's channel
    for user in ("alice", "bob"):
        tabs[user] = await ss_ws(user)
        assert (await tabs[user].op("subscribe", channel=f"session:{sid}"))["ok"]

    ss_clock.advance(minutes=1)
    started = await ss_fetch("alice", f"sessions/{sid}/start", method="POST")
    assert started.status == 200
    assert started.body["status"] == "active"
    started_at = started.body["started_at"]

    ss_clock.advance(minutes=10)
    carol = await ss_fetch("carol", f"sessions/{sid}/join", method="POST")
    assert carol.status == 200
    tabs["carol"] = await ss_ws("carol")
    assert (await tabs["carol"].op("subscribe", channel=f"session:{sid}"))["ok"]
    ss_clock.advance(minutes=20)
    assert (await ss_fetch("carol", f"sessions/{sid}/leave", method="POST")).status == 200

    ss_clock.advance(minutes=15)
    ended = await ss_fetch("alice", f"sessions/{sid}/end", method="POST")
    assert ended.status == 200, ended.body
    assert ended.body["session"]["status"] == "completed"
    assert ended.body["session"]["duration_minutes"] == 45
    assert ended.body["session"]["started_at"] == started_at
    summary = ended.body["summary"]
    assert summary["participant_count"] == 3
    assert summary["duration_minutes"] == 45
    assert summary["ended_by"] == "alice"
    assert summary["attendance"] == {"alice": 45, "bob": 45, "carol": 20}
    assert (summary["message_count"], summary["goals_done"], summary["goals_total"]) == (0, 0, 0)

    participants = await ss_fetch("bob", f"sessions/{sid}/participants")
    assert {p["user"]["username"]: p["state"] for p in participants.body["items"]} == {
        "alice": "left",
        "bob": "left",
        "carol": "left",
    }

    history = await ss_fetch("bob", "sessions/history")
    assert [s["id"] for s in history.body["items"]] == [sid]
    assert history.body["items"][0]["summary"]["attendance"]["bob"] == 45

    for user in ("bob", "carol"):
        inbox = await ss_fetch(user, "notifications")
        kinds = [n["kind"] for n in inbox.body["items"]]
        assert "session_ended" in kinds and "session_started" in kinds, (user, kinds)
    alice_inbox = await ss_fetch("alice", "notifications")
    assert alice_inbox.body["items"] == []

    again = await ss_fetch("alice", f"sessions/{sid}/end", method="POST")
    assert again.status == 409
    assert again.body["reason"] == "invalid_status"


async def test_join_refuses_a_full_session(ss_fetch):
    sid = (
        await ss_fetch(
            "alice",
            "sessions",
            method="POST",
            body={
                "title": "Tiny",
                "max_participants": 2,
                "is_public": True,
            },
        )
    ).body["id"]
    assert (await ss_fetch("bob", f"sessions/{sid}/join", method="POST")).status == 200
    full = await ss_fetch("carol", f"sessions/{sid}/join", method="POST")
    assert full.status == 409
    assert full.body["reason"] == "session_full"
    assert "full" in full.body["message"]


async def test_join_window_opens_five_minutes_before_the_start(ss_fetch, ss_clock):
    start = ss_clock.now() + timedelta(hours=1)
    sid = (
        await ss_fetch(
            "alice",
            "sessions",
            method="POST",
            body={
                "title": "Later",
                "is_public": True,
                "scheduled_at": start.isoformat(),
            },
        )
    ).body["id"]
    opens = start - timedelta(minutes=5)
    seen = await ss_fetch("bob", f"sessions/{sid}")
    assert datetime.fromisoformat(seen.body["join_opens_at"]) == opens
    early = await ss_fetch("bob", f"sessions/{sid}/join", method="POST")
    assert early.status == 409
    assert early.body["reason"] == "join_window"
    # the time is data, for the UI to word in the user's zone; the message carries none
    assert datetime.fromisoformat(early.body["opens_at"]) == opens
    assert early.body["message"] == "Joining opens 5 minutes before the start."
    ss_clock.set(opens)
    joined = await ss_fetch("bob", f"sessions/{sid}/join", method="POST")
    assert joined.status == 200
    assert datetime.fromisoformat(joined.body["join_opens_at"]) == opens
    assert (await ss_fetch("alice", f"sessions/{sid}/start", method="POST")).status == 200
    assert (await ss_fetch("bob", f"sessions/{sid}")).body["join_opens_at"] is None


async def test_cancel_notifies_members_and_refuses_joins(ss_fetch, ss_clock):
    sid = (
        await ss_fetch(
            "alice",
            "sessions",
            method="POST",
            body={
                "title": "Maybe",
                "invite": ["bob"],
                "is_public": True,
            },
        )
    ).body["id"]
    ss_clock.advance(seconds=1)
    cancelled = await ss_fetch("alice", f"sessions/{sid}", method="DELETE")
    assert cancelled.status == 200
    assert cancelled.body["status"] == "cancelled"
    inbox = await ss_fetch("bob", "notifications")
    assert [n["kind"] for n in inbox.body["items"]] == ["session_cancelled", "invite"]
    refused = await ss_fetch("carol", f"sessions/{sid}/join", method="POST")
    assert refused.status == 409
    assert refused.body["reason"] == "session_ended"


async def test_invite_link_lets_an_outsider_join_until_revoked(ss_fetch, ss_clock):
    sid = (await ss_fetch("alice", "sessions", method="POST", body={"title": "Private"})).body["id"]
    link = await ss_fetch(
        "alice", f"sessions/{sid}/invite-links", method="POST", body={"expires_in_hours": 1}
    )
    assert link.status == 201
    token = link.body["token"]
    listed = await ss_fetch("alice", f"sessions/{sid}/invite-links")
    assert [x["token"] for x in listed.body["items"]] == [None]  # only shown once

    wrong = await ss_fetch(
        "bob", f"sessions/{sid}/join", method="POST", body={"invite_token": "not-it"}
    )
    assert wrong.status == 403
    assert (
        await ss_fetch("bob", f"sessions/{sid}/join", method="POST", body={"invite_token": token})
    ).status == 200

    ss_clock.advance(hours=2)
    expired = await ss_fetch(
        "carol", f"sessions/{sid}/join", method="POST", body={"invite_token": token}
    )
    assert expired.status == 403
    assert expired.body["reason"] == "invalid_invite"

    fresh = (await ss_fetch("alice", f"sessions/{sid}/invite-links", method="POST")).body
    revoked = await ss_fetch("alice", f"sessions/{sid}/invite-links/{fresh['id']}", method="DELETE")
    assert revoked.status == 200 and revoked.body["revoked_at"] is not None
    refused = await ss_fetch(
        "dave", f"sessions/{sid}/join", method="POST", body={"invite_token": fresh["token"]}
    )
    assert refused.status == 403


async def test_host_promotes_and_removes_participants(ss_fetch):
    sid = (
        await ss_fetch(
            "alice",
            "sessions",
            method="POST",
            body={
                "title": "Roles",
                "invite": ["bob", "carol"],
            },
        )
    ).body["id"]
    for user in ("bob", "carol"):
        await ss_fetch(user, f"sessions/{sid}/join", method="POST")
    promoted = await ss_fetch(
        "alice", f"sessions/{sid}/participants/bob", method="PATCH", body={"role": "co_host"}
    )
    assert promoted.status == 200 and promoted.body["role"] == "co_host"
    # a co-host may now start the session
    assert (await ss_fetch("bob", f"sessions/{sid}/start", method="POST")).status == 200

    removed = await ss_fetch(
        "alice", f"sessions/{sid}/participants/carol", method="PATCH", body={"state": "removed"}
    )
    assert removed.status == 200 and removed.body["state"] == "removed"
    assert (await ss_fetch("carol", f"sessions/{sid}")).status == 404
    back = await ss_fetch("carol", f"sessions/{sid}/join", method="POST")
    assert back.status in (403, 404)
    host = await ss_fetch(
        "alice", f"sessions/{sid}/participants/alice", method="PATCH", body={"role": "participant"}
    )
    assert host.status == 409
    both = await ss_fetch(
        "alice",
        f"sessions/{sid}/participants/bob",
        method="PATCH",
        body={"role": "participant", "state": "removed"},
    )
    assert both.status == 400


async def test_update_session_by_co_host_and_validation(ss_fetch):
    sid = (await ss_fetch("alice", "sessions", method="POST", body={"title": "Old"})).body["id"]
    changed = await ss_fetch(
        "alice",
        f"sessions/{sid}",
        method="PATCH",
        body={
            "title": "New",
            "settings": {"tools": ["chat", "video"], "layout": "grid"},
        },
    )
    assert changed.status == 200
    assert changed.body["title"] == "New"
    assert changed.body["settings"]["tools"] == ["chat", "video"]
    assert changed.body["settings"]["layout"] == "grid"
    bad = await ss_fetch(
        "alice", f"sessions/{sid}", method="PATCH", body={"max_participants": 1000}
    )
    assert bad.status == 400
    assert "max_participants" in bad.body["message"]
    assert (await ss_fetch("alice", f"sessions/{sid}")).body["max_participants"] == 10


async def test_list_filters_and_cursor_pagination(ss_fetch, ss_clock):
    ids = []
    for i in range(5):
        ss_clock.advance(seconds=1)
        body = {"title": f"S{i}", "type": "solo" if i % 2 else "group"}
        ids.append((await ss_fetch("alice", "sessions", method="POST", body=body)).body["id"])
    seen, cursor = [], None
    while True:
        page = await ss_fetch(
            "alice", "sessions", params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status == 200
        seen += [s["id"] for s in page.body["items"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    solo = await ss_fetch("alice", "sessions", params={"type": "solo"})
    assert [s["title"] for s in solo.body["items"]] == ["S3", "S1"]
    hosted_by_bob = await ss_fetch("alice", "sessions", params={"role": "host", "status": "active"})
    assert hosted_by_bob.body["items"] == []
    bad = await ss_fetch("alice", "sessions", params={"cursor": "garbage!"})
    assert bad.status == 400 and bad.body["reason"] == "invalid_cursor"


async def test_browse_lists_public_sessions_i_can_join(ss_fetch):
    public = (
        await ss_fetch(
            "alice", "sessions", method="POST", body={"title": "Open", "is_public": True}
        )
    ).body["id"]
    await ss_fetch("alice", "sessions", method="POST", body={"title": "Closed"})
    joined = (
        await ss_fetch(
            "alice", "sessions", method="POST", body={"title": "Joined", "is_public": True}
        )
    ).body["id"]
    await ss_fetch("bob", f"sessions/{joined}/join", method="POST")
    browse = await ss_fetch("bob", "sessions/browse")
    assert [s["id"] for s in browse.body["items"]] == [public]
