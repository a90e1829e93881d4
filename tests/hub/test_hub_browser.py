"""Two students on the course hub, each in their own JupyterLab on their own server: they log
in through the hub's login page, see the same session in the Study sidebar, chat live, and one
of them, a TA by hub group, admits the other from the office-hours queue. And a participant,
in JupyterLab on the host's server, follows the host through the study notebook."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from .conftest import ROLE_CACHE_SECONDS

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.timeout(900)]  # may start the hub

IMAGES = Path(__file__).parents[2] / "docs" / "images"
WAIT = 90_000  # ms: JupyterLab on a busy 2-core machine
CHROMIUM_ARGS = [  # as tests/browser
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium():
    path = os.environ.get("STUDYSESSION_CHROMIUM") or shutil.which("chromium") or ""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        path = ""
    if not path:
        if os.environ.get("STUDYSESSION_REQUIRE_BROWSER"):
            pytest.fail("The browser is required but Chromium or playwright is missing")
        pytest.skip("No browser for the UI tests (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def log_in(browser, hub, username: str):
    """The hub's login page, then the user's own JupyterLab (their server is running)."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(hub.url + "hub/login?next=%2Fhub%2Fuser-redirect%2Flab%3Freset")
    page.locator("#username_input").fill(username)
    page.locator("#password_input").fill("any password")
    page.locator("#login_submit").click()
    page.locator("#jp-main-dock-panel").wait_for(timeout=WAIT)
    assert f"/user/{username}/lab" in page.url
    return page


def study_sidebar(page):
    tab = page.locator('li[data-id="jp-studysession-sidebar"]')
    tab.wait_for(timeout=WAIT)
    sidebar = page.locator("#jp-studysession-sidebar")
    if not sidebar.is_visible():
        tab.click()
    return sidebar


@pytest.mark.parametrize("course_hub", ["sqlite"], indirect=True)  # the UI once is enough
def test_two_students_meet_chat_and_one_admits_the_other_as_a_ta(course_hub, chromium):
    from playwright.sync_api import expect

    hub = course_hub
    hub.api("POST", "groups/tas/users", json={"users": ["bob"]}).raise_for_status()
    try:
        hub.wait_for(
            lambda: hub.study("bob", "GET", "me").json()["course_role"] == "ta",
            timeout=ROLE_CACHE_SECONDS + 5,
        )
        title = "Fourier series on the hub"
        session = hub.study(
            "bob", "POST", "sessions", json={"title": title, "invite": ["alice"]}
        ).json()
        assert hub.study("bob", "POST", f"sessions/{session['id']}/start").status_code == 200
        oh = hub.service(
            "POST",
            "studysession/api/officehours",
            "prof",
            json={"title": "Hub office hours", "description": "One question at a time."},
        ).json()
        assert hub.service("POST", f"studysession/api/officehours/{oh['id']}/open", "prof").ok

        alice = log_in(chromium, hub, "alice")
        bob = log_in(chromium, hub, "bob")

        # both see the same session in their own Study sidebar
        for page in (alice, bob):
            expect(study_sidebar(page).get_by_text(title)).to_be_visible(timeout=WAIT)
        study_sidebar(alice).get_by_role("button", name=f"Join: {title}").click()
        room_id = f'[id="jp-studysession-room-{session["id"]}"]'
        expect(alice.locator(room_id)).to_be_visible(timeout=WAIT)
        study_sidebar(bob).get_by_role("button", name=f"Open room: {title}").click()
        expect(bob.locator(room_id)).to_be_visible(timeout=WAIT)

        # alice may open bob's server, where the study notebook is (a hub share)
        link = alice.locator(room_id).get_by_test_id("studysession-study-server")
        expect(link).to_contain_text("The study notebook is on bob's server.")
        expect(link.get_by_role("link", name="Open bob's server")).to_have_attribute(
            "href", "/user/bob/"
        )
        expect(bob.locator(room_id).get_by_test_id("studysession-study-server")).to_have_count(0)

        # they chat live, each through their own server
        for sender, reader, text in [(alice, bob, "Hi Bob!"), (bob, alice, "Hi Alice, page 3?")]:
            box = sender.locator(room_id).get_by_test_id("studysession-chat-input")
            box.fill(text)
            box.press("Enter")
            expect(
                reader.locator(room_id).get_by_test_id("studysession-message").filter(has_text=text)
            ).to_be_visible(timeout=15_000)
        news = alice.locator(".Toastify__toast", has_text="Jupyter news")
        if news.is_visible():
            news.get_by_role("button", name="No", exact=True).click()
            expect(news).to_have_count(0)
        alice.screenshot(path=str(IMAGES / "hub-room.png"))

        # alice queues up at office hours; bob, a TA by hub group, admits her
        study_sidebar(alice).locator(f'button[data-officehours-id="{oh["id"]}"]').click()
        alice.get_by_label("Your question").fill("How do I pick the period?")
        alice.get_by_test_id("oh-join").click()
        expect(alice.get_by_test_id("oh-position")).to_have_text("1", timeout=15_000)
        study_sidebar(bob).locator(f'button[data-officehours-id="{oh["id"]}"]').click()
        expect(bob.get_by_test_id("oh-view")).to_have_attribute("data-role", "staff")
        expect(bob.get_by_test_id("oh-entry")).to_contain_text("How do I pick the period?")
        bob.get_by_test_id("oh-admit-next").click()
        expect(alice.get_by_test_id("oh-your-turn")).to_contain_text("It's your turn")
    finally:
        hub.api("DELETE", "groups/tas/users", json={"users": ["bob"]})
        # the session and the office-hours room bob hosts end: the hub's other tests expect
        # no share of bob's server
        hosted = hub.study("bob", "GET", "sessions?status=active&role=host").json()["items"]
        for each in hosted:
            hub.study("bob", "POST", f"sessions/{each['id']}/end")


