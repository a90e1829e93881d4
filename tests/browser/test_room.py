"""The session room, as two people see it in JupyterLab: each in their own browser context,
they meet in one room, chat, tick a goal, follow one timer and see the summary at the end."""

from __future__ import annotations

import asyncio
import time

import pytest
from lab_pages import open_lab, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

WAIT = 60_000  # ms, for what depends on JupyterLab loading (slow on a busy 2-core machine)


async def open_room_lab(browser, lab, user: str, session_id: str | None = None):
    """JupyterLab as ``user``; with ``session_id``, through the link that opens that
    session's room."""
    path = f"/lab?studysession-session={session_id}" if session_id else "/lab"
    return await open_lab(browser, lab, user, path)


def room(page):
    return page.get_by_test_id("studysession-room")


def message(page, text: str):
    return room(page).get_by_test_id("studysession-message").filter(has_text=text)


async def send(page, text: str) -> float:
    """Type and send a chat message with the keyboard; returns when Enter was pressed."""
    box = room(page).get_by_test_id("studysession-chat-input")
    await box.fill(text)
    await box.press("Enter")
    return time.monotonic()


async def seen_within(page, text: str, sent_at: float) -> float:
    """Seconds from sending until ``text`` shows on ``page``."""
    from playwright.async_api import expect

    await expect(message(page, text)).to_be_visible(timeout=5_000)
    return time.monotonic() - sent_at


async def remaining(page) -> tuple[str, float]:
    timer = room(page).get_by_test_id("studysession-timer")
    return (
        await timer.get_attribute("data-phase"),
        float(await timer.get_attribute("data-remaining-seconds")),
    )


async def test_two_people_chat_tick_a_goal_share_the_timer_and_see_the_summary(browser, lab):
    from playwright.async_api import expect

    status, session = await lab.fetch(
        "alice",
        "sessions",
        "POST",
        {
            "title": "Eigenvalues",
            "description": "Chapter 5, exercises 1 to 6",
            "type": "group",
            "invite": ["bob"],
        },
    )
    assert status == 201, session

    # alice opens her room by its link and starts the session
    alice = await open_room_lab(browser, lab, "alice", session["id"])
    await expect(room(alice)).to_be_visible(timeout=WAIT)
    status_badge = room(alice).get_by_test_id("studysession-room-status")
    await expect(status_badge).to_have_text("Scheduled")
    await room(alice).get_by_role("button", name="Start session").click()
    await expect(status_badge).to_have_text("Active", timeout=10_000)

    # bob joins from the invite's notification; the room opens
    bob = await open_room_lab(browser, lab, "bob")
    toast = bob.locator(".Toastify__toast", has_text="invited you to “Eigenvalues”")
    await expect(toast).to_be_visible(timeout=WAIT)
    await toast.get_by_role("button", name="Join").click()
    await expect(room(bob)).to_be_visible(timeout=WAIT)
    await expect(room(bob).get_by_test_id("studysession-room-status")).to_have_text("Active")
    people = room(alice).get_by_test_id("studysession-participants")
    await expect(people.locator('[data-username="bob"]')).to_contain_text("Bob", timeout=10_000)
    await expect(people.locator('[data-username="bob"]')).not_to_contain_text("Invited")

    # each sees the other's message within a second
    for page in (alice, bob):
        await expect(room(page).get_by_test_id("studysession-chat-empty")).to_be_visible()
    sent = await send(alice, "Hi Bob! Shall we start with **exercise 5.2**?")
    assert await seen_within(bob, "Shall we start with exercise 5.2?", sent) < 1.0
    await expect(message(bob, "exercise 5.2").locator("strong")).to_have_text("exercise 5.2")
    sent = await send(bob, "Yes. My notes: [eigen.pdf](https://example.org/eigen.pdf)")
    assert await seen_within(alice, "My notes", sent) < 1.0
    link = message(alice, "My notes").get_by_role("link", name="eigen.pdf")
    await expect(link).to_have_attribute("href", "https://example.org/eigen.pdf")
    await expect(link).to_have_attribute("target", "_blank")
    await expect(link).to_have_attribute("rel", "noopener noreferrer")

    # alice adds a goal, bob ticks it, alice sees it done
    await room(alice).get_by_label("New goal").fill("Solve exercise 5.2")
    await room(alice).get_by_label("New goal").press("Enter")
    await room(alice).get_by_label("New goal").fill("Check the eigenvectors")
    await room(alice).get_by_label("New goal").press("Enter")
    bob_goal = room(bob).get_by_test_id("studysession-goal").filter(has_text="exercise 5.2")
    await expect(bob_goal).to_be_visible(timeout=5_000)
    await bob_goal.get_by_role("checkbox").check()
    alice_goal = room(alice).get_by_test_id("studysession-goal").filter(has_text="exercise 5.2")
    await expect(alice_goal).to_have_attribute("data-done", "true", timeout=5_000)
    await expect(room(alice).get_by_test_id("studysession-goals-progress")).to_have_text(
        "1 of 2 done (50%)"
    )

    # the host starts the shared timer; both count down to the same instant
    await expect(room(bob).get_by_role("button", name="Start timer")).to_have_count(0)
    await room(alice).get_by_role("button", name="Start timer").click()
    for page in (alice, bob):
        await expect(room(page).get_by_test_id("studysession-timer")).to_have_attribute(
            "data-phase", "focus", timeout=5_000
        )
    (phase_a, left_a), (phase_b, left_b) = await asyncio.gather(remaining(alice), remaining(bob))
    assert phase_a == phase_b == "focus"
    assert abs(left_a - left_b) <= 2, (left_a, left_b)
    assert 24 * 60 < left_a <= 25 * 60 + 1  # the network delay of the answer, at most

    await alice.mouse.move(0, 0)  # no hover on the screenshot
    await alice.wait_for_timeout(1200)  # the countdown has moved
    await screenshot(alice, "room")

    # alice ends the session; both see the summary
    await room(alice).get_by_role("button", name="End session").click()
    await room(alice).get_by_test_id("studysession-confirm-end").click()
    for page in (alice, bob):
        summary = room(page).get_by_test_id("studysession-summary")
        await expect(summary).to_be_visible(timeout=10_000)
        await expect(summary.get_by_test_id("studysession-summary-messages")).to_have_text("2")
        await expect(summary.get_by_test_id("studysession-summary-goals")).to_have_text("1 of 2")
        await expect(summary.get_by_role("table", name="Attendance")).to_contain_text("Bob")
        await expect(room(page).get_by_test_id("studysession-room-status")).to_have_text(
            "Completed"
        )
    # the chat of an ended session is read-only
    await expect(room(bob).get_by_test_id("studysession-chat-input")).to_have_count(0)
    await expect(room(bob).get_by_role("region", name="Session summary")).to_be_focused()
    await bob.wait_for_timeout(1000)  # the "has ended" notification has slid in
    await screenshot(bob, "room-summary")


