"""What the browser tests do in JupyterLab as a person would: log in as someone in a browser
context of their own, open the Study sidebar, tidy the page for a screenshot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jupyter_studysession.pytest_plugin import token_for

IMAGES = Path(__file__).parents[2] / "docs" / "images"
"""Where the screenshots shown by the README go."""


@dataclass
class Demo:
    """The ids of the demo data (``demo`` fixture) that tests open: Alice's live session,
    the office hours, the study group."""

    live_session: str
    officehours: str
    group: str


async def open_lab(
    browser,
    lab,
    user: str,
    path: str = "/lab",
    *,
    height: int = 800,
    clipboard: bool = False,
    context=None,
    before_load=None,
):
    """JupyterLab at ``path`` as ``user``, in a browser context of their own (own cookies;
    or in ``context``), with the default layout (``?reset``). The page records the
    ``alert()`` messages that ran (``page.dialogs``) and the websockets it opened
    (``page.sockets``). ``await before_load(page)`` runs before JupyterLab loads (to
    install a fake clock, say)."""
    if context is None:
        context = await browser.new_context(viewport={"width": 1280, "height": height})
    if clipboard:
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab.url)
    page = await context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: page.dialogs.append(dialog.message))
    page.sockets = []
    page.on("websocket", lambda ws: page.sockets.append(ws.url))
    if before_load is not None:
        await before_load(page)
    separator = "&" if "?" in path else "?"
    await page.goto(f"{lab.url}{path}{separator}reset&token={token_for(user)}")
    await page.locator("#jp-main-dock-panel").wait_for(timeout=120_000)
    return page


async def open_study_sidebar(page):
    """The Study panel of the left sidebar, opened unless it is already."""
    tab = page.locator('li[data-id="jp-studysession-sidebar"]')
    await tab.wait_for(timeout=90_000)
    sidebar = page.locator("#jp-studysession-sidebar")
    if not await sidebar.is_visible():
        await tab.click()
    return sidebar


async def set_theme(page, theme: str) -> None:
    """Switch JupyterLab to ``theme`` ("JupyterLab Light", "JupyterLab Dark") as a person does,
    from the Settings menu (a setting of this user only: the test server keeps JupyterLab's
    settings per user)."""
    from playwright.async_api import expect

    body = page.locator("body")
    await expect(body).to_have_attribute("data-jp-theme-name", re.compile("."), timeout=60_000)
    if await body.get_attribute("data-jp-theme-name") == theme:
        return
    await page.locator("#jp-menu-panel").get_by_role("menuitem", name="Settings").click()
    await page.locator(".lm-Menu-item[data-type=submenu]", has_text="Theme").first.click()
    await page.locator(".lm-Menu-item", has=page.get_by_text(theme, exact=True)).click()
    await expect(body).to_have_attribute("data-jp-theme-name", theme, timeout=30_000)
    # JupyterLab covers the page with its splash while the theme's styles load
    await page.locator("#jupyterlab-splash").wait_for(state="hidden", timeout=30_000)


async def widen_sidebar(page, width: int = 420) -> None:
    """Drag the left sidebar's edge, as a person does to give a panel more room."""
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = await handle.bounding_box()
    if box is not None:
        y = box["y"] + box["height"] / 2
        await page.mouse.move(box["x"] + box["width"] / 2, y)
        await page.mouse.down()
        await page.mouse.move(width, y, steps=5)
        await page.mouse.up()


async def screenshot(page, name: str, element=None, *, themes: bool = True) -> None:
    """``docs/images/<name>.png`` of the page (or of ``element``) in the light theme, and
    ``<name>-dark.png`` in the dark one (unless ``themes`` is false: a modal dialog blocks the
    menu that switches); the page is back in the light theme afterwards."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    target = element or page
    shots = [("JupyterLab Light", f"{name}.png")]
    if themes:
        shots.append(("JupyterLab Dark", f"{name}-dark.png"))
    for theme, file in shots:
        await set_theme(page, theme)
        await page.mouse.move(0, 0)  # no hover, no menu
        await target.screenshot(path=str(IMAGES / file))
    await set_theme(page, "JupyterLab Light")
