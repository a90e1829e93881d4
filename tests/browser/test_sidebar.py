"""The Study sidebar, as people see it in JupyterLab: two users, each in their own browser
context, create, invite, get notified, join, and see each other's presence."""

from __future__ import annotations

import re

import pytest
from lab_pages import open_lab, screenshot

from jupyter_studysession.pytest_plugin import token_for

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

WAIT = 30_000  # ms, for what depends on JupyterLab loading


async def open_sidebar(browser, lab, user: str):
    """A page of JupyterLab logged in as ``user`` with the Study sidebar open. One browser
    context per person (own cookies); ``?reset``: the default layout."""
    page = await open_lab(browser, lab, user, clipboard=True)
    tab = page.locator('li[data-id="jp-studysession-sidebar"]')
    await tab.wait_for(timeout=120_000)  # a busy 2-core machine is slow to load JupyterLab
    await tab.click()
    await study_tab(page, "My sessions").wait_for(timeout=WAIT)
    return page


def study_tab(page, name: str):
    return page.locator("#jp-studysession-sidebar").get_by_role("tab", name=name, exact=True)


def card(page, title: str):
    return page.locator(".jp-StudySession-card", has_text=title)


async def test_a_person_creates_a_session_invites_someone_who_joins_from_the_notification(
    browser, lab
):
    from playwright.async_api import expect

    # alice and bob studied together before, so bob is among alice's suggestions
    assert (await lab.fetch("bob", "me"))[0] == 200
    status, earlier = await lab.fetch(
        "alice", "sessions", "POST", {"title": "Earlier session", "invite": ["bob"]}
    )
    assert status == 201, earlier
    assert (await lab.fetch("bob", f"sessions/{earlier['id']}/join", "POST"))[0] == 200
    assert (await lab.fetch("bob", "notifications/read", "POST", {"all": True}))[0] == 200

    alice = await open_sidebar(browser, lab, "alice")
    bob = await open_sidebar(browser, lab, "bob")

    # the dialog says what is wrong, next to the field, and stays open
    await alice.get_by_role("button", name="New study session").click()
    dialog = alice.locator(".jp-StudySession-createDialog")
    await expect(dialog).to_be_visible(timeout=WAIT)
    await dialog.get_by_role("button", name="Create session").click()
    await expect(dialog.get_by_test_id("studysession-error-title")).to_have_text(
        "Give the session a title."
    )
    await expect(dialog.get_by_label("Title")).to_be_focused()

    # typing part of bob's name suggests him; Enter picks him
    await dialog.get_by_label("Title").fill("Eigenvalues")
    await expect(dialog.get_by_test_id("studysession-error-title")).to_have_count(0)
    await dialog.get_by_label("Description").fill("Chapter 5, exercises 1 to 6")
    await dialog.get_by_label("Subject").fill("Linear algebra")
    await dialog.get_by_label("Tags").fill("exam, week 5")
    invite = dialog.get_by_role("combobox", name="People")
    await invite.fill("bo")
    suggestion = dialog.get_by_role("option", name=re.compile("Bob"))
    await expect(suggestion).to_be_visible(timeout=5_000)
    await expect(suggestion).to_contain_text("1 session together")
    await screenshot(alice, "create-session", themes=False)  # the dialog is modal
    await invite.press("Enter")
    await expect(dialog.get_by_test_id("studysession-invitee")).to_have_text(re.compile("Bob"))
    await dialog.get_by_role("button", name="Create session").click()
    await expect(dialog).to_be_hidden(timeout=WAIT)

    mine = card(alice, "Eigenvalues")
    await expect(mine).to_be_visible(timeout=WAIT)
    await expect(mine.get_by_test_id("studysession-membership")).to_have_text("You host")
    for action in ("Start", "Copy invite link", "Cancel session"):
        await expect(mine.get_by_role("button", name=f"{action}: Eigenvalues")).to_be_visible()
    await expect(mine.get_by_role("button", name="Join: Eigenvalues")).to_have_count(0)

    # bob gets the invite live, as a notification with a Join button
    toast = bob.locator(".Toastify__toast", has_text="invited you to “Eigenvalues”")
    await expect(toast).to_be_visible(timeout=10_000)
    await expect(card(bob, "Eigenvalues")).to_be_visible(timeout=10_000)
    await bob.wait_for_timeout(800)  # the toast has slid in
    await screenshot(bob, "notification")
    await toast.get_by_role("button", name="Join").click()

    # joined: the room opens, and the card says so
    session_id = await mine.get_attribute("data-session-id")
    await expect(bob.locator(f"#jp-studysession-room-{session_id}")).to_be_visible(timeout=WAIT)
    theirs = card(bob, "Eigenvalues")
    await expect(theirs.get_by_test_id("studysession-membership")).to_have_text(
        "Joined", timeout=WAIT
    )
    await expect(theirs.get_by_role("button", name="Open room: Eigenvalues")).to_be_visible()
    await expect(theirs.get_by_test_id("studysession-participants")).to_have_text("2 / 10")
    # alice's card follows: bob opening the room changed his presence in the session
    await expect(mine.get_by_test_id("studysession-participants")).to_have_text(
        "2 / 10", timeout=10_000
    )
    status, notes = await lab.fetch("bob", "notifications")
    invite_note = next(n for n in notes["items"] if "Eigenvalues" in n["title"])
    assert invite_note["read_at"] is not None, "acting on a notification marks it read"

    # alice's status, as bob sees it on her avatar
    host = theirs.locator(".jp-StudySession-host .jp-StudySession-avatar")
    await expect(host).to_have_attribute("aria-label", "Alice, Online", timeout=10_000)
    await alice.get_by_test_id("studysession-status-button").click()
    menu = alice.get_by_role("menu", name="Your status")
    await expect(menu.get_by_role("menuitemradio", name="Online")).to_be_focused()
    await alice.keyboard.press("ArrowDown")  # Away
    await alice.keyboard.press("ArrowDown")  # Busy
    await alice.keyboard.press("Enter")
    await expect(host).to_have_attribute("aria-label", "Alice, Busy", timeout=5_000)
    await expect(alice.get_by_test_id("studysession-status-button")).to_contain_text("Busy")
    await alice.get_by_test_id("studysession-status-button").click()
    await alice.get_by_role("menuitemradio", name="Appear offline").click()
    await expect(host).to_have_attribute("aria-label", "Alice, Offline", timeout=5_000)

    # alice copies an invite link to her clipboard
    await mine.get_by_role("button", name="Copy invite link: Eigenvalues").click()
    await expect(mine.get_by_test_id("studysession-card-message")).to_contain_text(
        "Invite link copied"
    )
    link = await alice.evaluate("navigator.clipboard.readText()")
    assert "studysession-session=" in link and "invite_token=" in link

    # carol, who was not invited, opens the link: she joins and lands in the room
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    carol = await context.new_page()
    await carol.goto(f"{link}&token={token_for('carol')}")
    joined = carol.locator(".Toastify__toast", has_text="You joined “Eigenvalues”")
    await expect(joined).to_be_visible(timeout=120_000)
    await expect(carol.locator(f"#jp-studysession-room-{session_id}")).to_be_visible(timeout=WAIT)
    assert "invite_token" not in carol.url, "the token does not stay in the address bar"
    status, participants = await lab.fetch("alice", f"sessions/{session_id}/participants")
    assert {p["user"]["username"]: p["state"] for p in participants["items"]}["carol"] == "joined"

    await alice.get_by_test_id("studysession-status-button").click()
    await alice.get_by_role("menuitemradio", name="Online").click()
    await expect(host).to_have_attribute("aria-label", "Alice, Online", timeout=5_000)
    await screenshot(alice, "sidebar", alice.locator("#jp-studysession-sidebar"))


