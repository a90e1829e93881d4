"""The notebook widgets (``StudyRoom``, ``OfficeHoursQueue``) in JupyterLab, as people use them:
a widget in one person's notebook and the room panel of another person, live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_pages import open_lab, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

WS_PATH = "/studysession/api/ws"


def write_notebook(path: Path, *sources: str) -> None:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell-{i}",
            "metadata": {},
            "outputs": [],
            "source": source,
        }
        for i, source in enumerate(sources)
    ]
    kernelspec = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": kernelspec, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))


async def run_every_cell(page, count: int) -> None:
    """Wait for the kernel, then run the notebook's cells one after the other."""
    await page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    # the status bar names the kernel's state once it is connected
    kernel = page.locator(".jp-StatusBar-Widget", has_text="Python 3 (ipykernel) | Idle")
    await kernel.wait_for(timeout=60_000)
    await page.locator(".jp-Notebook .jp-Cell").first.click()
    for _ in range(count):
        await page.keyboard.press("Shift+Enter")


async def test_study_room_widget_should_chat_with_a_room_panel_and_show_office_hours(browser, lab):
    from playwright.async_api import expect

    status, session = await lab.fetch(
        "alice", "sessions", "POST", {"title": "Fourier series", "invite": ["bob"]}
    )
    assert status == 201, session
    sid = session["id"]
    assert (await lab.fetch("bob", f"sessions/{sid}/join", "POST"))[0] == 200
    assert (await lab.fetch("alice", f"sessions/{sid}/start", "POST"))[0] == 200
    status, officehours = await lab.fetch("prof", "officehours", "POST", {"title": "Help desk"})
    assert status == 201, officehours
    assert (await lab.fetch("prof", f"officehours/{officehours['id']}/open", "POST"))[0] == 200

    write_notebook(
        lab.log_path.parent / "study.ipynb",
        f'from jupyter_studysession.widgets import StudyRoom\nStudyRoom("{sid}")',
        'StudyRoom("no-such-session")',
        "from jupyter_studysession.widgets import OfficeHoursQueue\n"
        f'OfficeHoursQueue("{officehours["id"]}")',
    )
    alice = await open_lab(browser, lab, "alice", "/lab/tree/study.ipynb", height=1000)
    await run_every_cell(alice, 3)

    # the room renders in the notebook: participants, chat
    widgets = alice.locator(".jp-StudySession-widget")
    room = widgets.nth(0)
    participants = room.get_by_test_id("studysession-participants")
    await expect(participants).to_be_visible(timeout=60_000)
    await expect(participants).to_contain_text("Bob")
    await expect(room.get_by_test_id("studysession-chat")).to_be_visible()

    # bob follows the same room in the JupyterLab panel, opened by the session's link (which
    # runs studysession:open-room)
    bob = await open_lab(browser, lab, "bob", f"/lab?studysession-session={sid}", height=1000)
    panel = bob.locator(".jp-StudySession-roomPanel")
    await expect(panel.get_by_test_id("studysession-chat")).to_be_visible(timeout=60_000)

    # alice writes in the widget; bob's panel shows it, and bob's answer reaches the widget
    await room.get_by_test_id("studysession-chat-input").fill("Hello from my notebook")
    await room.get_by_test_id("studysession-chat-send").click()
    sent = panel.get_by_test_id("studysession-message").filter(has_text="Hello from my notebook")
    await expect(sent).to_be_visible(timeout=10_000)
    await panel.get_by_test_id("studysession-chat-input").fill("Hi Alice, seen it")
    await panel.get_by_test_id("studysession-chat-send").click()
    answer = room.get_by_test_id("studysession-message").filter(has_text="Hi Alice, seen it")
    await expect(answer).to_be_visible(timeout=10_000)

    # a session that does not exist (or is not yours) is said in words
    missing = widgets.nth(1)
    await expect(missing.get_by_role("alert")).to_contain_text(
        "No study session 'no-such-session'", timeout=30_000
    )

    # the picture for the README: the notebook with its room
    await alice.locator(".jp-Notebook .jp-Cell").first.scroll_into_view_if_needed()
    await screenshot(alice, "widget")

    # the office hours' queue: alice (a student) joins it from the notebook
    queue = widgets.nth(2)
    await expect(queue.get_by_test_id("oh-view")).to_have_attribute("data-role", "student")
    await queue.get_by_test_id("oh-question").fill("How do I compute a Fourier coefficient?")
    await queue.get_by_test_id("oh-join").click()
    await expect(queue.get_by_test_id("oh-position")).to_contain_text("1", timeout=10_000)
    status, staff_view = await lab.fetch("prof", f"officehours/{officehours['id']}/queue")
    assert [e["user"]["username"] for e in staff_view["entries"]] == ["alice"]

    # one realtime connection per tab, shared by JupyterLab and the three widgets
    assert len([url for url in alice.sockets if WS_PATH in url]) == 1, alice.sockets