@pytest.mark.parametrize("course_hub", ["sqlite"], indirect=True)
def test_a_participant_follows_the_host_in_jupyterlab_on_the_hosts_server(course_hub, chromium):
    from playwright.sync_api import expect

    from .test_visitor_follow import active_session, ask, connect

    hub = course_hub
    notebook = f"visit-{uuid.uuid4().hex[:6]}.ipynb"
    cells = [
        {"cell_type": "markdown", "id": f"part-{i}", "metadata": {}, "source": f"## Part {i}"}
        for i in range(40)
    ]
    content = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    body = {"type": "notebook", "format": "json", "content": content}
    assert hub.on_server("bob", "PUT", f"api/contents/{notebook}", "bob", json=body).ok
    session_id = active_session(hub, "bob", "alice", notebook=notebook)
    bob = connect(hub, "bob", "bob")  # bob leads from his own server
    try:
        epoch = ask(bob, 1, "nav.lead", session_id=session_id)["data"]["epoch"]
        alice = log_in(chromium, hub, "alice")
        # the study notebook on bob's server (shared with her), in a workspace of her own
        alice.goto(hub.url + f"user/bob/lab/workspaces/alice/tree/{notebook}")
        authorize = alice.get_by_role("button", name="Authorize")
        alice.locator("#jp-main-dock-panel").or_(authorize).wait_for(timeout=WAIT)
        if authorize.is_visible():  # the hub asks her once to let bob's server know her
            authorize.click()
        bar = alice.get_by_test_id("studysession-follow-bar")
        expect(bar).to_contain_text("Following bob", timeout=WAIT)
        expect(alice.get_by_test_id("studysession-study-together")).to_have_count(0)

        for index in (25, 7):  # bob moves; her JupyterLab follows
            place = {"notebook_path": notebook, "cell_id": f"part-{index}", "cell_index": index}
            assert ask(bob, index, "nav.place", session_id=session_id, epoch=epoch, **place)["ok"]
            active = alice.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active")
            expect(active).to_contain_text(f"Part {index}", timeout=10_000)
            expect(active).to_be_in_viewport()
    finally:
        bob.close()
        hub.study("bob", "POST", f"sessions/{session_id}/end")
