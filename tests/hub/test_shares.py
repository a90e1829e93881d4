"""JupyterHub 5 shares of a session host's server: granted on start and join, revoked on leave,
removal and end, and repaired after a crash, on a real hub."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update

from jupyter_studysession.orm import SessionStatus, StudySession
from jupyter_studysession.store import Store

from .conftest import AUTH_CACHE_SECONDS, SHARE_SYNC_SECONDS

pytestmark = [pytest.mark.hub, pytest.mark.timeout(900)]  # the first one starts the hub


def active_session(hub, host: str, *joined: str) -> str:
    body = {"title": "Study notebook", "invite": list(joined)}
    created = hub.study(host, "POST", "sessions", json=body)
    session_id = created.json()["id"]
    for user in joined:
        assert hub.study(user, "POST", f"sessions/{session_id}/join").status_code == 200
    assert hub.study(host, "POST", f"sessions/{session_id}/start").status_code == 200
    return session_id


def end(hub, host: str, session_id: str) -> None:
    assert hub.study(host, "POST", f"sessions/{session_id}/end").status_code == 200


def test_starting_a_session_shares_the_hosts_server_with_who_joined(course_hub):
    session_id = active_session(course_hub, "bob", "alice")
    try:
        assert course_hub.shared_with("bob") == {"alice"}
        assert course_hub.on_server("bob", "GET", "api/status", "alice").status_code == 200
        where = course_hub.study("alice", "GET", f"sessions/{session_id}/study-server").json()
        assert where["owner"] == "bob" and where["url"] == "/user/bob/"
        assert where["sharing"] and where["shared"]
        # on bob's server alice may not use bob's Study panel: it would act as bob
        refused = course_hub.on_server("bob", "GET", "studysession/api/me", "alice")
        assert (refused.status_code, refused.json()["reason"]) == (403, "not_server_owner")
    finally:
        end(course_hub, "bob", session_id)
    assert course_hub.shared_with("bob") == set()


def test_a_removed_participant_loses_the_share_at_once(course_hub):
    session_id = active_session(course_hub, "bob", "alice")
    try:
        assert course_hub.on_server("bob", "GET", "api/status", "alice").status_code == 200
        removed = course_hub.study(
            "bob", "PATCH", f"sessions/{session_id}/participants/alice", json={"state": "removed"}
        )
        assert removed.status_code == 200, removed.text
        assert course_hub.shared_with("bob") == set()  # by the time the removal returned
        # bob's server trusts its last answer from the hub for AUTH_CACHE_SECONDS at most
        assert course_hub.wait_for(
            lambda: course_hub.on_server("bob", "GET", "api/status", "alice").status_code == 403,
            timeout=AUTH_CACHE_SECONDS + 3,
        )
    finally:
        end(course_hub, "bob", session_id)


def test_leaving_revokes_and_joining_an_active_session_grants(course_hub):
    session_id = active_session(course_hub, "tina", "alice")
    try:
        assert course_hub.shared_with("tina") == {"alice"}
        assert course_hub.study("alice", "POST", f"sessions/{session_id}/leave").status_code == 200
        assert course_hub.shared_with("tina") == set()
        assert course_hub.study("alice", "POST", f"sessions/{session_id}/join").status_code == 200
        assert course_hub.shared_with("tina") == {"alice"}
    finally:
        end(course_hub, "tina", session_id)
    assert course_hub.shared_with("tina") == set()


def test_shares_left_behind_by_a_crash_are_revoked_by_the_periodic_sync(course_hub):
    session_id = active_session(course_hub, "bob", "alice")
    assert course_hub.shared_with("bob") == {"alice"}

    # the service ended the session and died before it could revoke: the database says
    # completed, the hub still has the share
    async def end_behind_the_services_back():
        store = Store(course_hub.db_url)
        await store.open()
        async with store.transaction() as db:
            await db.execute(
                update(StudySession)
                .where(StudySession.id == session_id)
                .values(status=SessionStatus.completed)
            )
        await store.dispose()

    asyncio.run(end_behind_the_services_back())
    assert course_hub.shared_with("bob") == {"alice"}
    assert course_hub.wait_for(
        lambda: course_hub.shared_with("bob") == set(), timeout=SHARE_SYNC_SECONDS + 10
    )
