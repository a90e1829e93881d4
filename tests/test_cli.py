"""``jupyter studysession``: db upgrade, cleanup and demo-data, as a user runs them."""

import json
import os
import subprocess
import sys

from sqlalchemy import select

from jupyter_studysession.orm import SessionSummary
from jupyter_studysession.store import Store


def cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "jupyter_studysession.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_db_upgrade_creates_the_schema(ss_sqlite_url, jp_asyncio_loop):
    result = cli("db", "upgrade", "--db-url", ss_sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "-> " + Store.head_revision() in result.stderr
    store = Store(ss_sqlite_url)
    assert jp_asyncio_loop.run_until_complete(store.current_revision()) == Store.head_revision()
    jp_asyncio_loop.run_until_complete(store.dispose())


def test_demo_data_then_cleanup_keeps_the_demo(ss_sqlite_url, jp_asyncio_loop):
    demo = cli("demo-data", "--db-url", ss_sqlite_url)
    assert demo.returncode == 0, demo.stderr
    assert "'sessions': 7" in demo.stderr

    async def attendance() -> list[dict]:
        store = Store(ss_sqlite_url)
        try:
            await store.open()
            async with store.read() as db:
                return list(await db.scalars(select(SessionSummary.attendance)))
        finally:
            await store.dispose()

    # the completed sessions' people had tabs open: minutes from their connections (the
    # group's study session, 50 minutes with everyone there, and last week's session)
    summaries = jp_asyncio_loop.run_until_complete(attendance())
    assert sorted(summaries, key=lambda a: a["bob"]) == [
        {"alice": 55, "bob": 45, "carol": 40},
        {"alice": 50, "bob": 50, "carol": 50},
    ]
    again = cli("demo-data", "--db-url", ss_sqlite_url)
    assert "already present" in again.stderr
    cleanup = cli("cleanup", "--db-url", ss_sqlite_url)
    assert cleanup.returncode == 0, cleanup.stderr
    result = json.loads(cleanup.stdout)
    assert (result["deleted"], result["auto_ended"], result["failed"]) == (0, 0, 0)
    assert result["events_pruned"] > 0  # the demo's week-old live events


def test_db_url_from_the_environment(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'env.sqlite'}"

    result = cli("db", "upgrade", env={**os.environ, "JUPYTER_STUDYSESSION_DB_URL": url})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.sqlite").exists()
