"""The study service on a real hub: locked down, reached from each student's own server with
hub-proven identity, roles from hub groups."""

from __future__ import annotations

import json

import pytest
import websocket

from .conftest import ROLE_CACHE_SECONDS, ROSTER_SECONDS

pytestmark = [pytest.mark.hub, pytest.mark.timeout(900)]  # the first one starts the hub

JUPYTER_RESOURCES = [
    ("GET", "api/kernels"),
    ("POST", "api/kernels"),
    ("GET", "api/kernelspecs"),
    ("GET", "api/sessions"),
    ("POST", "api/sessions"),
    ("GET", "api/contents"),
    ("PUT", "api/contents/evil.py"),
    ("GET", "api/contents/studysession.sqlite"),
    ("GET", "files/studysession.sqlite"),
    ("GET", "api/terminals"),
    ("POST", "api/terminals"),
    ("GET", "api/config/notebook"),
    ("GET", "api/nbconvert"),
    ("GET", "api/status"),
    ("POST", "api/shutdown"),
]


@pytest.mark.parametrize(("method", "path"), JUPYTER_RESOURCES)
def test_student_is_refused_every_jupyter_resource_of_the_study_service(course_hub, method, path):
    body = {"type": "file", "content": "import os", "format": "text"} if method == "PUT" else {}
    reply = course_hub.service(method, path, "alice", json=body if method != "GET" else None)
    # terminals are off altogether on the service (404); everything else is refused (403)
    assert reply.status_code in (403, 404), (method, path, reply.status_code, reply.text)
    if "terminals" not in path:
        assert reply.status_code == 403


def test_student_gets_the_study_api_of_the_service_and_a_service_admin_the_rest(course_hub):
    assert course_hub.service("GET", "studysession/api/me", "alice").json()["username"] == "alice"
    assert course_hub.service("GET", "api/contents", "prof").status_code == 200


def test_students_own_server_reaches_the_service_as_its_owner(course_hub):
    me = course_hub.study("alice", "GET", "me").json()
    assert (me["username"], me["course_role"]) == ("alice", "student")
    assert course_hub.study("tina", "GET", "me").json()["course_role"] == "ta"


def test_no_header_cookie_or_token_the_student_controls_makes_them_someone_else(course_hub):
    forged = {
        "X-Forwarded-User": "bob",
        "X-Remote-User": "bob",
        "X-StudySession-User": "bob",
        "Cookie": "jupyterhub-session-id=bob; jupyterhub-services-study=bob",
    }
    through_own = course_hub.study("alice", "GET", "me?user=bob", headers=forged)
    assert through_own.json()["username"] == "alice"
    direct = course_hub.service("GET", "studysession/api/me?user=bob", "alice", headers=forged)
    assert direct.json()["username"] == "alice"
    # a made-up token, or alice's token on bob's server, gets nobody in
    made_up = course_hub.request(
        "GET", "services/study/studysession/api/me", "0123456789abcdef0123456789abcdef"
    )
    assert made_up.status_code == 403
    assert course_hub.on_server("bob", "GET", "studysession/api/me", "alice").status_code == 403


def test_realtime_and_chat_work_through_the_students_own_servers(course_hub):
    session = course_hub.study(
        "bob", "POST", "sessions", json={"title": "Hub chat", "invite": ["alice"]}
    ).json()
    assert course_hub.study("alice", "POST", f"sessions/{session['id']}/join").status_code == 200
    url = course_hub.url.replace("http", "ws", 1) + "user/alice/studysession/api/ws"
    ws = websocket.create_connection(
        url, header=[f"Authorization: token {course_hub.token_for('alice')}"], timeout=20
    )
    try:
        ws.send(json.dumps({"id": 1, "op": "subscribe", "channel": f"session:{session['id']}"}))
        assert json.loads(ws.recv())["ok"] is True
        ws.send(json.dumps({"id": 2, "op": "subscribe", "channel": "user:bob"}))
        assert json.loads(ws.recv())["ok"] is False  # another user's channel
        sent = course_hub.study(
            "bob", "POST", f"sessions/{session['id']}/messages", json={"text": "hi from bob"}
        )
        assert sent.status_code == 201, sent.text
        event = json.loads(ws.recv())
        while event.get("type") != "chat.message":
            event = json.loads(ws.recv())
        assert event["data"]["message"]["sender"]["username"] == "bob"
    finally:
        ws.close()


def test_python_client_on_a_students_server_is_that_student(course_hub):
    from jupyter_studysession.client import StudySessionClient

    client = StudySessionClient(
        url=course_hub.url + "user/alice/", token=course_hub.token_for("alice")
    )
    assert client.me().username == "alice"


def test_a_change_of_hub_groups_counts_without_restarting_the_service(course_hub):
    def role():
        return course_hub.study("alice", "GET", "me").json()["course_role"]

    assert role() == "student"
    course_hub.api("POST", "groups/tas/users", json={"users": ["alice"]}).raise_for_status()
    try:
        timeout = ROLE_CACHE_SECONDS + 5
        assert course_hub.wait_for(lambda: role() == "ta", timeout=timeout)
    finally:
        course_hub.api("DELETE", "groups/tas/users", json={"users": ["alice"]})
    assert course_hub.wait_for(lambda: role() == "student", timeout=timeout)


def test_hub_users_can_be_invited_before_their_first_visit(course_hub):
    # carol has a hub account and has never opened the study service
    created = course_hub.study(
        "bob", "POST", "sessions", json={"title": "Invite early", "invite": ["carol"]}
    )
    assert created.status_code == 201, created.text

    def invite(username):
        path = f"sessions/{created.json()['id']}/invites"
        return course_hub.study("bob", "POST", path, json={"usernames": [username]})

    # a user the hub gains later can be invited once the service has listed the hub again
    course_hub.api("POST", "users/zoe").raise_for_status()
    timeout = ROSTER_SECONDS + 5
    assert course_hub.wait_for(
        lambda: invite("zoe").status_code == 200, timeout=timeout, interval=1
    )
    # and nobody the hub does not know
    refused = invite("nobody-at-all")
    assert refused.status_code == 400
    assert refused.json()["reason"] == "unknown_users"
