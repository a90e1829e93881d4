"""Study groups in JupyterLab's Study sidebar, two people at once: create a group, invite with
a link, chat, and start a group session."""

from __future__ import annotations

import pytest
from lab_pages import open_lab, open_study_sidebar, screenshot, widen_sidebar

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


async def open_groups_tab(page):
    sidebar = await open_study_sidebar(page)
    await sidebar.get_by_role("tab", name="Groups").click()
    view = page.get_by_test_id("groups-view")
    await view.wait_for(timeout=30_000)
    return view


async def test_a_group_is_created_joined_by_link_and_chats_live(browser, lab):
    from playwright.async_api import expect

    # alice creates a private group
    alice = await open_lab(browser, lab, "alice")
    await open_groups_tab(alice)
    await expect(alice.get_by_test_id("groups-mine")).to_have_count(0)
    await alice.get_by_test_id("groups-new").click()
    await alice.get_by_test_id("group-name").fill("Linear algebra crew")
    await alice.get_by_label("Subject (optional)").fill("Math 221")
    await alice.get_by_test_id("group-create").click()
    detail = alice.get_by_test_id("group-detail")
    await expect(detail.get_by_test_id("group-title")).to_have_text("Linear algebra crew")
    group_id = await detail.get_attribute("data-group-id")

    # a private group is invisible to bob: a wrong link gets a message a person understands
    bob = await open_lab(browser, lab, "bob")
    await open_groups_tab(bob)
    join_form = bob.get_by_role("form", name="Join with an invite link")
    await join_form.get_by_role("textbox").fill("https://example.org/not-a-link")
    await join_form.get_by_role("button", name="Join").click()
    await expect(bob.get_by_text("This is not a study group invite link.")).to_be_visible()

    # alice makes an invite link; bob opens it in JupyterLab and is in
    await alice.get_by_test_id("group-make-link").click()
    link = await alice.get_by_test_id("group-link").input_value()
    assert f"studysession-group={group_id}" in link and "invite_token=" in link
    await bob.goto(link)
    await expect(
        bob.get_by_text("You joined the study group “Linear algebra crew”.")
    ).to_be_visible(timeout=60_000)
    assert "invite_token" not in bob.url  # the address bar no longer carries the token
    await open_groups_tab(bob)
    card = bob.get_by_test_id("groups-mine").get_by_test_id("group-card")
    await expect(card).to_have_count(1)
    await card.get_by_role("button", name="Linear algebra crew").click()
    await expect(bob.get_by_test_id("group-members")).to_contain_text("Alice")

    # alice sees bob join, live
    members = alice.get_by_test_id("group-members")
    await expect(members).to_contain_text("Bob", timeout=10_000)

    # the chat reaches the other one, live, both ways
    await bob.get_by_test_id("studysession-chat-input").fill("Hi! Problem set 5 on Thursday?")
    await bob.get_by_test_id("studysession-chat-send").click()
    await expect(
        alice.get_by_test_id("studysession-message").filter(
            has_text="Hi! Problem set 5 on Thursday?"
        )
    ).to_be_visible(timeout=5_000)
    await alice.get_by_test_id("studysession-chat-input").fill("Yes, **4 pm** in the library.")
    await alice.get_by_test_id("studysession-chat-send").click()
    await expect(
        bob.get_by_test_id("studysession-message").filter(has_text="4 pm in the library")
    ).to_be_visible(timeout=5_000)

    await widen_sidebar(alice)
    await screenshot(alice, "groups")

    # alice starts a group session: her room opens, and bob is told it is on
    await alice.get_by_test_id("group-start-now").click()
    await expect(alice.locator('[id^="jp-studysession-room-"]')).to_be_visible(timeout=30_000)
    await expect(bob.get_by_test_id("group-live")).to_contain_text("A group session is on now")
    status, sessions = await lab.fetch("bob", f"groups/{group_id}/sessions")
    assert status == 200 and [s["status"] for s in sessions["items"]] == ["active"]
