"""Accessibility beyond what axe-core checks (the tour runs axe-core on every panel): every
action reachable by keyboard with a visible focus, live regions that announce new chat
messages and queue moves, status never shown by colour alone, and panels that stay usable in
a 360 px sidebar and with the browser zoomed to 200%."""

from __future__ import annotations

import re

import pytest
from lab_pages import open_lab, open_study_sidebar, widen_sidebar

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

WAIT = 60_000  # ms, for what depends on JupyterLab loading (slow on a busy 2-core machine)


async def tab_through(page, region: str, start) -> list[dict]:
    """Click ``start`` (text, not a control: the keyboard goes on from there), then press Tab
    until the focus leaves ``region``: what the keyboard reaches there, in order, each with
    whether its focus is visible."""
    await start.click()
    reached = []
    for _ in range(80):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            """(region) => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                const outline = style.outlineStyle !== 'none'
                    && parseFloat(style.outlineWidth) > 0;
                const label = el.labels && el.labels[0] ? el.labels[0].innerText : '';
                return {
                    name: el.getAttribute('aria-label') || label
                        || el.getAttribute('placeholder')
                        || (el.innerText || '').trim().slice(0, 40) || el.tagName,
                    testid: el.dataset.testid || '',
                    within: el.parentElement.closest('[data-testid]')?.dataset.testid || '',
                    type: el.type || '',
                    visible: outline || style.boxShadow !== 'none',
                    inside: !!el.closest(region),
                };
            }""",
            region,
        )
        if not focused["inside"]:
            break
        reached.append(focused)
    return reached


def hidden_focus(reached: list[dict]) -> list[str]:
    return [f"{r['name']} ({r['testid']})" for r in reached if not r["visible"]]


async def test_every_room_and_queue_action_is_reachable_by_keyboard_with_a_visible_focus(
    browser, demo_lab, demo
):
    # the room, as its host: chat, goals, timer
    alice = await open_lab(
        browser, demo_lab, "alice", f"/lab?studysession-session={demo.live_session}"
    )
    region = f"#jp-studysession-room-{demo.live_session}"
    room = alice.locator(region)
    await room.get_by_test_id("studysession-chat").wait_for(timeout=WAIT)
    # the timer's state arrives over the websocket after the room draws ("Timer unavailable")
    await room.get_by_role("group", name="Timer controls").wait_for(timeout=WAIT)
    await room.get_by_test_id("studysession-chat-input").fill("Typed, then sent with Tab")
    reached = await tab_through(alice, region, room.get_by_role("heading").first)
    ids = {r["testid"] for r in reached}
    names = " | ".join(r["name"] for r in reached)
    for control in ("studysession-chat-input", "studysession-chat-send", "studysession-goal-input"):
        assert control in ids, names
    assert re.search(r"(Start|Pause|Resume) timer", names), names
    assert any(r["type"] == "checkbox" and r["within"] == "studysession-goal" for r in reached)
    assert hidden_focus(reached) == []

    # the queue, as a student who wrote a question: the question and Join
    bob = await open_lab(browser, demo_lab, "bob")
    await open_study_sidebar(bob)
    await bob.locator(f'button[data-officehours-id="{demo.officehours}"]').click()
    region = f"#jp-studysession-officehours-{demo.officehours}"
    view = bob.locator(region).get_by_test_id("oh-view")
    await view.get_by_test_id("oh-question").fill("Where is lab 4?")
    reached = await tab_through(bob, region, view.get_by_role("heading").first)
    ids = {r["testid"] for r in reached}
    assert {"oh-question", "oh-topic", "oh-join"} <= ids, reached
    assert hidden_focus(reached) == []

    # the queue, as a TA: admit and the actions on each row
    tina = await open_lab(browser, demo_lab, "tina")
    await open_study_sidebar(tina)
    await tina.locator(f'button[data-officehours-id="{demo.officehours}"]').click()
    view = tina.locator(region).get_by_test_id("oh-view")
    await view.get_by_test_id("oh-entry").first.wait_for(timeout=WAIT)
    reached = await tab_through(tina, region, view.get_by_role("heading").first)
    ids = {r["testid"] for r in reached}
    names = " | ".join(r["name"] for r in reached)
    assert {"oh-admit-next", "oh-toggle-open", "oh-announcement"} <= ids, names
    assert re.search(r"Admit: Carol", names), names
    assert hidden_focus(reached) == []


