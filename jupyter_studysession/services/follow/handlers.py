"""REST handlers of study notebooks: the follow state of a session, its study notebook, and
"Study this notebook together". The lead and the places go over the websocket (``nav.*``)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import DescribeFollow, DescribeSession, NotebookLocation, StartNotebookSession
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class FollowHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "The study notebook, who leads and their place (participants, staff; the place "
            "for joined participants)",
            DescribeFollow,
        )
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.follow.get_follow(self.actor, session_id))


class StudyNotebookHandler(StudySessionHandler):
    openapi = {
        "put": Operation(
            "Choose the session's study notebook on this server (host, co-hosts)",
            DescribeFollow,
            body=NotebookLocation,
        )
    }

    @web.authenticated
    @authorized
    async def put(self, session_id):
        request = self.parse_body(NotebookLocation)
        self.respond(await self.services.follow.set_notebook(self.actor, session_id, request))


class NotebookSessionsHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Study this notebook together: create and start a session on it, invite people "
            "or a group (anyone)",
            DescribeSession,
            body=StartNotebookSession,
            status=201,
        )
    }

    @web.authenticated
    @authorized
    async def post(self):
        request = self.parse_body(StartNotebookSession)
        session = await self.services.follow.start_notebook_session(self.actor, request)
        self.respond(session, status=201)


_session = r"/studysession/api/sessions/(?P<session_id>[^/]+)"

default_handlers = [
    (_session + "/follow", FollowHandler),
    (_session + "/notebook", StudyNotebookHandler),
    (r"/studysession/api/notebook-sessions", NotebookSessionsHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
