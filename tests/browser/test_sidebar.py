"""The Study sessions sidebar, as a person sees it in JupyterLab."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_studysession.pytest_plugin import token_for

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

SCREENSHOTS = Path(__file__).parent / "screenshots"


async def open_sidebar(browser, lab, user: str):
    # one browser context per person (own cookies); ?reset: the default layout, sidebar closed
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.goto(f"{lab.url}/lab?reset&token={token_for(user)}")
    tab = page.locator('li[data-id="jp-studysession-sidebar"]')
    await tab.wait_for(timeout=60_000)
    await tab.click()
    return page


async def test_sidebar_should_list_a_session_created_through_the_api(browser, lab):
    from playwright.async_api import expect

    status, session = await lab.fetch(
        "alice", "sessions", "POST", {"title": "Fourier series", "type": "group", "invite": ["bob"]}
    )
    assert status == 201, session
    page = await open_sidebar(browser, lab, "alice")
    card = page.locator(".jp-StudySession-card", has_text="Fourier series")
    await expect(card).to_be_visible(timeout=30_000)
    await expect(card.locator(".jp-StudySession-status")).to_have_text("Scheduled")
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "sidebar.png"))

    # someone who is not invited sees the empty state, not alice's private session
    other = await open_sidebar(browser, lab, "carol")
    await expect(other.get_by_test_id("studysession-empty")).to_be_visible(timeout=30_000)
    await expect(other.locator(".jp-StudySession-card")).to_have_count(0)
