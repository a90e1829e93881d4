"""Removed from a session while its room is open: the room says why at once and shows nothing
of the room's chat after that."""

from __future__ import annotations

import asyncio

import pytest
from lab_pages import open_lab

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


async def test_a_removed_participant_should_see_why_and_no_more_of_the_chat(browser, lab):
    from playwright.async_api import expect

    status, session = await lab.fetch(
        "alice", "sessions", "POST", {"title": "Private room", "invite": ["bob", "carol"]}
    )
    assert status == 201, session
    sid = session["id"]
    for user in ("bob", "carol"):
        assert (await lab.fetch(user, f"sessions/{sid}/join", "POST"))[0] == 200
    assert (await lab.fetch("alice", f"sessions/{sid}/start", "POST"))[0] == 200

    page = await open_lab(browser, lab, "carol", f"/lab?studysession-session={sid}")
    room = page.get_by_test_id("studysession-room")
    messages = room.get_by_test_id("studysession-message")
    await expect(room).to_be_visible(timeout=90_000)
    assert (await lab.fetch("bob", f"sessions/{sid}/messages", "POST", {"text": "before"}))[
        0
    ] == 201
    await expect(messages.filter(has_text="before")).to_be_visible(timeout=10_000)

    status, _ = await lab.fetch(
        "alice", f"sessions/{sid}/participants/carol", "PATCH", {"state": "removed"}
    )
    assert status == 200
    alert = room.get_by_role("alert").first  # the room's banner (the chat says it too)
    await expect(alert).to_contain_text("The host removed you from this session.", timeout=10_000)
    assert (await lab.fetch("bob", f"sessions/{sid}/messages", "POST", {"text": "after"}))[0] == 201
    await asyncio.sleep(2)
    await expect(messages.filter(has_text="after")).to_have_count(0)
