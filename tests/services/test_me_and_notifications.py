"""Identity comes from the server; notifications list unread first and can be marked read."""


async def test_me_reports_identity_and_course_role(ss_fetch):
    alice = await ss_fetch("alice", "me")
    assert alice.status == 200
    assert alice.body["username"] == "alice"
    assert alice.body["display_name"] == "Alice"
    assert alice.body["initials"] == "A"
    assert alice.body["course_role"] == "student"
    assert (await ss_fetch("prof", "me")).body["course_role"] == "instructor"
    tina = await ss_fetch("tina", "me")
    assert (tina.body["course_role"], tina.body["display_name"]) == ("ta", "Tina TA")
    assert (await ss_fetch(None, "me")).status == 403


async def test_notifications_unread_first_then_mark_read(ss_fetch, ss_clock):
    ids = []
    for title in ("one", "two", "three"):
        ss_clock.advance(seconds=1)
        ids.append(
            (
                await ss_fetch(
                    "alice", "sessions", method="POST", body={"title": title, "invite": ["bob"]}
                )
            ).body["id"]
        )
    inbox = await ss_fetch("bob", "notifications")
    assert inbox.body["unread_count"] == 3
    newest_first = [n["data"]["session_id"] for n in inbox.body["items"]]
    assert newest_first == ids[::-1]

    oldest = inbox.body["items"][-1]["id"]
    marked = await ss_fetch("bob", "notifications/read", method="POST", body={"ids": [oldest]})
    assert marked.body == {"marked": 1}
    # alice cannot mark bob's notifications
    assert (
        await ss_fetch(
            "alice",
            "notifications/read",
            method="POST",
            body={"ids": [inbox.body["items"][0]["id"]]},
        )
    ).body == {"marked": 0}

    page1 = await ss_fetch("bob", "notifications", params={"limit": 2})
    assert page1.body["unread_count"] == 2
    assert [n["read_at"] is None for n in page1.body["items"]] == [True, True]
    page2 = await ss_fetch(
        "bob", "notifications", params={"limit": 2, "cursor": page1.body["next_cursor"]}
    )
    assert [n["id"] for n in page2.body["items"]] == [oldest]
    assert page2.body["items"][0]["read_at"] is not None
    assert page2.body["next_cursor"] is None

    everything = await ss_fetch("bob", "notifications/read", method="POST", body={"all": True})
    assert everything.body == {"marked": 2}


async def test_joining_a_session_settles_its_invite(ss_fetch):
    """Joining from the card or a link (not the notification) still clears the invite, so
    no tab offers it again; other invites stay unread."""
    first = (
        await ss_fetch("alice", "sessions", method="POST", body={"title": "A", "invite": ["bob"]})
    ).body["id"]
    await ss_fetch("alice", "sessions", method="POST", body={"title": "B", "invite": ["bob"]})
    await ss_fetch("bob", f"sessions/{first}/join", method="POST", body={})
    inbox = await ss_fetch("bob", "notifications")
    assert inbox.body["unread_count"] == 1
    settled = [n for n in inbox.body["items"] if n["data"]["session_id"] == first]
    assert settled[0]["read_at"] is not None


async def test_cancelling_or_ending_a_session_settles_everyones_offers_to_join(ss_fetch):
    """An invite to (or "it started" of) a session that was cancelled or has ended offers
    nothing to join: it is read for every invitee, and the news of the cancellation or the
    end stays unread."""
    cancelled, ended, open_ = [
        (
            await ss_fetch(
                "alice", "sessions", method="POST", body={"title": t, "invite": ["bob", "carol"]}
            )
        ).body["id"]
        for t in ("cancelled", "ended", "open")
    ]
    assert (await ss_fetch("alice", f"sessions/{cancelled}", method="DELETE")).status == 200
    await ss_fetch("alice", f"sessions/{ended}/start", method="POST")
    assert (await ss_fetch("alice", f"sessions/{ended}/end", method="POST")).status == 200
    for user in ("bob", "carol"):
        inbox = (await ss_fetch(user, "notifications")).body["items"]
        unread = {(n["kind"], n["data"]["session_id"]) for n in inbox if n["read_at"] is None}
        assert unread == {
            ("invite", open_),
            ("session_cancelled", cancelled),
            ("session_ended", ended),
        }
