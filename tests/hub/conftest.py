"""A real course hub for the hub tests: JupyterHub (pip) with configurable-http-proxy (npm),
the study service and the students' own servers (SimpleLocalProcessSpawner), started from
jupyter-config/jupyterhub_config.py, once per test session and database backend.

Skipped with a reason when JupyterHub or the proxy is missing; ``$STUDYSESSION_REQUIRE_HUB``
(set by .ci/run) turns that into a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jupyter_studysession.pytest_plugin import DEFAULT_POSTGRES_URL, POSTGRES_URL_ENV

ROOT = Path(__file__).resolve().parents[2]
COURSE_CONFIG = ROOT / "jupyter-config" / "jupyterhub_config.py"
PROXY = ROOT / "jupyter-config" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
REQUIRE_HUB_ENV = "STUDYSESSION_REQUIRE_HUB"
ROLE_CACHE_SECONDS = 2
AUTH_CACHE_SECONDS = 1
SHARE_SYNC_SECONDS = 2
ROSTER_SECONDS = 2


def _missing(reason: str):
    if os.environ.get(REQUIRE_HUB_ENV):
        pytest.fail(f"The hub tests are required ({REQUIRE_HUB_ENV} is set) but {reason}")
    pytest.skip(f"No course hub: {reason} (run scripts/setup.sh)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CourseHub:
    """The running hub: ``url`` through the proxy, an admin token, the study database."""

    url: str
    admin_token: str
    db_url: str
    process: subprocess.Popen
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, token: str | None = None, **kwargs):
        import requests

        headers = kwargs.pop("headers", {})
        if token:
            headers.setdefault("Authorization", f"token {token}")
        return requests.request(
            method, self.url + path, headers=headers, timeout=30, allow_redirects=False, **kwargs
        )

    def api(self, method: str, path: str, **kwargs):
        """The hub's REST API as the test's admin service."""
        return self.request(method, "hub/api/" + path, self.admin_token, **kwargs)

    def token_for(self, username: str) -> str:
        """An API token of ``username`` (with all of their permissions)."""
        if username not in self.tokens:
            reply = self.api("POST", f"users/{username}/tokens", json={"note": "hub tests"})
            reply.raise_for_status()
            self.tokens[username] = reply.json()["token"]
        return self.tokens[username]

    def service(self, method: str, path: str, user: str, **kwargs):
        """``/services/study/<path>`` with ``user``'s token."""
        return self.request(method, "services/study/" + path, self.token_for(user), **kwargs)

    def on_server(self, owner: str, method: str, path: str, user: str, **kwargs):
        """``/user/<owner>/<path>`` (``owner``'s own server) with ``user``'s token."""
        return self.request(method, f"user/{owner}/" + path, self.token_for(user), **kwargs)

    def study(self, user: str, method: str, path: str, **kwargs):
        """The study API as ``user`` sees it: through their own server."""
        return self.on_server(user, method, "studysession/api/" + path, user, **kwargs)

    def start_server(self, username: str, timeout: float = 240) -> None:
        reply = self.api("POST", f"users/{username}/server")
        assert reply.status_code in (201, 202, 400), reply.text  # 400: already running
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"users/{username}").json()["servers"].get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"{username}'s server did not start; see {self.log}")

    def shared_with(self, owner: str) -> set[str]:
        """Who ``owner``'s default server is shared with, as the hub says."""
        reply = self.api("GET", f"shares/{owner}/")
        reply.raise_for_status()
        return {item["user"]["name"] for item in reply.json()["items"] if item.get("user")}

    def wait_for(self, check, timeout: float = 10, interval: float = 0.2):
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(interval)


