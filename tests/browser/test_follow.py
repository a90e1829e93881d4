"""Study notebooks in real browsers: three people (alice the host, bob a co-host, carol) on one
JupyterLab server with jupyter-collaboration open the session's notebook; each follower's
active cell follows the leader's within a second and is scrolled into view; a follower who
scrolls away is paused and resumes; the lead is handed over; everyone sees the others' edits;
after the end, History shows what the host walked through. Then "Study together" from a
notebook's toolbar, and a follower who opens the notebook without a kernel picker."""

from __future__ import annotations

import asyncio
import time

import nbformat
import pytest
from lab_pages import open_lab, open_study_sidebar, screenshot
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

WAIT = 60_000  # ms, for what depends on JupyterLab loading (slow on a busy 2-core machine)
SECTIONS = [("Introduction", 3), ("Eigenvalues", 8), ("Diagonalisation", 10)]


def write_notebook(path) -> list[dict]:
    """The study notebook: a heading per section, then code cells whose source names their
    id (so that the page shows which cell is which). Returns ``{id, source}`` per cell."""
    cells = []
    for rank, (heading, count) in enumerate(SECTIONS, start=1):
        cells.append(new_markdown_cell(f"## {heading}", id=f"h{rank}"))
        cells += [
            new_code_cell(f"cell_{rank}_{i} = {i}  # id c{rank}-{i}", id=f"c{rank}-{i}")
            for i in range(count)
        ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return [{"id": c.id, "source": c.source} for c in cells]


def cell(page, index: int):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)


def active_cell(page):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active")


def bar(page):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").get_by_test_id(
        "studysession-follow-bar"
    )


async def active_id(page, cells: list[dict]) -> str | None:
    """The id of the active code cell, known by its source (None for another cell)."""
    text = await active_cell(page).locator(".jp-InputArea-editor").inner_text()
    return next((c["id"] for c in cells if c["source"] == text.strip()), None)


async def in_view(page) -> bool:
    """Whether the active cell is inside the visible part of the notebook."""
    box = await active_cell(page).bounding_box()
    view = await page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"
    ).bounding_box()
    return bool(
        box and view and box["y"] >= view["y"] - 1 and box["y"] < view["y"] + view["height"]
    )


SHOWN = """([source]) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const cell = panel && panel.querySelector('.jp-Cell.jp-mod-active');
    const view = panel && panel.querySelector('.jp-WindowedPanel-outer');
    if (!cell || !view) return false;
    const editor = cell.querySelector('.jp-InputArea-editor');
    const box = cell.getBoundingClientRect(), frame = view.getBoundingClientRect();
    return editor !== null && editor.innerText.trim() === source
        && box.top >= frame.top - 1 && box.top < frame.bottom;
}"""
"""In the page: whether the active cell has this source and its top is in the notebook's view."""


async def follows_within(page, cells: list[dict], cell_id: str, moved_at: float) -> float:
    """Seconds from the leader's move until ``page`` shows ``cell_id`` active and in view."""
    source = next(c["source"] for c in cells if c["id"] == cell_id)
    try:
        await page.wait_for_function(SHOWN, arg=[source], polling="raf", timeout=10_000)
    except Exception as err:
        shown = await active_id(page, cells), await in_view(page)
        raise AssertionError(f"{cell_id} never became the active cell in view: {shown}") from err
    return time.monotonic() - moved_at


async def all_follow(pages, cells, cell_id: str, moved_at: float) -> list[float]:
    """``follows_within`` for several followers at once."""
    return list(await asyncio.gather(*(follows_within(p, cells, cell_id, moved_at) for p in pages)))


async def move(page, index: int) -> float:
    """The leader clicks cell ``index`` (its prompt area: no editing); when it happened."""
    await cell(page, index).locator(".jp-InputPrompt").click()
    return time.monotonic()


async def kernels_idle(page, lab) -> None:
    """Wait until every kernel on the server has started and is idle."""
    for _ in range(300):
        kernels = await (await page.request.get(f"{lab.url}/api/kernels")).json()
        if kernels and all(k["execution_state"] == "idle" for k in kernels):
            return
        await page.wait_for_timeout(100)
    raise AssertionError(f"kernels not idle: {kernels}")


async def open_notebook_from_room(page):
    from playwright.async_api import expect

    room = page.get_by_test_id("studysession-room")
    await expect(room).to_be_visible(timeout=WAIT)
    await room.get_by_test_id("studysession-open-notebook").click()
    await expect(bar(page)).to_be_visible(timeout=WAIT)


