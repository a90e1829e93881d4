"""REST: where a session's study notebook lives (the host's server), and may you open it."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import DescribeStudyServer
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class StudyServerHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "The host's server holding the study notebook, and whether you may open it "
            "(participants, staff)",
            DescribeStudyServer,
        )
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.shares.study_server(self.actor, session_id))


default_handlers = [
    (r"/studysession/api/sessions/(?P<session_id>[^/]+)/study-server", StudyServerHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
