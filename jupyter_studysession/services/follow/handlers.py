"""REST handlers of study notebooks: the follow state of a session, its study notebook, and
"Study this notebook together". The lead and the places go over the websocket (``nav.*``).

The ``visitors/<name>/...`` routes are asked by a host's server for a visitor of that server
(a participant following there): read only, see :mod:`.visits`."""

from __future__ import annotations

from functools import partial

from jupyter_server.auth.decorator import authorized, ws_authenticated
from tornado import web

from ...exceptions import StudySessionError
from ...identity import identity_for
from ...models import (
    DescribeFollow,
    DescribeSession,
    ListVisits,
    NotebookLocation,
    StartNotebookSession,
)
from ...realtime.handlers import RealtimeHandler
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


class VisitsHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "The active sessions the caller hosts that the visitor joined, with their study "
            "notebook (asked by the host's server for a visitor)",
            ListVisits,
        )
    }

    @web.authenticated
    @authorized
    async def get(self, visitor):
        self.respond(await self.services.visits.list_visits(self.actor, visitor))


class VisitFollowHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "The follow state as the visitor sees it, never with the lead (asked by the "
            "host's server, for a session its owner hosts and the visitor joined)",
            DescribeFollow,
        )
    }

    @web.authenticated
    @authorized
    async def get(self, visitor, session_id):
        self.respond(await self.services.visits.get_follow(self.actor, visitor, session_id))


class VisitRealtimeHandler(RealtimeHandler):
    """The realtime websocket of a visitor, opened by the host's server: as the visitor, read
    only, for ``follow:<id>`` of the sessions the caller hosts and the visitor joined."""

    openapi = {
        "get": Operation(
            "A visitor's read-only realtime websocket (subscribe to follow:<id> only)",
            status=101,
        )
    }

    @ws_authenticated
    @authorized
    async def get(self, visitor):
        try:
            await self.services.open()
            self.visitor = await self.services.visits.visitor(visitor)
        except StudySessionError as err:
            raise web.HTTPError(err.status, err.message, reason=err.reason) from err
        self.identity = await identity_for(self.current_user, self.services.role_provider)
        return await super(RealtimeHandler, self).get(visitor)

    def open(self, *args, **kwargs):
        super(RealtimeHandler, self).open(*args, **kwargs)
        self._attach(self.visitor)
        rule = self.services.visits.relay_rule
        self.connection.relay = partial(rule, self.identity, self.visitor)


_session = r"/studysession/api/sessions/(?P<session_id>[^/]+)"
_visitor = r"/studysession/api/visitors/(?P<visitor>[^/]+)"

default_handlers = [
    (_visitor + "/ws", VisitRealtimeHandler),
    (_visitor + "/sessions", VisitsHandler),
    (_visitor + r"/sessions/(?P<session_id>[^/]+)/follow", VisitFollowHandler),
    (_session + "/follow", FollowHandler),
    (_session + "/notebook", StudyNotebookHandler),
    (r"/studysession/api/notebook-sessions", NotebookSessionsHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
