"""JupyterLab with the extension in a real headless Chromium (Python Playwright)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

import pytest
from lab_pages import Demo

REQUIRE_BROWSER_ENV = "STUDYSESSION_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str):
    if os.environ.get(REQUIRE_BROWSER_ENV):
        pytest.fail(f"The browser is required ({REQUIRE_BROWSER_ENV} is set) but {reason}")
    pytest.skip(f"No browser for the UI tests: {reason}")


@pytest.fixture
def chromium_path() -> str:
    """The system Chromium (``apt-get install chromium``); Playwright downloads none here."""
    path = os.environ.get("STUDYSESSION_CHROMIUM") or shutil.which("chromium") or ""
    if not path or not os.path.exists(path):
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")
    return path


@pytest.fixture
def lab(ss_server_process, ss_sqlite_url, jp_asyncio_loop):
    """JupyterLab with the extension on a fresh SQLite database."""
    server = ss_server_process("lab", ss_sqlite_url, app="jupyterlab")
    jp_asyncio_loop.run_until_complete(server.wait_ready())
    return server


@pytest.fixture(scope="session")
def demo_lab(tmp_path_factory):
    """JupyterLab on the demo's data (``jupyter studysession demo-data``), one for the whole
    test run: tests may add to it (with titles of their own), never rely on what another test
    did."""
    from jupyter_studysession.testing import ServerProcess

    workdir = tmp_path_factory.mktemp("demo")
    db_url = f"sqlite+aiosqlite:///{workdir / 'studysession.sqlite'}"
    subprocess.run(
        [sys.executable, "-m", "jupyter_studysession.cli", "demo-data", "--db-url", db_url],
        check=True,
        capture_output=True,
    )
    server = ServerProcess("lab", workdir, db_url, app="jupyterlab")
    try:
        asyncio.run(server.wait_ready())
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser(chromium_path, jp_asyncio_loop):
    """A headless Chromium, driven from the test's event loop."""
    from playwright.async_api import async_playwright

    playwright = jp_asyncio_loop.run_until_complete(async_playwright().start())
    browser = jp_asyncio_loop.run_until_complete(
        playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    )
    yield browser
    jp_asyncio_loop.run_until_complete(browser.close())
    jp_asyncio_loop.run_until_complete(playwright.stop())


@pytest.fixture(scope="session")
def demo(demo_lab) -> Demo:
    async def ids() -> Demo:
        _, active = await demo_lab.fetch("alice", "sessions?status=active")
        _, hours = await demo_lab.fetch("alice", "officehours")
        _, mine = await demo_lab.fetch("alice", "groups")
        return Demo(active["items"][0]["id"], hours["items"][0]["id"], mine["items"][0]["id"])

    return asyncio.run(ids())