def _postgres_database() -> tuple[str, callable]:
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"ss_hub_{uuid.uuid4().hex[:12]}"

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(dsn, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    return url, lambda: asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _start(tmp: Path, db_url: str) -> CourseHub:
    admin_token = secrets.token_hex(16)
    port = _free_port()
    config = tmp / "test_hub_config.py"
    config.write_text(
        "c = get_config()  # noqa\n"
        f"load_subconfig({str(COURSE_CONFIG)!r})\n"
        "c.JupyterHub.services.append(\n"
        f"    {{'name': 'test-admin', 'api_token': {admin_token!r}}}\n"
        ")\n"
        "c.JupyterHub.load_roles.append({\n"
        "    'name': 'test-admin', 'services': ['test-admin'],\n"
        "    'scopes': ['admin:users', 'admin:servers', 'tokens', 'admin:groups',\n"
        "               'read:shares', 'read:users'],\n"
        "})\n"
    )
    env = {
        **os.environ,
        "STUDYHUB_DIR": str(tmp / "state"),
        "STUDYHUB_PORT": str(port),
        "STUDYHUB_HUB_PORT": str(_free_port()),
        "STUDYHUB_PROXY_API_PORT": str(_free_port()),
        "STUDYHUB_SERVICE_PORT": str(_free_port()),
        "STUDYHUB_DB_URL": db_url,
        "STUDYHUB_ROLE_CACHE_SECONDS": str(ROLE_CACHE_SECONDS),
        "STUDYHUB_AUTH_CACHE_SECONDS": str(AUTH_CACHE_SECONDS),
        "STUDYHUB_SHARE_SYNC_SECONDS": str(SHARE_SYNC_SECONDS),
        "STUDYHUB_ROSTER_SECONDS": str(ROSTER_SECONDS),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for name in ("JUPYTER_STUDYSESSION_DB_URL", "JUPYTER_STUDYSESSION_SERVICE_URL"):
        env.pop(name, None)
    log = tmp / "jupyterhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=tmp,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = CourseHub(f"http://127.0.0.1:{port}/", admin_token, db_url, process, log)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited ({process.returncode}); see {log}")
        try:
            # the proxy answers 503 until the service is up, the hub 404 until it is routed
            if hub.request("GET", "services/study/studysession/api/me").status_code == 403:
                return hub
        except OSError:
            pass
        time.sleep(0.5)
    _stop(process)
    raise TimeoutError(f"The course hub did not start; see {log}")


def _descendants(pid: int) -> dict[int, str]:
    """The processes under ``pid`` (the proxy, the service, the students' servers and their
    kernels), with their command lines."""
    listing = subprocess.run(
        ["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True
    )
    children: dict[int, list[tuple[int, str]]] = {}
    for line in listing.stdout.splitlines():
        child, parent, args = [*line.split(None, 2), ""][:3]
        children.setdefault(int(parent), []).append((int(child), args))
    found, todo = {}, [pid]
    while todo:
        for child, args in children.get(todo.pop(), []):
            found[child] = args
            todo.append(child)
    return found


def _stop(process: subprocess.Popen) -> None:
    """Stop the hub (it stops the proxy, the service and the servers), then its group, then
    whatever it started that is still running: a server can hang on exit (a visitor's
    collaboration room) and, in a session of its own, would outlive the hub."""
    started = _descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(5)
    running = subprocess.run(["ps", "-ww", "-eo", "pid=,args="], capture_output=True, text=True)
    for line in running.stdout.splitlines():
        pid, _, args = line.strip().partition(" ")
        if started.get(int(pid)) == args.strip():  # the same process, not a reused pid
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def course_hub(request, tmp_path_factory):
    """The course hub, with the study service on SQLite or on PostgreSQL, and alice's, bob's
    and tina's servers running."""
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        _missing("jupyterhub is not installed (pip install 'jupyter-studysession[hub]')")
    if not PROXY.exists():
        _missing(f"configurable-http-proxy is not installed at {PROXY}")
    tmp = tmp_path_factory.mktemp(f"hub-{request.param}")
    drop = None
    if request.param == "sqlite":
        db_url = f"sqlite+aiosqlite:///{tmp / 'study.sqlite'}"
    else:
        try:
            db_url, drop = _postgres_database()
        except Exception as err:
            if os.environ.get("STUDYSESSION_REQUIRE_POSTGRES"):
                pytest.fail(f"PostgreSQL is required but unavailable: {err}")
            pytest.skip(f"PostgreSQL not available: {err}")
    hub = _start(tmp, db_url)
    try:
        for user in ("alice", "bob", "tina"):
            hub.start_server(user)
        yield hub
    finally:
        _stop(hub.process)
        if drop is not None:
            drop()
