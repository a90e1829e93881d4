"""Who may call which route: the authorisation matrix on a private session.

Each row is one route; each column one relation to the session. Every cell gets a fresh room,
because some calls change it (cancel, start, end, remove), and a row is asserted whole so a
failure shows every cell of it.
"""

from __future__ import annotations

import pytest

from jupyter_studysession.pytest_plugin import USERS

API_KEY = "k3y"
ROLES = ["host", "co_host", "participant", "invited", "outsider", "instructor", "ta", "anonymous"]
USER_OF = {
    "host": "alice",
    "co_host": "bob",  # invited, promoted, then joined
    "participant": "carol",  # invited, then joined
    "invited": "dave",  # invited, not joined
    "outsider": "erin",  # no relation to the session
    "instructor": "prof",  # course staff, not a member
    "ta": "tina",  # course staff, not a member
    "anonymous": None,
}


# A matching cookie and header pass tornado's XSRF check, so an anonymous write is refused for
# want of a login rather than for want of an XSRF token.
XSRF = {"Cookie": "_xsrf=anonymous", "X-XSRFToken": "anonymous"}


async def call(ss_fetch, user, path, *, method="GET", body=None, headers=None):
    """``ss_fetch``, with the XSRF pair when anonymous."""
    headers = {**(XSRF if user is None else {}), **(headers or {})}
    return await ss_fetch(user, path, method=method, body=body, headers=headers)


@pytest.fixture
def jp_server_config(ss_server_config):
    ss_server_config["StudySessionApp"]["admin_api_key"] = API_KEY
    # every cell creates a room as alice
    ss_server_config["StudySessionApp"]["session_create_limit"] = "1000/hour"
    return ss_server_config


def row(*statuses: int) -> dict[str, int]:
    """Expected statuses in ``ROLES`` order, as a dict role -> status."""
    return dict(zip(ROLES, statuses, strict=True))


# fmt: off
#                   host co_host part invited outsider instructor ta  anonymous
READ         = row(200,  200,    200, 200,    404,     200,       200, 403)
HOSTS        = row(200,  200,    403, 403,    404,     403,       403, 403)
HOSTS_CREATE = row(201,  201,    403, 403,    404,     403,       403, 403)
HOST_ONLY    = row(200,  403,    403, 403,    404,     403,       403, 403)
JOIN         = row(200,  200,    200, 200,    404,     200,       200, 403)
LEAVE        = row(200,  200,    200, 409,    404,     409,       409, 403)
# fmt: on


async def before(ss_fetch, room: str, step: str | None) -> dict[str, str]:
    """Bring the room into the state a route needs; returns extra path arguments."""
    if step == "started":
        reply = await ss_fetch("alice", f"sessions/{room}/start", method="POST")
        assert reply.status == 200, reply.body
    if step == "link":
        reply = await ss_fetch("alice", f"sessions/{room}/invite-links", method="POST")
        assert reply.status == 201, reply.body
        return {"link": reply.body["id"]}
    return {}


@pytest.mark.parametrize(
    ("method", "route", "body", "step", "expected"),
    [
        pytest.param("GET", "", None, None, READ, id="describe"),
        pytest.param("GET", "/participants", None, None, READ, id="participants"),
        pytest.param("PATCH", "", {"title": "New"}, None, HOSTS, id="update"),
        # an empty change is still a change: it must not skip the host check
        pytest.param("PATCH", "", {}, None, HOSTS, id="update_nothing"),
        pytest.param("DELETE", "", None, None, HOST_ONLY, id="cancel"),
        pytest.param("POST", "/start", None, None, HOSTS, id="start"),
        pytest.param("POST", "/end", None, "started", HOSTS, id="end"),
        pytest.param("POST", "/invites", {"usernames": ["frank"]}, None, HOSTS, id="invite"),
        pytest.param("POST", "/invite-links", {}, None, HOSTS_CREATE, id="create_link"),
        pytest.param("GET", "/invite-links", None, "link", HOSTS, id="list_links"),
        pytest.param("DELETE", "/invite-links/{link}", None, "link", HOSTS, id="revoke_link"),
        pytest.param(
            "PATCH", "/participants/carol", {"role": "co_host"}, None, HOST_ONLY, id="promote"
        ),
        pytest.param(
            "PATCH", "/participants/dave", {"state": "removed"}, None, HOST_ONLY, id="remove"
        ),
        pytest.param("POST", "/join", {}, None, JOIN, id="join"),
        pytest.param("POST", "/leave", None, None, LEAVE, id="leave"),
    ],
)
async def test_private_session_route_should_answer_each_role_as_the_rules_say(
    ss_fetch, make_room, method, route, body, step, expected
):
    got = {}
    for role in ROLES:
        room = await make_room(start=False)
        args = await before(ss_fetch, room, step)
        path = f"sessions/{room}" + route.format(**args)
        got[role] = (await call(ss_fetch, USER_OF[role], path, method=method, body=body)).status
    assert got == expected


