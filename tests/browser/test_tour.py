"""The tour: every panel of the extension, opened as a person would, as each demo role, in the
light and the dark theme, on the demo's data. It fails on any console error, uncaught
exception or failed request that the person did not cause, and on any serious or critical
axe-core violation inside our panels.

To add a panel to the tour, add a :class:`Panel` to ``PANELS``: a name, an ``open`` coroutine
that opens it as a person would (clicks, not URLs, where a person clicks) and returns the CSS
selector of its region, and the roles that see it. The tour runs it in both themes for each
role; what the panel does is for its own tests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from lab_pages import Demo, open_lab, open_study_sidebar, set_theme
from test_widgets import run_every_cell, write_notebook
from watch import ConsoleWatch, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

WAIT = 60_000  # ms, for what depends on JupyterLab loading (slow on a busy 2-core machine)
ROLES = ("alice", "tina", "prof")
"""The demo's roles: a student, a TA on duty, the instructor."""
THEMES = ("JupyterLab Light", "JupyterLab Dark")


@dataclass
class Tour:
    """Where the tour is: the page of one person, and the demo's ids."""

    page: object
    lab: object
    user: str
    demo: Demo


@dataclass(frozen=True)
class Panel:
    name: str
    open: Callable[[Tour], Awaitable[str]]
    """Opens the panel; returns the CSS selector of its region (what axe-core checks)."""
    roles: tuple[str, ...] = ROLES


async def sidebar_tab(tour: Tour, name: str) -> str:
    sidebar = await open_study_sidebar(tour.page)
    tab = sidebar.get_by_role("tab", name=name, exact=True)
    await tab.click()
    panel = sidebar.get_by_role("tabpanel")
    await panel.wait_for(timeout=WAIT)
    await tour.page.locator("#jp-studysession-sidebar [aria-busy='true']").wait_for(
        state="detached", timeout=WAIT
    )
    return "#jp-studysession-sidebar"


async def my_sessions(tour: Tour) -> str:
    return await sidebar_tab(tour, "My sessions")


async def browse(tour: Tour) -> str:
    return await sidebar_tab(tour, "Browse")


async def history(tour: Tour) -> str:
    return await sidebar_tab(tour, "History")


async def groups(tour: Tour) -> str:
    await sidebar_tab(tour, "Groups")
    await tour.page.get_by_test_id("groups-view").wait_for(timeout=WAIT)
    return "#jp-studysession-sidebar"


async def group(tour: Tour) -> str:
    await groups(tour)
    card = tour.page.get_by_test_id("groups-mine").get_by_test_id("group-card")
    await card.get_by_role("button", name="Math 221 study group").click()
    await tour.page.get_by_test_id("group-members").wait_for(timeout=WAIT)
    return "#jp-studysession-sidebar"


async def office_hours(tour: Tour) -> str:
    await open_study_sidebar(tour.page)
    selector = f'button[data-officehours-id="{tour.demo.officehours}"]'
    await tour.page.locator(selector).click(timeout=WAIT)
    await tour.page.get_by_test_id("oh-view").wait_for(timeout=WAIT)
    return f"#jp-studysession-officehours-{tour.demo.officehours}"


async def room(tour: Tour) -> str:
    """The live session's room: its host opens it from My sessions; the staff join it from
    Browse the first time, then open it from My sessions."""
    title = "Data 100: pandas group-bys"
    sidebar = tour.page.locator("#jp-studysession-sidebar")
    await my_sessions(tour)
    open_room = sidebar.get_by_role("button", name=f"Open room: {title}")
    if await open_room.count():
        await open_room.click()
    else:
        await browse(tour)
        await sidebar.get_by_role("button", name=f"Join: {title}").click()
    selector = f"#jp-studysession-room-{tour.demo.live_session}"
    await tour.page.locator(selector).get_by_test_id("studysession-chat").wait_for(timeout=WAIT)
    return selector


async def notifications(tour: Tour) -> str:
    center = tour.page.locator(".jp-Notification-Center")
    if not await center.is_visible():
        await tour.page.locator(".jp-Notification-Status").click()
    await center.wait_for(timeout=WAIT)
    return ".jp-Notification-Center"


async def widgets_notebook(tour: Tour) -> str:
    """A notebook of the user's with the room and the office hours as widgets, run."""
    name = f"study-{tour.user}.ipynb"
    write_notebook(
        tour.lab.log_path.parent / name,
        "from jupyter_studysession.widgets import StudyRoom\n"
        f'StudyRoom("{tour.demo.live_session}")',
        "from jupyter_studysession.widgets import OfficeHoursQueue\n"
        f'OfficeHoursQueue("{tour.demo.officehours}")',
    )
    await tour.page.goto(tour.page.url.split("/lab")[0] + f"/lab/tree/{name}")
    await tour.page.locator("#jp-main-dock-panel").wait_for(timeout=WAIT)
    await run_every_cell(tour.page, 2)
    widget = tour.page.locator(".jp-StudySession-widget")
    await widget.nth(0).get_by_test_id("studysession-chat").wait_for(timeout=WAIT)
    await widget.nth(1).get_by_test_id("oh-view").wait_for(timeout=WAIT)
    return ".jp-StudySession-widget"


PANELS = [
    Panel("sidebar: My sessions", my_sessions),
    Panel("sidebar: Browse", browse),
    Panel("sidebar: History", history),
    Panel("sidebar: Groups", groups),
    Panel("group", group, roles=("alice",)),
    Panel("office hours", office_hours),
    Panel("room", room),
    Panel("notifications", notifications),
]
"""Every panel the tour opens, in order; then it runs the notebook widgets (``widgets_notebook``),
which leave the page."""


@pytest.mark.parametrize("user", ROLES)
async def test_every_panel_opens_without_console_errors_or_serious_axe_violations(
    browser, demo_lab, demo, user
):
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    watch = ConsoleWatch.attach(context)
    page = await open_lab(browser, demo_lab, user, context=context)
    tour = Tour(page, demo_lab, user, demo)
    found: list[str] = []
    for theme in THEMES:
        await set_theme(page, theme)
        for panel in PANELS:
            if user not in panel.roles:
                continue
            region = await panel.open(tour)
            where = f"{panel.name} as {user}, {theme}"
            found += [f"{where}: {line}" for line in await axe_violations(page, region)]
            found += [f"{where}: {problem}" for problem in watch.take()]
    # the notebook widgets last (a kernel runs them once), in both themes again, the light one
    # last: as this user found it, for the tests that follow
    region = await widgets_notebook(tour)
    for theme in reversed(THEMES):
        await set_theme(page, theme)
        where = f"widgets notebook as {user}, {theme}"
        found += [f"{where}: {line}" for line in await axe_violations(page, region)]
        found += [f"{where}: {problem}" for problem in watch.take()]
    await context.close()
    assert not found, "\n".join(found)