async def test_a_message_with_html_or_a_javascript_link_renders_inert(browser, lab):
    from playwright.async_api import expect

    status, session = await lab.fetch(
        "alice", "sessions", "POST", {"title": "Safe chat", "invite": ["bob"]}
    )
    assert status == 201, session
    assert (await lab.fetch("bob", f"sessions/{session['id']}/join", "POST"))[0] == 200

    alice = await open_room_lab(browser, lab, "alice", session["id"])
    bob = await open_room_lab(browser, lab, "bob", session["id"])
    for page in (alice, bob):
        await expect(room(page)).to_be_visible(timeout=WAIT)

    attack = (
        "look <img src=x onerror=\"window.__studysessionXss='img'\"> "
        "and [x](javascript:window.__studysessionXss='link') "
        "<script>window.__studysessionXss='script'</script> "
        "<a href=\"javascript:window.__studysessionXss='a'\">click</a> "
        "![pic](javascript:window.__studysessionXss='image')"
    )
    await send(alice, attack)
    for page in (alice, bob):
        shown = message(page, "look")
        await expect(shown).to_be_visible(timeout=5_000)
        # the markup is shown as text, not interpreted
        await expect(shown).to_contain_text("<img src=x onerror=")
        await expect(shown).to_contain_text("[x](javascript:")
        await page.wait_for_timeout(500)  # a broken image would have fired onerror by now
        # clicking around the text runs nothing either
        await shown.get_by_text("[x](javascript:", exact=False).click()
        assert await page.evaluate("window.__studysessionXss") is None
        assert page.dialogs == []
        for selector in (
            "img[onerror]",
            "[onerror]",
            "[onclick]",
            'a[href^="javascript:" i]',
            "script",
            "img",
        ):
            assert await shown.locator(selector).count() == 0, selector
        assert await page.locator('a[href^="javascript:" i]').count() == 0

    await screenshot(bob, "room-safe-markdown")
