"""``GET /studysession/api/ws``: the one websocket per browser tab. Thin: the hub does the work."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web, websocket

from ..exceptions import StudySessionError
from ..identity import identity_for
from ..services.base import AUTH_RESOURCE, Operation
from .wire import Outgoing, SocketWriter


class RealtimeHandler(
    WebSocketMixin, websocket.WebSocketHandler, ExtensionHandlerMixin, JupyterHandler
):
    """Authenticated (the server's identity) and authorised at connect; the origin is checked
    by :class:`WebSocketMixin` (same host, or the server's allow_origin settings). Each channel
    is authorised again when subscribed.

    **Liveness** comes from websocket pings, which browsers answer without running page code
    (so a background tab whose timers are throttled stays alive): the server pings every third
    of ``presence_timeout_seconds``, every pong keeps the tab's presence and attendance, and a
    socket with no pong for ``presence_timeout_seconds`` is closed at the next ping."""

    auth_resource = AUTH_RESOURCE
    openapi = {
        "get": Operation(
            "The realtime websocket (one per browser tab; protocol in docs/realtime.md)",
            status=101,
        )
    }

    @property
    def services(self):
        return self.settings["studysession"]

    @property
    def ping_interval(self) -> float:
        """Milliseconds between pings (:class:`WebSocketMixin`'s unit)."""
        return self.services.presence.heartbeat_seconds * 1000

    @property
    def ping_timeout(self) -> float:
        """Milliseconds without a pong after which the socket is closed."""
        return self.services.presence.timeout.total_seconds() * 1000

    def on_pong(self, data: bytes) -> None:
        super().on_pong(data)
        connection = getattr(self, "connection", None)
        if connection is not None:
            self.services.hub.alive(connection)

    @property
    def max_message_size(self) -> int:
        # frames over the hub's limit get an error ack; far larger ones close the socket
        return 4 * self.services.hub.max_message_bytes

    @ws_authenticated
    @authorized
    async def get(self, *args, **kwargs):
        try:
            await self.services.open()
        except StudySessionError as err:  # the database is not ready, or in use elsewhere
            raise web.HTTPError(err.status, err.message, reason=err.reason) from err
        self.identity = await identity_for(self.current_user, self.services.role_provider)
        return await super().get(*args, **kwargs)

    def open(self, *args, **kwargs):
        super().open(*args, **kwargs)
        self._attach(self.identity)

    def _attach(self, identity) -> None:
        """Join the hub as ``identity``, writing through one :class:`SocketWriter` (a tab that
        stops reading is closed, to resume with ``since``; replays go at its pace)."""
        self._writer = SocketWriter(self, self.services.send_buffer_bytes)
        self.connection = self.services.hub.connect(identity, self._send, self._writer.backlog)

    def _send(self, message: Outgoing) -> None:
        if not self._writer.write(message.frame, message.text):
            self.connection.closed = True

    async def on_message(self, message):
        await self.services.hub.receive(self.connection, message)

    def on_close(self):
        connection = getattr(self, "connection", None)
        if connection is not None:
            self.services.hub.spawn(self.services.hub.disconnect(connection))


default_handlers = [(r"/studysession/api/ws", RealtimeHandler)]