async def test_private_session_should_look_missing_to_an_outsider(ss_fetch, make_room):
    room = await make_room(start=False)
    hidden = await ss_fetch("erin", f"sessions/{room}")
    missing = await ss_fetch("erin", "sessions/no-such-session")
    assert (hidden.status, hidden.body["reason"]) == (missing.status, missing.body["reason"])
    assert (hidden.status, hidden.body["reason"]) == (404, "session_not_found")


@pytest.mark.parametrize(
    ("method", "path", "body", "ok"),
    [
        pytest.param("GET", "sessions", None, 200, id="list_sessions"),
        pytest.param("GET", "sessions/browse", None, 200, id="browse"),
        pytest.param("GET", "sessions/history", None, 200, id="history"),
        pytest.param("POST", "sessions", {"title": "Mine"}, 201, id="create_session"),
        pytest.param("GET", "me", None, 200, id="me"),
        pytest.param("GET", "notifications", None, 200, id="notifications"),
        pytest.param("POST", "notifications/read", {"all": True}, 200, id="mark_read"),
    ],
)
async def test_route_without_a_session_should_be_open_to_every_signed_in_user(
    ss_fetch, method, path, body, ok
):
    got = {}
    for user in [*USERS, None]:
        reply = await call(ss_fetch, user, path, method=method, body=body)
        got[user or "anonymous"] = reply.status
    assert got == {**dict.fromkeys(USERS, ok), "anonymous": 403}


async def test_the_api_description_should_be_public(ss_fetch):
    got = {
        user or "anonymous": (await ss_fetch(user, "openapi.json")).status
        for user in [*USERS, None]
    }
    assert set(got.values()) == {200}


async def test_cleanup_should_be_for_instructors_or_the_api_key(ss_fetch):
    got = {}
    for user in [*USERS, None]:
        reply = await call(ss_fetch, user, "admin/cleanup", method="POST")
        got[user or "anonymous"] = reply.status
    for who, user, key in [
        ("anonymous+wrong_key", None, "wrong"),
        ("alice+key", "alice", API_KEY),
        ("alice+wrong_key", "alice", "wrong"),
        ("prof+wrong_key", "prof", "wrong"),
    ]:
        headers = {"X-StudySession-Api-Key": key}
        reply = await call(ss_fetch, user, "admin/cleanup", method="POST", headers=headers)
        got[who] = reply.status
    # what a cron job sends: the key, no login, no XSRF cookie
    cron = await ss_fetch(
        None, "admin/cleanup", method="POST", headers={"X-StudySession-Api-Key": API_KEY}
    )
    got["anonymous+key"] = cron.status
    assert got == {
        **dict.fromkeys(USERS, 403),
        "prof": 200,  # tina, a TA, stays 403: cleanup is for instructors
        "anonymous": 403,
        "anonymous+key": 200,
        "anonymous+wrong_key": 403,
        "alice+key": 200,
        "alice+wrong_key": 403,
        "prof+wrong_key": 200,
    }


@pytest.mark.parametrize(
    ("user", "path", "body", "field"),
    [
        pytest.param("alice", "sessions", {"title": "Mine", "host": "bob"}, "host", id="host"),
        pytest.param("erin", "sessions/{id}/join", {"username": "dave"}, "username", id="join"),
    ],
)
async def test_username_in_a_body_should_be_refused_not_trusted(
    ss_fetch, make_room, user, path, body, field
):
    room = await make_room(start=False)

    async def members():
        reply = await ss_fetch("alice", f"sessions/{room}/participants")
        return {(p["user"]["username"], p["role"], p["state"]) for p in reply.body["items"]}

    before = await members()
    reply = await ss_fetch(user, path.format(id=room), method="POST", body=body)
    assert (reply.status, reply.body["reason"]) == (400, "invalid_input")
    assert field in reply.body["message"]
    assert await members() == before
    assert (await ss_fetch("bob", "sessions", params={"role": "host"})).body["items"] == []


async def test_identity_should_come_from_the_token(ss_fetch):
    got = {}
    for user in USERS:
        me = (await ss_fetch(user, "me")).body
        got[user] = (me["username"], me["course_role"])
    assert got == {
        **{u: (u, "student") for u in USERS},
        "prof": ("prof", "instructor"),
        "tina": ("tina", "ta"),
    }
    created = await ss_fetch("bob", "sessions", method="POST", body={"title": "Bob's"})
    assert (created.body["host"]["username"], created.body["my_role"]) == ("bob", "host")