async def test_new_chat_messages_and_queue_moves_are_announced(browser, demo_lab, demo):
    from playwright.async_api import expect

    # alice waits in the queue, behind the demo's two students
    alice = await open_lab(browser, demo_lab, "alice")
    await open_study_sidebar(alice)
    await alice.locator(f'button[data-officehours-id="{demo.officehours}"]').click()
    await alice.get_by_test_id("oh-question").fill("How do I read a stack trace?")
    await alice.get_by_test_id("oh-join").click()
    position = alice.get_by_test_id("oh-position")
    await expect(position).to_have_text("3", timeout=WAIT)
    live = alice.locator("[aria-live=polite]", has=position)
    await expect(live).to_contain_text("You're 3rd in line")
    # the TA admits the first in line: the move is announced where alice's place is shown
    status, admitted = await demo_lab.fetch("tina", f"officehours/{demo.officehours}/admit", "POST")
    assert status == 200, admitted
    await expect(live).to_contain_text("You're 2nd in line", timeout=10_000)

    # in the room, a message from someone else is announced, and only the newest
    await alice.goto(f"{demo_lab.url}/lab?studysession-session={demo.live_session}")
    chat = alice.locator(f"#jp-studysession-room-{demo.live_session}").get_by_test_id(
        "studysession-chat"
    )
    await chat.wait_for(timeout=WAIT)
    announcer = chat.locator("[aria-live=polite]")
    await expect(announcer).to_have_count(1)
    for text in ("Is `groupby` lazy?", "It returns a **GroupBy** object."):
        status, _ = await demo_lab.fetch(
            "bob", f"sessions/{demo.live_session}/messages", "POST", {"text": text}
        )
        assert status == 201
    await expect(announcer).to_have_text(
        re.compile(r"^Bob( Okafor)?: It returns a GroupBy object\.\s*$"), timeout=10_000
    )


async def test_status_is_never_told_by_colour_alone(browser, demo_lab):
    from playwright.async_api import expect

    alice = await open_lab(browser, demo_lab, "alice")
    sidebar = await open_study_sidebar(alice)
    # the status dots: a different shape for each status, whatever their colours
    await alice.get_by_test_id("studysession-status-button").click()
    menu = alice.get_by_role("menu", name="Your status")
    await expect(menu).to_be_visible()
    shapes = await menu.locator(".jp-StudySession-statusDot").evaluate_all(
        """(dots) => dots.map((dot) => {
            const style = getComputedStyle(dot);
            const bar = getComputedStyle(dot, '::after');
            const noColour = (value) => value.replace(/rgba?\\([^)]*\\)/g, 'C');
            return [noColour(style.backgroundImage), noColour(style.boxShadow),
                    style.borderRadius, style.transform, bar.content, bar.height].join(' ');
        })"""
    )
    assert len(shapes) >= 4 and len(set(shapes)) == len(shapes), shapes
    await alice.keyboard.press("Escape")
    # the status pills of the sessions say their status in words
    pills = sidebar.get_by_test_id("studysession-status")
    await expect(pills.first).to_be_visible(timeout=WAIT)
    for text in await pills.all_inner_texts():
        assert text in ("Scheduled", "Active", "Completed", "Cancelled"), text


OVERFLOW = """(root) => {
    const box = root.getBoundingClientRect();
    return [...root.querySelectorAll('button, input, textarea, select, [role=tab], a[href]')]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => {
            const r = el.getBoundingClientRect();
            return r.left < box.left - 1 || r.right > box.right + 1;
        })
        .map((el) => el.getAttribute('aria-label') || el.innerText || el.tagName);
}"""
"""The controls of a panel that stick out of it sideways (cut off, or behind a scrollbar)."""


async def test_panels_stay_usable_in_a_360px_sidebar_and_at_200_percent_zoom(
    browser, demo_lab, demo
):
    from playwright.async_api import expect

    # a 360 px sidebar: every tab's controls fit
    bob = await open_lab(browser, demo_lab, "bob")
    sidebar = await open_study_sidebar(bob)
    tab_bar = await bob.locator("#jp-left-stack").bounding_box()
    await widen_sidebar(bob, int(tab_bar["x"]) + 360)
    width = (await sidebar.bounding_box())["width"]
    assert 350 <= width <= 370, width
    for tab in ("My sessions", "Browse", "History", "Groups"):
        await sidebar.get_by_role("tab", name=tab, exact=True).click()
        await bob.wait_for_timeout(500)
        assert await sidebar.evaluate(OVERFLOW) == [], tab

    # 200% zoom: a 1280 x 800 window shows 640 x 400 CSS pixels
    context = await browser.new_context(viewport={"width": 640, "height": 400})
    zoomed = await open_lab(
        browser, demo_lab, "bob", f"/lab?studysession-session={demo.live_session}", context=context
    )
    room = zoomed.locator(f"#jp-studysession-room-{demo.live_session}")
    await room.get_by_test_id("studysession-chat").wait_for(timeout=WAIT)
    content = room.locator(".jp-StudySession-roomPanel")
    assert await content.evaluate(OVERFLOW) == []
    box = room.get_by_test_id("studysession-chat-input")
    await box.scroll_into_view_if_needed()
    await expect(box).to_be_in_viewport()
    await box.fill("Readable at 200%")
    await box.press("Enter")
    await expect(room.get_by_test_id("studysession-message").last).to_contain_text(
        "Readable at 200%", timeout=10_000
    )
    await context.close()