async def test_three_people_follow_the_leader_through_a_shared_notebook(browser, lab):
    from playwright.async_api import expect

    cells = write_notebook(lab.root / "lesson.ipynb")
    _, session = await lab.fetch(
        "alice", "sessions", "POST", {"title": "Linear algebra", "invite": ["bob", "carol"]}
    )
    sid = session["id"]
    steps = [
        ("alice", "PATCH", f"sessions/{sid}/participants/bob", {"role": "co_host"}),
        ("bob", "POST", f"sessions/{sid}/join", None),
        ("carol", "POST", f"sessions/{sid}/join", None),
        ("alice", "POST", f"sessions/{sid}/start", None),
        ("alice", "PUT", f"sessions/{sid}/notebook", {"path": "lesson.ipynb"}),
    ]
    for user, method, path, body in steps:
        status, reply = await lab.fetch(user, path, method, body)
        assert status == 200, (path, reply)

    pages = {}
    for user in ("alice", "bob", "carol"):
        pages[user] = await open_lab(browser, lab, user, f"/lab?studysession-session={sid}")
    alice, bob, carol = pages["alice"], pages["bob"], pages["carol"]
    await open_notebook_from_room(alice)  # the host leads: nobody did
    await expect(bar(alice)).to_contain_text("You lead", timeout=WAIT)
    for page in (bob, carol):
        await open_notebook_from_room(page)
        await expect(bar(page)).to_contain_text("Following Alice", timeout=WAIT)
        assert not await page.locator(".jp-Dialog").is_visible()  # no kernel picker

    await kernels_idle(alice, lab)  # the leader's kernel has started (it competes for the CPU)

    # alice walks through the notebook: each follower's active cell follows, in view
    walked = [1, 6, 14, 20]
    for index in walked:
        moved = await move(alice, index)
        delays = await all_follow([bob, carol], cells, cells[index]["id"], moved)
        assert max(delays) <= 1.0, (index, delays)
    await screenshot(carol, "follow-notebook")

    # carol scrolls away: paused, and she stays where she is while alice moves on
    await cell(carol, 3).hover()
    await carol.mouse.wheel(0, -600)
    await expect(bar(carol)).to_contain_text("Following Alice (paused)", timeout=5_000)
    await move(alice, 9)
    await follows_within(bob, cells, cells[9]["id"], time.monotonic())
    assert await active_id(carol, cells) == cells[20]["id"]
    await bar(carol).get_by_test_id("studysession-follow-resume").click()  # jumps to alice
    await follows_within(carol, cells, cells[9]["id"], time.monotonic())
    await expect(bar(carol)).to_contain_text("Following Alice")

    # alice hands the lead to bob (from the room); bob leads, alice follows him
    await alice.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Linear algebra").click()
    room = alice.get_by_test_id("studysession-room")
    await expect(room.get_by_test_id("studysession-study-notebook")).to_contain_text(
        "Carol: following"
    )
    await screenshot(alice, "follow-room")
    await room.get_by_test_id("studysession-hand-bob").click()
    await expect(room.get_by_test_id("studysession-leader")).to_have_text("Bob leads.")
    await alice.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="lesson.ipynb").click()
    await expect(bar(bob)).to_contain_text("You lead", timeout=5_000)
    await expect(bar(alice)).to_contain_text("Following Bob", timeout=5_000)
    moved = await move(bob, 17)
    delays = await all_follow([alice, carol], cells, cells[17]["id"], moved)
    assert max(delays) <= 1.0, delays

    # bob edits the cell he is on: everyone sees it (one collaborative notebook)
    editor = cell(bob, 17).locator(".jp-InputArea-editor .cm-content")
    await editor.click()
    await bob.keyboard.press("End")
    await bob.keyboard.type("  # checked by bob")
    for page in (alice, carol):
        await expect(cell(page, 17)).to_contain_text("checked by bob", timeout=5_000)

    # the end: History says what was covered, from the first place to the furthest
    status, ended = await lab.fetch("alice", f"sessions/{sid}/end", "POST", {})
    assert status == 200, ended
    covered = ended["summary"]["coverage"]
    assert covered["first"]["cell_id"] == cells[0]["id"]  # where alice started, leading
    assert covered["furthest"]["cell_id"] == cells[20]["id"]
    assert covered["text"] == "Covered: §1 Introduction (cell 1) → §3 Diagonalisation (cell 21)"
    await expect(bar(carol)).to_contain_text(covered["text"], timeout=5_000)
    sidebar = await open_study_sidebar(carol)
    await sidebar.get_by_role("tab", name="History", exact=True).click()
    history = sidebar.get_by_test_id("studysession-coverage")
    await expect(history).to_have_text(covered["text"], timeout=WAIT)
    await screenshot(carol, "follow-history")


async def test_study_together_from_a_notebook_brings_the_invitee_in_following(browser, lab):
    from playwright.async_api import expect

    cells = write_notebook(lab.root / "week5.ipynb")
    alice = await open_lab(browser, lab, "alice", "/lab/tree/week5.ipynb")
    await alice.get_by_test_id("studysession-study-together").click()
    dialog = alice.locator(".jp-Dialog")
    await dialog.get_by_test_id("studysession-together-invite").fill("bob")
    await dialog.get_by_role("button", name="Start studying").click()
    # her room opens beside the notebook, and she leads from the notebook
    await expect(alice.get_by_test_id("studysession-room")).to_have_count(1, timeout=WAIT)
    await expect(bar(alice)).to_contain_text("You lead", timeout=WAIT)
    await move(alice, 12)

    kernels = [k["id"] for k in await (await alice.request.get(f"{lab.url}/api/kernels")).json()]
    bob = await open_lab(browser, lab, "bob")
    toast = bob.locator(".Toastify__toast", has_text="study week5.ipynb together")
    await toast.get_by_role("button", name="Join and follow").click(timeout=WAIT)
    await expect(bar(bob)).to_contain_text("Following Alice", timeout=WAIT)
    await follows_within(bob, cells, cells[12]["id"], time.monotonic())
    assert not await bob.locator(".jp-Dialog").is_visible()  # no kernel picker
    # and no kernel of his own: he reads along in alice's notebook
    after = await (await bob.request.get(f"{lab.url}/api/kernels")).json()
    assert [k["id"] for k in after] == kernels
