"""The room's shared notes and whiteboard, as two people use them in JupyterLab (each in a
browser context of their own): they write together and see each other's text and cursor, one
draws and the other sees it, edits made while offline merge, the end makes them read-only and
the exported Markdown is what they typed."""

from __future__ import annotations

import pytest
from lab_pages import open_lab, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

WAIT = 60_000  # ms, for what depends on JupyterLab loading (slow on a busy 2-core machine)


async def room_page(browser, lab, user: str, session_id: str):
    from playwright.async_api import expect

    page = await open_lab(browser, lab, user, f"/lab?studysession-session={session_id}")
    notes = page.get_by_test_id("studysession-notes")
    await expect(notes).to_have_attribute("data-editable", "true", timeout=WAIT)
    return page


async def type_at_end(page, text: str) -> None:
    editor = page.get_by_test_id("studysession-notes-editor").locator(".cm-content")
    await editor.click()
    await page.keyboard.press("Control+End")
    await page.keyboard.type(text)


def notes_text(page):
    return page.get_by_test_id("studysession-notes-editor").locator(".cm-content")


async def active_session(lab) -> str:
    status, session = await lab.fetch(
        "alice", "sessions", "POST", {"title": "Proofs", "type": "group", "invite": ["bob"]}
    )
    assert status == 201, session
    sid = session["id"]
    assert (await lab.fetch("bob", f"sessions/{sid}/join", "POST"))[0] == 200
    assert (await lab.fetch("alice", f"sessions/{sid}/start", "POST"))[0] == 200
    return sid


async def test_two_people_write_notes_together_offline_too_and_export_them(browser, lab):
    from playwright.async_api import expect

    sid = await active_session(lab)
    alice = await room_page(browser, lab, "alice", sid)
    bob = await room_page(browser, lab, "bob", sid)

    await type_at_end(alice, "# Induction\n")
    await expect(notes_text(bob)).to_contain_text("# Induction", timeout=5_000)
    await type_at_end(bob, "Base case: n = 1")
    await expect(notes_text(alice)).to_contain_text("Base case: n = 1", timeout=5_000)
    # alice sees bob's cursor, with his name
    caret = alice.locator(".cm-ySelectionCaret")
    await expect(caret).to_have_count(1, timeout=5_000)
    await expect(alice.locator(".cm-ySelectionInfo")).to_have_text("Bob")

    # bob's network drops; both keep writing; it merges when he is back
    await bob.context.set_offline(True)
    await expect(bob.get_by_test_id("studysession-doc-status")).to_have_attribute(
        "data-status", "offline", timeout=5_000
    )
    await type_at_end(bob, "\nStep (offline): n to n + 1")
    await type_at_end(alice, "\nAlice meanwhile")
    await expect(notes_text(alice)).not_to_contain_text("offline")
    await bob.context.set_offline(False)
    for page in (alice, bob):
        await expect(notes_text(page)).to_contain_text("Step (offline)", timeout=15_000)
        await expect(notes_text(page)).to_contain_text("Alice meanwhile", timeout=15_000)

    # the preview renders the Markdown with the room's renderer
    await alice.get_by_test_id("studysession-notes").get_by_role("button", name="Both").click()
    preview = alice.get_by_test_id("studysession-notes-preview")
    await expect(preview.locator("h1")).to_have_text("Induction")
    await screenshot(alice, "room-notes")

    # the host ends the session: the editors turn read-only, and say so
    await alice.get_by_role("button", name="End session").click()
    await alice.get_by_test_id("studysession-confirm-end").click()
    for page in (alice, bob):
        notes = page.get_by_test_id("studysession-notes")
        await expect(notes).to_have_attribute("data-editable", "false", timeout=10_000)
        await expect(page.get_by_test_id("studysession-doc-status")).to_contain_text("Read-only")
    status, _ = await lab.fetch("bob", f"sessions/{sid}")
    assert status == 200
    exported = await bob.context.request.get(
        f"{lab.url}/studysession/api/sessions/{sid}/docs/notes.md"
    )
    assert exported.ok
    text = await exported.text()
    assert text.startswith("# Induction\n") and "Base case: n = 1" in text
    assert "Step (offline): n to n + 1" in text and "Alice meanwhile" in text


async def test_one_person_draws_and_the_other_sees_it(browser, lab):
    from playwright.async_api import expect

    sid = await active_session(lab)
    alice = await room_page(browser, lab, "alice", sid)
    bob = await room_page(browser, lab, "bob", sid)
    for page in (alice, bob):
        await page.get_by_role("tab", name="Whiteboard").click()
    board = alice.get_by_test_id("studysession-board")
    await expect(board).to_be_visible(timeout=WAIT)
    await expect(bob.get_by_test_id("studysession-board")).to_be_visible(timeout=WAIT)

    async def drag(tool: str, start, end) -> None:
        await alice.locator(f'[data-tool="{tool}"]').click()
        await board.scroll_into_view_if_needed()  # the mouse reaches only what is on screen
        box = await board.bounding_box()
        await alice.mouse.move(box["x"] + start[0], box["y"] + start[1])
        await alice.mouse.down()
        for step in range(1, 6):
            x = start[0] + (end[0] - start[0]) * step / 5
            y = start[1] + (end[1] - start[1]) * step / 5
            await alice.mouse.move(box["x"] + x, box["y"] + y)
        await alice.mouse.up()

    await drag("rect", (60, 60), (220, 160))
    await alice.get_by_role("button", name="Colour #d62728").click()
    await drag("arrow", (240, 110), (380, 110))
    await drag("pen", (80, 220), (300, 260))
    await drag("ellipse", (400, 60), (520, 160))
    bob_board = bob.get_by_test_id("studysession-board")
    await expect(bob_board).to_have_attribute("data-shapes", "4", timeout=5_000)
    await expect(bob_board.locator("rect[data-shape-id]")).to_have_count(1)
    await expect(bob_board.locator("ellipse[data-shape-id]")).to_have_count(1)
    # alice's pointer shows on bob's board, with her name
    await expect(bob_board.get_by_test_id("studysession-pointer")).to_contain_text("Alice")

    # undo takes back only alice's own last shape
    await alice.get_by_role("button", name="Undo").click()
    await expect(bob_board).to_have_attribute("data-shapes", "3", timeout=5_000)
    await expect(bob_board.locator("ellipse[data-shape-id]")).to_have_count(0)
    await screenshot(bob, "room-whiteboard")

    svg = await bob.context.request.get(
        f"{lab.url}/studysession/api/sessions/{sid}/docs/whiteboard.svg"
    )
    assert svg.ok and "<rect" in await svg.text() and "#d62728" in await svg.text()
