"""The Python client (``jupyter_studysession.client``) against a real server process: every
call, the errors it raises, and how it finds the server from a kernel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_studysession.client import (
    NETWORK_ERROR_REASON,
    SERVER_NOT_FOUND_REASON,
    APIError,
    StudySessionClient,
    find_server,
)
from jupyter_studysession.pytest_plugin import token_for
from jupyter_studysession.testing import free_port

HUB_VARIABLES = ["JUPYTERHUB_API_TOKEN", "JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_SERVICE_PREFIX"]


@pytest.fixture
def server(ss_server_process, ss_sqlite_url, jp_asyncio_loop):
    """One real ``jupyter server`` with the extension and per-user tokens."""
    process = ss_server_process("server", ss_sqlite_url)
    jp_asyncio_loop.run_until_complete(process.wait_ready())
    return process


@pytest.fixture
def kernel_env(monkeypatch):
    """This process as a kernel outside JupyterHub: no hub variables, no parent server."""
    for name in [*HUB_VARIABLES, "JPY_PARENT_PID"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def client_for(server, user: str) -> StudySessionClient:
    return StudySessionClient(url=server.url, token=token_for(user))


def runtime_dir(server) -> Path:
    """Where the server wrote its ``jpserver-<pid>.json`` (its JUPYTER_DATA_DIR/runtime)."""
    return server.log_path.parent / "runtime"


def test_client_should_script_a_session_from_creation_to_its_summary(server, kernel_env):
    alice, bob, carol = (client_for(server, u) for u in ("alice", "bob", "carol"))
    assert alice.me().username == "alice"

    session = alice.create_session("Eigenvalues", type="group", invite=["bob"])
    assert (session.title, session.host.username, session.status) == (
        "Eigenvalues",
        "alice",
        "scheduled",
    )
    assert alice.get_session(session.id).id == session.id
    assert [s.id for s in alice.list_sessions()] == [session.id]
    assert [s.id for s in bob.list_sessions(role="participant")] == [session.id]
    assert bob.list_sessions(status="completed") == []

    after_invite = {p.user.username: p.state for p in alice.invite(session.id, ["carol"])}
    assert after_invite == {"alice": "joined", "bob": "invited", "carol": "invited"}
    assert bob.join_session(session.id).my_state == "joined"
    assert carol.join_session(session.id).my_state == "joined"
    assert alice.start_session(session.id).status == "active"
    states = {p.user.username: (p.role, p.state) for p in alice.participants(session.id)}
    assert states == {
        "alice": ("host", "joined"),
        "bob": ("participant", "joined"),
        "carol": ("participant", "joined"),
    }

    sent = bob.post_message(session.id, "Hello from a **notebook**")
    assert (sent.sender.username, sent.text) == ("bob", "Hello from a **notebook**")
    alice.post_message(session.id, "Welcome")
    page = carol.messages(session.id)
    assert [m.text for m in page.items] == ["Hello from a **notebook**", "Welcome"]
    older = carol.messages(session.id, limit=1)
    assert [m.text for m in older.items] == ["Welcome"]
    assert [m.text for m in carol.messages(session.id, before=older.next_before).items] == [
        "Hello from a **notebook**"
    ]

    goal = carol.add_goal(session.id, "Diagonalise A", "Chapter 3, exercise 2")
    assert carol.update_goal(session.id, goal.id, done=True).done is True
    goals = bob.goals(session.id)
    assert (goals.done, goals.total, goals.items[0].title) == (1, 1, "Diagonalise A")
    timer = bob.timer(session.id)
    assert (timer.phase, timer.running) == ("idle", False)

    assert bob.append_notes(session.id, "# Eigenvalues\n") == "# Eigenvalues\n"
    assert carol.append_notes(session.id, "det(A - tI) = 0\n").endswith("= 0\n")
    assert alice.notes(session.id) == "# Eigenvalues\ndet(A - tI) = 0\n"

    assert carol.leave_session(session.id).my_state == "left"
    result = alice.end_session(session.id)
    assert result.session.status == "completed"
    assert (result.summary.message_count, result.summary.goals_done) == (2, 1)
    assert [s.id for s in bob.list_sessions(status="completed")] == [session.id]
    assert result.summary.notes_characters == len(bob.notes(session.id)) == 30


def test_client_should_join_and_leave_an_office_hours_queue(server, kernel_env):
    prof, alice = client_for(server, "prof"), client_for(server, "alice")
    officehours = prof.request("POST", "officehours", {"title": "Algebra help"})
    prof.request("POST", f"officehours/{officehours['id']}/open")
    assert [oh.title for oh in alice.list_office_hours()] == ["Algebra help"]

    entry = alice.join_queue(officehours["id"], "How do I invert a 3x3 matrix?", topic="inverse")
    assert (entry.position, entry.topic, entry.status) == (1, "inverse", "waiting")
    assert alice.queue(officehours["id"]).my_entry.id == entry.id
    staff_view = prof.queue(officehours["id"])
    assert [e.question for e in staff_view.entries] == ["How do I invert a 3x3 matrix?"]
    assert alice.leave_queue(officehours["id"]).outcome == "left"
    assert alice.queue(officehours["id"]).my_entry is None


def test_refused_calls_should_raise_the_servers_message_and_reason(server, kernel_env):
    alice, carol = client_for(server, "alice"), client_for(server, "carol")
    with pytest.raises(APIError) as missing:
        alice.get_session("no-such-session")
    assert (missing.value.status, missing.value.reason) == (404, "session_not_found")
    assert "no-such-session" in missing.value.message

    with pytest.raises(APIError) as invalid:
        alice.create_session("")
    assert (invalid.value.status, invalid.value.reason) == (400, "invalid_input")
    assert "title" in invalid.value.message

    session = alice.create_session("Private room")
    with pytest.raises(APIError) as outsider:
        carol.post_message(session.id, "let me in")
    assert outsider.value.status == 404  # a private session does not exist for outsiders
    with pytest.raises(APIError) as not_started:
        alice.end_session(session.id)
    assert (not_started.value.status, not_started.value.reason) == (409, "invalid_status")
    assert str(not_started.value) == f"{not_started.value.message} (409 invalid_status)"

    with pytest.raises(APIError) as bad_token:
        StudySessionClient(url=server.url, token="wrong").me()
    assert bad_token.value.status == 403
    assert bad_token.value.reason and bad_token.value.message

    with pytest.raises(APIError) as unreachable:
        StudySessionClient(url=f"http://127.0.0.1:{free_port()}", token="x").me()
    assert (unreachable.value.status, unreachable.value.reason) == (0, NETWORK_ERROR_REASON)
    assert "Could not reach" in unreachable.value.message


def test_inside_jupyterhub_the_client_should_use_the_servers_url_and_api_token(server, kernel_env):
    # JupyterHub gives the single-user server (and so its kernels) the address it listens on
    # and a token of its owner; here alice's token stands in for hers
    kernel_env.setenv("JUPYTERHUB_API_TOKEN", token_for("alice"))
    kernel_env.setenv("JUPYTERHUB_SERVICE_URL", f"http://0.0.0.0:{server.port}/")
    client = StudySessionClient()
    assert client.url == f"http://127.0.0.1:{server.port}/"
    assert client.server.source == "jupyterhub"
    assert client.me().username == "alice"
    assert token_for("alice") not in repr(client.server)

    # with only the prefix, the running server at that prefix is the one
    kernel_env.delenv("JUPYTERHUB_SERVICE_URL")
    kernel_env.setenv("JUPYTERHUB_SERVICE_PREFIX", "/")
    kernel_env.setenv("JUPYTER_RUNTIME_DIR", str(runtime_dir(server)))
    assert StudySessionClient().me().username == "alice"


def test_a_kernel_should_find_the_server_whose_root_holds_its_directory(server, kernel_env):
    notebooks = server.log_path.parent / "course" / "week1"
    notebooks.mkdir(parents=True)
    kernel_env.chdir(notebooks)
    kernel_env.setenv("JUPYTER_RUNTIME_DIR", str(runtime_dir(server)))
    (info_file,) = runtime_dir(server).glob("jpserver-*.json")
    info = json.loads(info_file.read_text())

    client = StudySessionClient()
    assert client.url == info["url"] and f":{server.port}/" in client.url
    assert client.server.token == info["token"]
    # the server's own token logs in an anonymous user; the client keeps its cookie, so
    # every call is made by that one user
    me = client.me()
    session = client.create_session("Found from a kernel")
    assert session.host.username == me.username
    client.post_message(session.id, "still me")
    assert client.messages(session.id).items[0].sender.username == me.username

    # the kernel's parent server wins, wherever the kernel runs
    kernel_env.chdir(Path("/"))
    kernel_env.setenv("JPY_PARENT_PID", str(info["pid"]))
    assert StudySessionClient().url == info["url"]


def test_without_a_server_to_find_the_client_should_say_how_to_name_one(tmp_path, kernel_env):
    kernel_env.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    with pytest.raises(APIError) as error:
        StudySessionClient()
    assert error.value.reason == SERVER_NOT_FOUND_REASON
    assert "StudySessionClient(url=" in error.value.message

    # an explicit URL needs no discovery, and a URL without a slash is completed
    assert find_server("http://127.0.0.1:8888/jupyter", "t").url == "http://127.0.0.1:8888/jupyter/"
