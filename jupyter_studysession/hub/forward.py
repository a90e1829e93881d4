"""The study API on a student's own single-user server, forwarded to the course's study service.

When ``c.StudySessionApp.service_url`` is set (for example through the spawner's environment,
``JUPYTER_STUDYSESSION_SERVICE_URL``), the extension keeps no database of its own: every request
under ``studysession/api/`` (REST and websockets) is sent on to the study service with this
server's own hub API token (``$JUPYTERHUB_API_TOKEN``). The service asks the hub whose token it is,
so the student's identity is proven by the hub; nothing the student's browser sends (headers,
cookies, its own token) is passed on. Only the server's owner may use it as themselves: a
visitor who was given access to this server (a share: a participant following the host through
the study notebook) would otherwise act as the owner. A visitor gets three read-only routes,
sent to the service's ``visitors/<visitor>/...`` with the visitor named (:func:`route`): the
sessions they may follow here, a session's follow state, and a realtime websocket that may only
subscribe to those sessions' ``follow:<id>``. The service checks that this server's owner hosts
the session and that the visitor joined it. Everything else is 403 ``not_server_owner``.

The token needs the scope ``access:services!service=<service name>``
(``c.Spawner.server_token_scopes``); see ``docs/hub.md``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import urllib.parse
from dataclasses import dataclass

from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web, websocket
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from ..exceptions import NotAuthorized, StudySessionError
from ..services.base import AUTH_RESOURCE, StudySessionHandler
from ..services.follow.notebooks import ContentsNotebooks

REQUEST_HEADERS = ("Content-Type", "Accept")
"""The only request headers passed on; everything else (cookies, ``Authorization``, any
``X-Forwarded-*`` or made-up identity header) stays on the student's server."""
RESPONSE_HEADERS = ("Content-Type", "Retry-After", "Content-Disposition", "Cache-Control")
DROPPED_QUERY = ("token", "_xsrf")
SETTINGS_KEY = "studysession_upstream"
MAX_MESSAGE_BYTES = 4 * 64 * 1024


class ServiceUnavailable(StudySessionError):
    status = 502
    reason = "service_unavailable"


@dataclass(frozen=True)
class Upstream:
    """Where the study service is, and how this server proves who its owner is."""

    url: str  # the service's base URL, ending in "/", e.g. http://127.0.0.1:10101/services/study/
    token: str  # this server's hub API token ($JUPYTERHUB_API_TOKEN)
    owner: str  # the hub user this server belongs to ($JUPYTERHUB_USER)
    timeout_seconds: float = 30

    @classmethod
    def from_environment(cls, url: str) -> Upstream:
        token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
        owner = os.environ.get("JUPYTERHUB_USER", "")
        if not (token and owner):
            raise ValueError(
                "c.StudySessionApp.service_url is set, but this server does not run under "
                "JupyterHub ($JUPYTERHUB_API_TOKEN and $JUPYTERHUB_USER are missing): the "
                "study service could not tell who is asking."
            )
        return cls(url.rstrip("/") + "/", token, owner)

    def target(self, path: str, query: dict[str, list[bytes]], scheme: str = "http") -> str:
        """The service URL of ``studysession/api/<path>``, without auth parameters."""
        kept = [
            (name, value.decode("utf-8", "replace"))
            for name, values in query.items()
            if name not in DROPPED_QUERY
            for value in values
        ]
        url = self.url + "studysession/api/" + path
        if kept:
            url += "?" + urllib.parse.urlencode(kept)
        if scheme == "ws":
            url = "ws" + url[len("http") :]
        return url

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


VISITOR_ROUTES = (
    ("GET", re.compile(r"visits"), "sessions"),
    ("GET", re.compile(r"sessions/([^/]+)/follow"), r"sessions/\1/follow"),
    ("WS", re.compile(r"ws"), "ws"),
)
"""What a visitor of this server may ask, and where it goes under ``visitors/<visitor>/``."""

NOTEBOOK_FIELDS = (
    ("PUT", re.compile(r"sessions/[^/]+/notebook"), "path"),
    ("POST", re.compile(r"notebook-sessions"), "notebook_path"),
)
"""Requests that name a study notebook, and the body field that does: the notebook is on this
server (the host's), so it is checked here, by this server's contents manager, before the
request goes on (the service, with ``c.HubShares.enabled``, only normalises the path)."""


def route(upstream: Upstream, username: str, method: str, path: str) -> str:
    """The service path for ``method path`` asked by ``username`` on this server: the same
    for its owner; for a visitor one of :data:`VISITOR_ROUTES`, else 403."""
    if username == upstream.owner:
        return path
    for allowed, pattern, target in VISITOR_ROUTES:
        if method == allowed and pattern.fullmatch(path):
            visitor = urllib.parse.quote(username, safe="")
            return f"visitors/{visitor}/" + pattern.sub(target, path)
    raise NotAuthorized(
        f"The Study panel works on your own server; this one belongs to {upstream.owner}. "
        "Here you can follow the study notebook of a session you joined.",
        "not_server_owner",
    )


