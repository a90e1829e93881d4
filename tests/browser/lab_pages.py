"""What the browser tests do in JupyterLab as a person would: log in as someone in a browser
context of their own, open the Study sidebar, tidy the page for a screenshot."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_studysession.pytest_plugin import token_for

IMAGES = Path(__file__).parents[2] / "docs" / "images"
"""Where the screenshots shown by the README go."""


async def open_lab(
    browser,
    lab,
    user: str,
    path: str = "/lab",
    *,
    height: int = 800,
    clipboard: bool = False,
    before_load=None,
):
    """JupyterLab at ``path`` as ``user``, in a browser context of their own (own cookies),
    with the default layout (``?reset``) and without JupyterLab's "fetch Jupyter news?"
    question among the notifications. The page records the ``alert()`` messages that ran
    (``page.dialogs``) and the websockets it opened (``page.sockets``). ``await
    before_load(page)`` runs before JupyterLab loads (to install a fake clock, say)."""
    context = await browser.new_context(viewport={"width": 1280, "height": height})
    if clipboard:
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lab.url)
    reply = await context.request.put(
        f"{lab.url}/lab/api/settings/@jupyterlab/apputils-extension:notification",
        headers={"Authorization": f"token {token_for(user)}"},
        data=json.dumps({"raw": json.dumps({"fetchNews": "false"})}),
    )
    assert reply.ok, await reply.text()
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


async def dismiss_news(page) -> None:
    """JupyterLab's own "get notified about Jupyter news?" question, out of the picture."""
    from playwright.async_api import expect

    toast = page.locator(".Toastify__toast", has_text="Jupyter news")
    if await toast.is_visible():
        await toast.get_by_role("button", name="No", exact=True).click()
        await expect(toast).to_have_count(0)


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


async def screenshot(page, name: str) -> None:
    """``docs/images/<name>.png``, without JupyterLab's news question in it."""
    await dismiss_news(page)
    IMAGES.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(IMAGES / f"{name}.png"))
