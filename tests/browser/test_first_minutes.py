"""The first minutes of a person on a shared study server: a layout of their own where a room
that is no longer theirs closes itself saying why, and a Join that says, in their own time
zone, when it opens, and opens by itself then."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from lab_pages import open_lab, open_study_sidebar
from tornado.httpclient import AsyncHTTPClient
from watch import ConsoleWatch

from jupyter_studysession.pytest_plugin import token_for

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

WAIT = 60_000  # ms, for what depends on JupyterLab loading (slow on a busy 2-core machine)
ZONE = "Asia/Kolkata"  # not the server's zone (UTC), and half an hour off: the test sees it


async def workspace(lab, user: str, body: dict | None = None) -> dict | None:
    """``user``'s JupyterLab workspace ("default"): read it, or with ``body`` write it."""
    reply = await AsyncHTTPClient().fetch(
        f"{lab.url}/lab/api/workspaces/default",
        method="GET" if body is None else "PUT",
        body=None if body is None else json.dumps(body),
        headers={"Authorization": f"token {token_for(user)}"},
    )
    return json.loads(reply.body) if body is None else None


async def rooms_in_layout(lab, user: str) -> list[str]:
    """The study rooms open in ``user``'s saved layout."""
    layout = (await workspace(lab, user))["data"].get("layout-restorer:data") or {}
    dock = (layout.get("main") or {}).get("dock") or {}
    return [name for name in dock.get("widgets", []) if name.startswith("studysession-room:")]


async def test_a_restored_room_that_is_gone_or_not_yours_closes_itself_saying_why(
    browser, demo_lab
):
    from playwright.async_api import expect

    status, session = await demo_lab.fetch(
        "bob", "sessions", "POST", {"title": "Bob's corner", "is_public": True}
    )
    assert status == 201, session
    sid = session["id"]
    assert (await demo_lab.fetch("carol", f"sessions/{sid}/join", "POST"))[0] == 200

    # carol opens the room; her layout keeps it
    carol = await open_lab(browser, demo_lab, "carol", f"/lab?studysession-session={sid}")
    await expect(carol.locator(f"#jp-studysession-room-{sid}")).to_be_visible(timeout=WAIT)
    for _ in range(60):
        if await rooms_in_layout(demo_lab, "carol"):
            break
        await asyncio.sleep(0.5)
    await carol.context.close()
    # ... and a room whose session was since deleted, as a layout keeps it
    saved = await workspace(demo_lab, "carol")
    (kept,) = await rooms_in_layout(demo_lab, "carol")
    gone = kept.replace(sid, "a-deleted-session")
    saved["data"][gone] = {"data": {"id": "a-deleted-session", "restored": True}}
    saved["data"]["layout-restorer:data"]["main"]["dock"]["widgets"].append(gone)
    await workspace(demo_lab, "carol", saved)
    # bob removes carol from his (public) session: she still sees it, but not its room
    reply = await demo_lab.fetch(
        "bob", f"sessions/{sid}/participants/carol", "PATCH", {"state": "removed"}
    )
    assert reply[0] == 200, reply

    # carol comes back: both rooms close, each saying why; her layout forgets them
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    watch = ConsoleWatch.attach(context)
    with watch.allow(r"/studysession/api/sessions/a-deleted-session\b", 404):
        page = await context.new_page()
        await page.goto(f"{demo_lab.url}/lab?token={token_for('carol')}")
        toasts = page.locator(".Toastify__toast")
        await expect(
            toasts.filter(
                has_text="The study room “Bob's corner” was closed: "
                "the host removed you from this session."
            )
        ).to_be_visible(timeout=WAIT)
        await expect(
            toasts.filter(
                has_text="A study room from your last visit was closed: that session no "
                "longer exists, or you can no longer see it."
            )
        ).to_be_visible(timeout=WAIT)
    await expect(page.locator(".jp-StudySession-roomMainArea")).to_have_count(0)
    for _ in range(60):
        if not await rooms_in_layout(demo_lab, "carol"):
            break
        await asyncio.sleep(0.5)
    assert await rooms_in_layout(demo_lab, "carol") == []
    assert watch.take() == []
    await context.close()


async def test_join_says_when_it_opens_in_the_users_zone_and_enables_itself_then(browser, demo_lab):
    from playwright.async_api import expect

    start = datetime.now(timezone.utc) + timedelta(minutes=5, seconds=12)  # join window: 5 min
    status, session = await demo_lab.fetch(
        "alice",
        "sessions",
        "POST",
        {"title": "Starts in a moment", "is_public": True, "scheduled_at": start.isoformat()},
    )
    assert status == 201, session
    opens = datetime.fromisoformat(session["join_opens_at"]).astimezone(ZoneInfo(ZONE))
    local = f"{opens.hour % 12 or 12}:{opens.minute:02d} {'AM' if opens.hour < 12 else 'PM'}"

    context = await browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id=ZONE
    )
    watch = ConsoleWatch.attach(context)
    dave = await open_lab(browser, demo_lab, "dave", context=context)
    sidebar = await open_study_sidebar(dave)
    await sidebar.get_by_role("tab", name="Browse", exact=True).click()
    card = sidebar.locator(".jp-StudySession-card", has_text="Starts in a moment")
    join = card.get_by_role("button", name="Join: Starts in a moment")
    await expect(join).to_be_disabled(timeout=WAIT)
    note = card.get_by_test_id("studysession-join-opens")
    await expect(note).to_have_text(
        re.compile(rf"^Joining opens at {local}, in \d+ seconds$"), timeout=WAIT
    )
    await expect(join).to_have_accessible_description(re.compile("^Joining opens at"))
    await join.click(force=True)  # a click on the waiting button does nothing
    await expect(card.get_by_test_id("studysession-membership")).to_have_count(0)

    # at the moment it opens, it enables itself, and joining works
    await expect(join).to_be_enabled(timeout=30_000)
    await expect(note).to_have_count(0)
    await join.click()
    await expect(dave.locator(f"#jp-studysession-room-{session['id']}")).to_be_visible(timeout=WAIT)
    assert watch.take() == []
    await context.close()