async def test_tabs_are_keyboard_reachable_and_a_refusal_is_shown_as_a_message(browser, lab):
    from playwright.async_api import expect

    status, session = await lab.fetch(
        "alice",
        "sessions",
        "POST",
        {"title": "Open study hall", "is_public": True, "max_participants": 2},
    )
    assert status == 201, session
    status, hours = await lab.fetch("tina", "officehours", "POST", {"title": "Algebra help"})
    assert status == 201, hours
    assert (await lab.fetch("tina", f"officehours/{hours['id']}/open", "POST"))[0] == 200

    carol = await open_sidebar(browser, lab, "carol")
    await expect(carol.get_by_test_id("studysession-empty")).to_contain_text("No upcoming sessions")
    tab = study_tab(carol, "My sessions")
    await tab.focus()
    await carol.keyboard.press("ArrowRight")
    browse = study_tab(carol, "Browse")
    await expect(browse).to_be_focused()
    await expect(browse).to_have_attribute("aria-selected", "true")
    hall = card(carol, "Open study hall")
    await expect(hall).to_be_visible(timeout=WAIT)
    join = hall.get_by_role("button", name="Join: Open study hall")
    await expect(join).to_be_visible()

    # someone takes the last place before carol clicks: the server's reason shows on the card
    assert (await lab.fetch("dave", f"sessions/{session['id']}/join", "POST"))[0] == 200
    await join.click()
    message = hall.get_by_role("alert")
    await expect(message).to_have_text(re.compile(r"The session is full \(2 participants\)\."))

    await browse.focus()
    await carol.keyboard.press("End")
    await expect(study_tab(carol, "Groups")).to_have_attribute("aria-selected", "true")
    await carol.keyboard.press("Home")
    await expect(tab).to_have_attribute("aria-selected", "true")

    # the office hours are one click away
    entry = carol.get_by_role("button", name=re.compile("^Open office hours Algebra help: Open"))
    await entry.click()
    await expect(carol.locator(f"#jp-studysession-officehours-{hours['id']}")).to_be_visible(
        timeout=WAIT
    )
