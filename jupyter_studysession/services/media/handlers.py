"""REST handlers for a session's call: its state, its recordings, and their files."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import DescribeCall, ListRecordings
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler

CHUNK = 1 << 20


class CallHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "Who is in the session's call, with microphone, camera and share states, and the "
            "recording in progress (participants, staff)",
            DescribeCall,
        )
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.media.describe_call(self.actor, session_id))


class RecordingsHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "The session's recordings, with their length and files (participants, staff)",
            ListRecordings,
        )
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.media.archive.list_recordings(self.actor, session_id))


class RecordingFileHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "Download one file of a recording, WebM (the session's host, course staff)",
            content_type="video/webm",
        )
    }

    @web.authenticated
    @authorized
    async def get(self, session_id, recording_id, name):
        path = await self.services.media.archive.recording_file(
            self.actor, session_id, recording_id, name
        )
        self.set_header("Content-Type", "video/webm")
        self.set_header("Content-Disposition", f'attachment; filename="{path.name}"')
        self.set_header("Content-Length", str(path.stat().st_size))
        with path.open("rb") as file:
            while chunk := file.read(CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish()


_session = r"/studysession/api/sessions/(?P<session_id>[^/]+)"

default_handlers = [
    (_session + "/call", CallHandler),
    (_session + "/recordings", RecordingsHandler),
    (
        _session + r"/recordings/(?P<recording_id>[^/]+)/files/(?P<name>[^/]+)",
        RecordingFileHandler,
    ),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