class ForwardHandler(StudySessionHandler):
    """REST: the same method, path, query and body, answered with the service's answer."""

    async def prepare(self):
        await APIHandler.prepare(self)  # identity only: there is no database here

    @property
    def upstream(self) -> Upstream:
        return self.settings[SETTINGS_KEY]

    async def _forward(self, path: str) -> None:
        path = route(self.upstream, self.current_user.username, self.request.method, path)
        await self._check_notebook(path)
        headers = dict(self.upstream.headers)
        for name in REQUEST_HEADERS:
            if name in self.request.headers:
                headers[name] = self.request.headers[name]
        method = self.request.method
        request = HTTPRequest(
            self.upstream.target(path, self.request.query_arguments),
            method=method,
            headers=headers,
            body=self.request.body if method in ("POST", "PUT", "PATCH") else None,
            allow_nonstandard_methods=True,
            follow_redirects=False,
            request_timeout=self.upstream.timeout_seconds,
        )
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except OSError as err:
            self.log.warning("Study service %s unreachable: %s", self.upstream.url, err)
            raise ServiceUnavailable("The course's study service cannot be reached.") from err
        if response.code == 599:
            self.log.warning("Study service %s: %s", self.upstream.url, response.error)
            raise ServiceUnavailable("The course's study service did not answer.")
        self.set_status(response.code, response.reason)
        for name in RESPONSE_HEADERS:
            if name in response.headers:
                self.set_header(name, response.headers[name])
        if response.code in (204, 304):
            self.finish()
        else:
            self.finish(response.body)

    async def _check_notebook(self, path: str) -> None:
        """400/404 for a study notebook that is not a notebook on this server."""
        for method, pattern, name in NOTEBOOK_FIELDS:
            if self.request.method == method and pattern.fullmatch(path):
                try:
                    notebook = json.loads(self.request.body or b"{}").get(name)
                except (ValueError, AttributeError):
                    return  # the service answers what is wrong with the body
                if isinstance(notebook, str):
                    await ContentsNotebooks(self.contents_manager).check(notebook)

    @web.authenticated
    @authorized  # the action (read, write) comes from the request's method
    async def get(self, path):
        await self._forward(path)

    post = put = patch = delete = get


class ForwardWebSocketHandler(
    WebSocketMixin, websocket.WebSocketHandler, ExtensionHandlerMixin, JupyterHandler
):
    """A websocket (the realtime connection, a CRDT room) joined to one at the service.

    The service's connection is opened before this one is accepted, so a refusal there (403,
    404) is this connection's refusal too; when either side closes, so does the other."""

    auth_resource = AUTH_RESOURCE
    upstream_connection: websocket.WebSocketClientConnection | None = None

    @property
    def max_message_size(self) -> int:
        return MAX_MESSAGE_BYTES

    @ws_authenticated
    @authorized
    async def get(self, path, *args, **kwargs):
        upstream: Upstream = self.settings[SETTINGS_KEY]
        try:
            target = route(upstream, self.current_user.username, "WS", path)
        except NotAuthorized as err:
            raise web.HTTPError(403, err.message) from err
        request = HTTPRequest(
            upstream.target(target, self.request.query_arguments, scheme="ws"),
            headers=upstream.headers,
            request_timeout=upstream.timeout_seconds,
        )
        try:
            self.upstream_connection = await websocket.websocket_connect(
                request, max_message_size=MAX_MESSAGE_BYTES
            )
        except HTTPClientError as err:
            raise web.HTTPError(err.code if err.code != 599 else 502) from err
        except OSError as err:
            self.log.warning("Study service %s unreachable: %s", upstream.url, err)
            raise web.HTTPError(502, "The course's study service cannot be reached.") from err
        return await super().get(path, *args, **kwargs)

    def open(self, *args, **kwargs):
        super().open(*args, **kwargs)
        self._pump = asyncio.ensure_future(self._from_service())
        self._pump.add_done_callback(self._pump_done)

    def _pump_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.log.error("Study service websocket: forwarding failed", exc_info=task.exception())
            self.close()

    async def _from_service(self) -> None:
        connection = self.upstream_connection
        while True:
            message = await connection.read_message()
            if message is None:  # the service closed it
                self.close(connection.close_code, connection.close_reason)
                return
            try:
                await self.write_message(message, binary=isinstance(message, bytes))
            except websocket.WebSocketClosedError:
                connection.close()
                return

    async def on_message(self, message):
        try:
            await self.upstream_connection.write_message(message, binary=isinstance(message, bytes))
        except websocket.WebSocketClosedError:
            self.close()

    def on_close(self):
        if self.upstream_connection is not None:
            self.upstream_connection.close()


# websockets first: the service's websocket routes (the realtime connection, CRDT rooms)
default_handlers = [
    (r"/studysession/api/(ws)", ForwardWebSocketHandler),
    (r"/studysession/api/(sessions/[^/]+/docs/[^/]+)", ForwardWebSocketHandler),
    (r"/studysession/api/(.*)", ForwardHandler),
]
