"""The shared documents: their websocket (the y-websocket protocol) and their REST side."""

from __future__ import annotations

import json
from http.client import responses

from jupyter_server.auth.decorator import authorized, ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web, websocket

from ...exceptions import NotAuthorized, NotFound, StudySessionError
from ...identity import identity_for
from ...models import AppendNotes, ClearedWhiteboard, DescribeNotes
from ...realtime.wire import SocketWriter
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler
from .protocol import CloseCode
from .room import Frame


class DocumentSocketHandler(
    WebSocketMixin, websocket.WebSocketHandler, ExtensionHandlerMixin, JupyterHandler
):
    """``/sessions/<id>/docs/<name>``: authenticated (the server's identity) and authorised
    before the upgrade; a refused user's socket is opened and closed at once with a code the
    client recognises (4403, 4404), so that y-websocket's provider stops reconnecting."""

    auth_resource = AUTH_RESOURCE
    openapi = {
        "get": Operation(
            "A shared document (notes, whiteboard) over the y-websocket protocol "
            "(participants edit, staff read; docs/room.md)",
            status=101,
        )
    }
    peer = None
    refusal: tuple[int, str] | None = None

    @property
    def services(self):
        return self.settings["studysession"]

    @property
    def max_message_size(self) -> int:
        # over the update limit: closed with 4413 by the room; far over it, by tornado
        return 4 * self.services.docs.limits.max_update_bytes

    @ws_authenticated
    @authorized
    async def get(self, session_id, name):
        if self.request.headers.get("Upgrade", "").lower() != "websocket":
            raise web.HTTPError(
                400, "This is a document's websocket (y-websocket protocol).", reason="websocket"
            )
        try:
            await self.services.open()
        except StudySessionError as err:  # the database is not ready, or in use elsewhere
            raise web.HTTPError(err.status, err.message, reason=err.reason) from err
        self.identity = await identity_for(self.current_user, self.services.role_provider)
        try:
            self.access = await self.services.docs.authorize(self.identity, session_id, name)
        except (NotFound, NotAuthorized) as err:
            code = CloseCode.NOT_FOUND if isinstance(err, NotFound) else CloseCode.FORBIDDEN
            self.refusal = (code, f"{err.reason}: {err.message}"[:120])
        return await super().get(session_id, name)

    def write_error(self, status_code: int, **kwargs) -> None:
        """Refusals before the upgrade are ``{"message", "reason"}``, as everywhere else."""
        error = (kwargs.get("exc_info") or (None, None, None))[1]
        message = getattr(error, "log_message", None) or responses.get(status_code, "Error")
        reason = (getattr(error, "reason", None) or responses.get(status_code, "error")).lower()
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message, "reason": reason.replace(" ", "_")}))

    async def open(self, *args, **kwargs):
        if self.refusal is not None:
            self.close(*self.refusal)
            return
        super().open(*args, **kwargs)
        self._writer = SocketWriter(self, self.services.send_buffer_bytes)
        try:
            self.peer = await self.services.docs.connect(
                self.identity, self.access, self._send, self.close
            )
        except StudySessionError as err:
            self.close(CloseCode.TRY_AGAIN_LATER, f"{err.reason}: {err.message}"[:120])

    def _send(self, message: Frame) -> None:
        """Write the message's shared frame (a peer that stopped reading is closed, to sync
        afresh when it reconnects)."""
        self._writer.write(message.frame, message.payload)

    async def on_message(self, message):
        if self.peer is not None:
            await self.services.docs.receive(self.peer, self.access, message)

    def on_close(self):
        if self.peer is not None:
            self.peer.closed = True
            self.services.docs.disconnect(self.peer, self.access)


class DocumentFileHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "The notes as Markdown (notes.md) or the whiteboard as SVG (whiteboard.svg): as "
            "exported when the session ended, or as they are now (participants, staff)",
            content_type="text/markdown",
        )
    }

    @web.authenticated
    @authorized
    async def get(self, session_id, filename):
        media_type, content = await self.services.docs.export_file(self.actor, session_id, filename)
        self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
        self.finish(content, set_content_type=f"{media_type}; charset=utf-8")


class NotesAppendHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Append Markdown to the shared notes (joined participants, open session)",
            DescribeNotes,
            body=AppendNotes,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, session_id):
        request = self.parse_body(AppendNotes)
        self.respond(await self.services.docs.append_notes(self.actor, session_id, request.text))


class WhiteboardClearHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Clear the whiteboard (the host or a co-host, open session)", ClearedWhiteboard
        )
    }

    @web.authenticated
    @authorized
    async def post(self, session_id):
        removed = await self.services.docs.clear_whiteboard(self.actor, session_id)
        self.respond(ClearedWhiteboard(session_id=session_id, removed=removed))


_docs = r"/studysession/api/sessions/(?P<session_id>[^/]+)/docs"

default_handlers = [
    (_docs + r"/(?P<filename>notes\.md|whiteboard\.svg)", DocumentFileHandler),
    (_docs + r"/notes/append", NotesAppendHandler),
    (_docs + r"/whiteboard/clear", WhiteboardClearHandler),
    (_docs + r"/(?P<name>[^/.]+)", DocumentSocketHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
