"""A Python client of the study session REST API, so that a notebook can script the server::

    from jupyter_studysession.client import StudySessionClient

    client = StudySessionClient()  # finds the server this kernel runs under
    session = client.create_session("Linear algebra, chapter 3", invite=["bob"])
    client.start_session(session.id)
    client.post_message(session.id, "Hello from a notebook!")
    [p.user.username for p in client.participants(session.id)]

The server and its credentials are found the way a kernel can find them (see
:func:`find_server`). Calls are synchronous (a notebook cell waits for them) and return the
package's pydantic response models (:mod:`jupyter_studysession.models`). A refused call raises
:class:`APIError` with the server's ``message`` and ``reason``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from .exceptions import StudySessionError
from .models import (
    DescribeGoal,
    DescribeMe,
    DescribeMessage,
    DescribeNotes,
    DescribeOfficeHours,
    DescribeParticipant,
    DescribeQueue,
    DescribeQueueEntry,
    DescribeSession,
    DescribeTimer,
    EndSessionResult,
    ListGoals,
    ListMessages,
    ListOfficeHours,
    ListParticipants,
    ListSessions,
)

M = TypeVar("M", bound=BaseModel)

API_PATH = "studysession/api/"
NETWORK_ERROR_REASON = "network_error"
"""The ``reason`` of an :class:`APIError` when the server could not be reached at all."""
INVALID_RESPONSE_REASON = "invalid_response"
"""The ``reason`` of an :class:`APIError` when a successful answer was not valid JSON."""
SERVER_NOT_FOUND_REASON = "server_not_found"
"""The ``reason`` of an :class:`APIError` when no server could be found to talk to."""


class APIError(StudySessionError):
    """A call the server refused (or that never reached it).

    ``message`` is the server's sentence for people, ``reason`` its stable code (such as
    ``session_not_found`` or ``not_participant``) and ``status`` the HTTP status (0 when no
    answer came). ``retry_after`` is the server's ``Retry-After`` in seconds, with ``429``.
    """

    def __init__(
        self, message: str, reason: str, status: int, retry_after: int | None = None
    ) -> None:
        super().__init__(message, reason)
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.message} ({self.status} {self.reason})" if self.status else self.message


# -- finding the server ------------------------------------------------------------------


@dataclass(frozen=True)
class ServerInfo:
    """Where the client talks to: the server's base URL (ending in ``/``) and a token."""

    url: str
    token: str | None
    source: str
    """How it was found: ``"arguments"``, ``"jupyterhub"`` or ``"runtime file <path>"``."""

    def __repr__(self) -> str:  # never show the token
        return f"ServerInfo(url={self.url!r}, source={self.source!r})"


def find_server(
    url: str | None = None,
    token: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike | None = None,
    runtime_dir: str | os.PathLike | None = None,
) -> ServerInfo:
    """Find the Jupyter server to talk to, and its credentials, in this order:

    1. ``url`` (and ``token``) as given;
    2. inside a JupyterHub single-user server: ``$JUPYTERHUB_SERVICE_URL`` (or the server
       at ``$JUPYTERHUB_SERVICE_PREFIX``) with ``$JUPYTERHUB_API_TOKEN``, which belongs to the
       server's owner;
    3. a running server from Jupyter's runtime files (``jupyter server list``): the parent
       of this kernel (``$JPY_PARENT_PID``), else the one whose root directory holds the
       current directory (the deepest, when several do).

    ``environ``, ``cwd`` and ``runtime_dir`` default to this process's.

    :raises APIError: with reason ``server_not_found`` when none fits.
    """
    env = os.environ if environ is None else environ
    if url:
        return ServerInfo(_base_url(url), token, "arguments")
    hub_token = env.get("JUPYTERHUB_API_TOKEN")
    if hub_token:
        service_url = env.get("JUPYTERHUB_SERVICE_URL")
        prefix = env.get("JUPYTERHUB_SERVICE_PREFIX")
        token = token or hub_token
        if service_url:
            return ServerInfo(_base_url(_connectable(service_url)), token, "jupyterhub")
        if prefix:
            for info in _running_servers(runtime_dir):
                if _base_url(info.get("base_url") or "/") == _base_url(prefix):
                    return ServerInfo(_base_url(info["url"]), token, "jupyterhub")
    servers = list(_running_servers(runtime_dir))
    chosen = _server_of_this_kernel(servers, env, Path(cwd or os.getcwd()))
    if chosen is not None:
        return ServerInfo(
            _base_url(chosen["url"]),
            token or chosen.get("token") or None,
            f"runtime file of the server with pid {chosen.get('pid')}",
        )
    running = ", ".join(f"{s['url']} (root {s.get('root_dir')})" for s in servers) or "none"
    raise APIError(
        "No Jupyter server found for this kernel: not inside JupyterHub, and no running "
        f"server's root directory holds {os.fspath(cwd or os.getcwd())!r} (running: "
        f"{running}). Pass the server explicitly: StudySessionClient(url=..., token=...).",
        SERVER_NOT_FOUND_REASON,
        0,
    )


