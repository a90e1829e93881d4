"""The store: schema creation and revision checks, SQLite settings, UTC timestamps."""

import asyncio
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from jupyter_studysession.exceptions import DatabaseNotReady
from jupyter_studysession.orm import User
from jupyter_studysession.store import Store


async def test_new_database_is_created_at_the_head_revision(ss_db_url):
    store = Store(ss_db_url)
    try:
        assert await store.current_revision() is None
        assert await store.open() == "created"
        assert await store.current_revision() == Store.head_revision()
        again = Store(ss_db_url)
        assert await again.check_schema() == "current"
        await again.dispose()
    finally:
        await store.dispose()


async def test_an_outdated_database_is_refused_with_the_command_to_run(ss_db_url):
    store = Store(ss_db_url)
    await store.open()
    async with store.transaction() as db:
        await db.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    await store.dispose()

    outdated = Store(ss_db_url)
    with pytest.raises(DatabaseNotReady) as err:
        await outdated.open()
    assert "jupyter studysession db upgrade" in err.value.message
    with pytest.raises(DatabaseNotReady):
        async with outdated.read():
            pass
    await outdated.dispose()


async def test_timestamps_round_trip_as_utc_aware(ss_db_url):
    store = Store(ss_db_url)
    await store.open()
    plus_two = timezone(timedelta(hours=2))
    seen = datetime(2026, 3, 29, 3, 30, tzinfo=plus_two)
    async with store.transaction() as db:
        db.add(User(username="u", display_name="U", first_seen=seen))
    async with store.read() as db:
        user = await db.get(User, "u")
    assert user.first_seen == seen
    assert user.first_seen.tzinfo == timezone.utc
    with pytest.raises(Exception, match="naive datetime"):
        async with store.transaction() as db:
            db.add(User(username="v", display_name="V", first_seen=datetime(2026, 1, 1)))
    await store.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(ss_sqlite_url):
    store = Store(ss_sqlite_url)
    await store.open()
    async with store.read() as db:
        assert (await db.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await db.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await store.dispose()


async def test_migrations_should_build_exactly_the_tables_of_the_models(ss_db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from jupyter_studysession.orm import Base

    store = Store(ss_db_url)
    await store.open()
    async with store._write_engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await store.dispose()
    assert diff == []


async def test_a_write_should_wait_for_another_process_lock_without_holding_the_loop(
    ss_sqlite_url,
):
    from sqlalchemy.engine import make_url

    store = Store(ss_sqlite_url)
    await store.open()
    async with store.transaction() as db:  # SQLite itself never waits (it would hold the loop)
        assert (await db.execute(text("PRAGMA busy_timeout"))).scalar() == 0
    other = sqlite3.connect(make_url(ss_sqlite_url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:

        async def write() -> None:
            async with store.transaction() as db:
                now = datetime.now(timezone.utc)
                db.add(User(username="dana", display_name="Dana", first_seen=now))

        writing = asyncio.ensure_future(write())
        for _ in range(20):  # the loop keeps running while the write waits
            await asyncio.sleep(0.01)
        assert not writing.done()
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 10)
        async with store.read() as db:
            assert await db.get(User, "dana") is not None
    finally:
        other.close()
        await store.dispose()
