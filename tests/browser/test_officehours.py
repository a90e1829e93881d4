"""Office hours in JupyterLab, as students and a TA use them: join the queue, move up, get
"you're almost up" and "it's your turn", land in the room; the staff view and its CSV export."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from lab_pages import open_lab, open_study_sidebar, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TITLE = "CS 61A office hours"


async def open_office_hours(page, officehours_id: str):
    """As a person would: the Study sidebar lists the office hours; click ours."""
    await open_study_sidebar(page)
    await page.locator(f'button[data-officehours-id="{officehours_id}"]').click(timeout=30_000)
    view = page.get_by_test_id("oh-view")
    await view.wait_for(timeout=30_000)
    return view


async def join_queue(page, question: str, topic: str = "") -> None:
    await page.get_by_label("Your question").fill(question)
    if topic:
        await page.get_by_label("Topic (optional)").fill(topic)
    await page.get_by_test_id("oh-join").click()


async def test_students_queue_up_and_the_ta_admits_them_into_a_room(browser, lab):
    from playwright.async_api import expect

    status, oh = await lab.fetch(
        "prof",
        "officehours",
        "POST",
        {
            "title": TITLE,
            "description": "Labs and projects, one question at a time.",
            "weekly_slots": [
                {"weekday": 0, "start": "14:00", "end": "16:00", "timezone": "America/New_York"}
            ],
        },
    )
    assert status == 201, oh
    oh_id = oh["id"]
    assert (await lab.fetch("prof", f"officehours/{oh_id}/open", "POST"))[0] == 200
    duty = await lab.fetch("tina", f"officehours/{oh_id}/duty", "PUT", {"on_duty": True})
    assert duty[0] == 200, duty
    for name, question, topic in [
        ("carol", "My tree recursion returns None.", "recursion"),
        ("dave", "Why does my while loop never stop?", "loops"),
    ]:
        reply = await lab.fetch(
            name, f"officehours/{oh_id}/queue", "POST", {"question": question, "topic": topic}
        )
        assert reply[0] == 201, reply

    # student 1 joins behind carol and dave and sees their place and the wait
    alice = await open_lab(browser, lab, "alice")
    view = await open_office_hours(alice, oh_id)
    await expect(view).to_have_attribute("data-role", "student")
    await expect(alice.get_by_test_id("oh-open-state")).to_have_text("Open")
    await expect(alice.get_by_test_id("oh-schedule")).to_be_visible()
    await join_queue(alice, "How do I choose the base case?", "recursion")
    await expect(alice.get_by_test_id("oh-position")).to_have_text("3", timeout=15_000)
    await expect(alice.get_by_text("You're 3rd in line")).to_be_visible()
    await expect(alice.get_by_test_id("oh-estimate")).to_contain_text("minutes")
    await expect(alice.get_by_test_id("oh-almost-up")).to_have_count(0)

    # student 2 finds the queue closed meanwhile, and is told so in words
    bob = await open_lab(browser, lab, "bob")
    await open_office_hours(bob, oh_id)
    assert (await lab.fetch("prof", f"officehours/{oh_id}/close", "POST"))[0] == 200
    await join_queue(bob, "Is lab 4 due Friday?")
    await expect(bob.get_by_test_id("oh-error")).to_have_text("The queue is closed.")
    await expect(bob.get_by_test_id("oh-open-state")).to_have_text("Closed")
    assert (await lab.fetch("prof", f"officehours/{oh_id}/open", "POST"))[0] == 200
    await bob.reload()
    await bob.locator("#jp-main-dock-panel").wait_for(timeout=60_000)
    await open_office_hours(bob, oh_id)  # or bring forward the panel the layout restored
    await expect(bob.get_by_test_id("oh-open-state")).to_have_text("Open")
    await join_queue(bob, "Is lab 4 due Friday?")
    await expect(bob.get_by_test_id("oh-position")).to_have_text("4", timeout=15_000)

    # the TA sees every question with its wait
    tina = await open_lab(browser, lab, "tina")
    staff = await open_office_hours(tina, oh_id)
    await expect(staff).to_have_attribute("data-role", "staff")
    rows = tina.get_by_test_id("oh-entry")
    await expect(rows).to_have_count(4)
    await expect(rows.nth(0)).to_contain_text("My tree recursion returns None.")
    await expect(rows.nth(2)).to_contain_text("How do I choose the base case?")
    await expect(rows.nth(3)).to_contain_text("Is lab 4 due Friday?")
    await expect(rows.nth(0).get_by_test_id("oh-waiting")).to_have_text(
        re.compile(r"just now|\d+ min")
    )

    # admitting carol moves alice to 2: "almost up" (queue_almost_up_position = 2)
    count = tina.locator(".jp-StudySession-officeHoursItem")  # the TA's sidebar
    await expect(count).to_contain_text("Open · 4 waiting")
    await tina.get_by_test_id("oh-admit-next").click()
    await expect(tina.get_by_test_id("oh-admitted")).to_contain_text("Carol")
    await expect(count).to_contain_text("Open · 3 waiting")  # live, not on the next poll
    await expect(alice.get_by_test_id("oh-position")).to_have_text("2")
    await expect(alice.get_by_test_id("oh-almost-up")).to_contain_text("You're almost up")
    await expect(bob.get_by_test_id("oh-position")).to_have_text("3")
    toast = alice.locator(".Toastify__toast", has_text="almost up")
    await expect(toast).to_be_in_viewport(ratio=1)  # slid in, for the picture
    await screenshot(alice, "officehours-student")

    await expect(tina.get_by_test_id("oh-admit-next")).to_be_enabled()
    await tina.get_by_test_id("oh-admit-next").click()
    await expect(alice.get_by_test_id("oh-position")).to_have_text("1")
    await expect(tina.locator('[data-testid="oh-entry"][data-username="dave"]')).to_contain_text(
        "Admitted"
    )
    await expect(count).to_contain_text("Open · 2 waiting")
    await screenshot(tina, "officehours-staff")

    # admitting alice: "it's your turn", and she lands in the room
    await expect(tina.get_by_test_id("oh-admit-next")).to_be_enabled()
    await tina.get_by_test_id("oh-admit-next").click()
    turn = alice.get_by_test_id("oh-your-turn")
    await expect(turn).to_contain_text("It's your turn")
    session_id = await turn.get_attribute("data-session-id")
    status, queue = await lab.fetch("tina", f"officehours/{oh_id}/queue")
    admitted = {e["user"]["username"]: e["session_id"] for e in queue["entries"]}
    assert admitted["alice"] == session_id
    await expect(alice.locator(f'[id="jp-studysession-room-{session_id}"]')).to_be_visible(
        timeout=30_000
    )

    # the TA exports the queue's history
    async with tina.expect_download() as download_info:
        await tina.get_by_test_id("oh-export").click()
    download = await download_info.value
    name = download.suggested_filename
    assert re.fullmatch(r"queue-cs-61a-office-hours-\d{4}-\d{2}-\d{2}\.csv", name), name
    csv_text = await asyncio.to_thread(Path(await download.path()).read_text)
    assert csv_text.startswith("entry_id,username,topic,question,")
    assert "How do I choose the base case?" in csv_text
    assert len(csv_text.strip().splitlines()) == 5  # the header and four entries

    # an announcement reaches the student still waiting; a finished visit leaves the list
    await tina.get_by_test_id("oh-announcement").fill("Back in 5 minutes, hold on!")
    await tina.get_by_role("button", name="Announce").click()
    await expect(bob.get_by_test_id("oh-announcements")).to_contain_text(
        "Back in 5 minutes, hold on!"
    )
    carol = tina.locator('[data-testid="oh-entry"][data-username="carol"]')
    await carol.get_by_role("button", name="Done: Carol").click()
    await expect(carol).to_have_count(0)
    status, history = await lab.fetch("tina", f"officehours/{oh_id}/queue")
    assert "carol" not in {e["user"]["username"] for e in history["entries"]}