def _base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _connectable(url: str) -> str:
    """A server's bind URL as a client can reach it: ``0.0.0.0`` / ``::`` / empty become
    ``127.0.0.1`` (JupyterHub passes the address the server listens on)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if host in ("", "0.0.0.0", "::"):
        netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts)


def _running_servers(runtime_dir: str | os.PathLike | None) -> Iterator[dict[str, Any]]:
    """The running servers reachable over TCP (not the ones on a UNIX socket)."""
    from jupyter_server.serverapp import list_running_servers

    for info in list_running_servers(os.fspath(runtime_dir) if runtime_dir else None):
        if info.get("url") and not info.get("sock"):
            yield info


def _server_of_this_kernel(
    servers: list[dict[str, Any]], env: Mapping[str, str], cwd: Path
) -> dict[str, Any] | None:
    parent = env.get("JPY_PARENT_PID")
    for info in servers:
        if parent and str(info.get("pid")) == parent:
            return info
    cwd = cwd.resolve()
    holding = []
    for info in servers:
        root = Path(info.get("root_dir") or "/").resolve()
        if cwd == root or root in cwd.parents:
            holding.append((len(root.parts), info))
    if not holding:
        return None
    return max(holding, key=lambda pair: pair[0])[1]


# -- the client --------------------------------------------------------------------------


class StudySessionClient:
    """The REST API of one server, as the user its token belongs to.

    :param url: the server's base URL, such as ``http://127.0.0.1:8888/`` (found when left
        out, see :func:`find_server`)
    :param token: a Jupyter API token; with an explicit ``url`` only this one is used
    :param timeout: seconds to wait for each answer

    The client keeps the server's cookies, so that a server which gives each token login an
    anonymous identity (Jupyter Server's default) sees one user across calls.
    """

    def __init__(self, url: str | None = None, token: str | None = None, *, timeout: float = 30):
        self.server = find_server(url, token)
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.server.url

    def __repr__(self) -> str:
        return f"StudySessionClient(url={self.url!r})"

    # -- the wire --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call ``/studysession/api/<path>`` and return the decoded JSON answer (``None`` when
        empty; the text of a Markdown or SVG file). Every other method goes through here; use
        it for routes they do not cover.

        :raises APIError: for any answer but 2xx, and when the server cannot be reached
        """
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        url = self.url + API_PATH + path.lstrip("/")
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None
        headers = {"Accept": "application/json"}
        if self.server.token:
            headers["Authorization"] = f"token {self.server.token}"
        if body is not None or method in ("POST", "PUT", "PATCH"):
            data = json.dumps(body or {}, default=str).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
                status = response.status
                media_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            raise _error_from(err.code, err.read(), err.headers.get("Retry-After")) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise APIError(
                f"Could not reach the Jupyter server at {self.url}: {reason}",
                NETWORK_ERROR_REASON,
                0,
            ) from None
        if not raw:
            return None
        if media_type.startswith(("text/markdown", "image/svg+xml")):
            return raw.decode("utf-8")
        try:
            return json.loads(raw)
        except ValueError:
            raise APIError(
                "The server sent an answer that is not valid JSON.", INVALID_RESPONSE_REASON, status
            ) from None

    def _call(self, model: type[M], method: str, path: str, body=None, params=None) -> M:
        return model.model_validate(self.request(method, path, body, params))

    # -- you ---------------------------------------------------------------------------------

    def me(self) -> DescribeMe:
        """Who the server says you are, with your course role."""
        return self._call(DescribeMe, "GET", "me")

    # -- sessions --------------------------------------------------------------------------

    def list_sessions(self, **query: Any) -> list[DescribeSession]:
        """Your sessions (invited, joined or left), newest first, every page. Filters:
        ``status``, ``type``, ``role``."""
        sessions: list[DescribeSession] = []
        cursor = None
        while True:
            page = self._call(
                ListSessions, "GET", "sessions", params={**query, "cursor": cursor, "limit": 100}
            )
            sessions.extend(page.items)
            cursor = page.next_cursor
            if not cursor:
                return sessions

    def get_session(self, session_id: str) -> DescribeSession:
        return self._call(DescribeSession, "GET", f"sessions/{_id(session_id)}")

    def create_session(self, title: str, **fields: Any) -> DescribeSession:
        """Create a session that you host. ``fields`` are the other fields of
        ``POST /sessions``: ``type``, ``description``, ``is_public``, ``scheduled_at``,
        ``settings``, ``invite`` (usernames), ..."""
        return self._call(DescribeSession, "POST", "sessions", {"title": title, **fields})

    def join_session(self, session_id: str, invite_token: str | None = None) -> DescribeSession:
        body = {"invite_token": invite_token} if invite_token else {}
        return self._call(DescribeSession, "POST", f"sessions/{_id(session_id)}/join", body)

    def leave_session(self, session_id: str) -> DescribeSession:
        return self._call(DescribeSession, "POST", f"sessions/{_id(session_id)}/leave")

    def start_session(self, session_id: str) -> DescribeSession:
        return self._call(DescribeSession, "POST", f"sessions/{_id(session_id)}/start")

    def end_session(self, session_id: str) -> EndSessionResult:
        """End an active session; returns it with its summary."""
        return self._call(EndSessionResult, "POST", f"sessions/{_id(session_id)}/end")

    def invite(self, session_id: str, usernames: list[str]) -> list[DescribeParticipant]:
        """Invite people (host or co-host); returns every participant, with them invited."""
        body = {"usernames": list(usernames)}
        path = f"sessions/{_id(session_id)}/invites"
        return self._call(ListParticipants, "POST", path, body).items

    def participants(self, session_id: str) -> list[DescribeParticipant]:
        """The session's participants with their role and state."""
        path = f"sessions/{_id(session_id)}/participants"
        return self._call(ListParticipants, "GET", path).items

    # -- the room ----------------------------------------------------------------------------

    def post_message(self, session_id: str, text: str) -> DescribeMessage:
        """Send a chat message (Markdown) to the session's room."""
        path = f"sessions/{_id(session_id)}/messages"
        return self._call(DescribeMessage, "POST", path, {"text": text})

    def messages(
        self, session_id: str, *, limit: int = 50, before: str | None = None
    ) -> ListMessages:
        """A page of the chat history: the newest ``limit`` messages (before ``before``),
        oldest first; ``next_before`` pages further back."""
        path = f"sessions/{_id(session_id)}/messages"
        return self._call(ListMessages, "GET", path, params={"limit": limit, "before": before})

    def goals(self, session_id: str) -> ListGoals:
        return self._call(ListGoals, "GET", f"sessions/{_id(session_id)}/goals")

    def add_goal(self, session_id: str, title: str, description: str = "") -> DescribeGoal:
        path = f"sessions/{_id(session_id)}/goals"
        return self._call(DescribeGoal, "POST", path, {"title": title, "description": description})

    def update_goal(self, session_id: str, goal_id: str, **fields: Any) -> DescribeGoal:
        """Change a goal: ``done=True`` ticks it; also ``title``, ``description``,
        ``position``."""
        path = f"sessions/{_id(session_id)}/goals/{_id(goal_id)}"
        return self._call(DescribeGoal, "PATCH", path, fields)

    def timer(self, session_id: str) -> DescribeTimer:
        """The shared pomodoro timer as of now."""
        return self._call(DescribeTimer, "GET", f"sessions/{_id(session_id)}/timer")

    def notes(self, session_id: str) -> str:
        """The room's shared notes as Markdown: as they are now, or as exported when the
        session ended."""
        return self.request("GET", f"sessions/{_id(session_id)}/docs/notes.md")

    def append_notes(self, session_id: str, text: str) -> str:
        """Append Markdown to the shared notes (everyone editing sees it at once); returns the
        notes after it."""
        path = f"sessions/{_id(session_id)}/docs/notes/append"
        return self._call(DescribeNotes, "POST", path, {"text": text}).markdown

    # -- office hours ------------------------------------------------------------------------

    def list_office_hours(self) -> list[DescribeOfficeHours]:
        return self._call(ListOfficeHours, "GET", "officehours").items

    def queue(self, officehours_id: str) -> DescribeQueue:
        """The help queue: staff see every entry, students their own (``my_entry``)."""
        return self._call(DescribeQueue, "GET", f"officehours/{_id(officehours_id)}/queue")

    def join_queue(
        self, officehours_id: str, question: str, topic: str | None = None
    ) -> DescribeQueueEntry:
        """Join the help queue with a question; returns your entry with its position."""
        body = {"question": question, **({"topic": topic} if topic else {})}
        path = f"officehours/{_id(officehours_id)}/queue"
        return self._call(DescribeQueueEntry, "POST", path, body)

    def leave_queue(self, officehours_id: str) -> DescribeQueueEntry:
        path = f"officehours/{_id(officehours_id)}/queue/me"
        return self._call(DescribeQueueEntry, "DELETE", path)


def _id(value: str) -> str:
    """A path segment: ids are quoted, so that no id can reach another route."""
    return urllib.parse.quote(str(value), safe="")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))


def _error_from(status: int, raw: bytes, retry_after: str | None) -> APIError:
    message = reason = ""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = str(data.get("message") or "")
        reason = str(data.get("reason") or "")
    return APIError(
        message or f"The server answered {status}.",
        reason or "http_error",
        status,
        int(retry_after) if retry_after and retry_after.isdigit() else None,
    )
