"""REST handlers for study sessions, their participants and invite links."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import (
    CancelSessionQuery,
    CreateInviteLink,
    CreateSession,
    DescribeInviteLink,
    DescribeParticipant,
    DescribeSession,
    EndSession,
    EndSessionResult,
    InviteUsers,
    JoinSession,
    ListInviteLinks,
    ListParticipants,
    ListSessions,
    ListSessionsQuery,
    PageQuery,
    UpdateParticipant,
    UpdateSession,
)
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class SessionsHandler(StudySessionHandler):
    openapi = {
        "get": Operation("List my sessions", ListSessions, query=ListSessionsQuery),
        "post": Operation(
            "Create a session (you become its host)",
            DescribeSession,
            body=CreateSession,
            status=201,
            idempotent=True,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(ListSessionsQuery)
        self.respond(await self.services.sessions.list_sessions(self.actor, query))

    @web.authenticated
    @authorized
    async def post(self):
        request, key = self.parse_body(CreateSession), self.idempotency_key()
        self.respond(await self.services.sessions.create_session(self.actor, request, key), 201)


class BrowseSessionsHandler(StudySessionHandler):
    openapi = {"get": Operation("Public sessions I can join", ListSessions, query=PageQuery)}

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(PageQuery)
        self.respond(await self.services.sessions.browse_sessions(self.actor, query))


class SessionHistoryHandler(StudySessionHandler):
    openapi = {
        "get": Operation("My ended sessions with their summaries", ListSessions, query=PageQuery)
    }

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(PageQuery)
        self.respond(await self.services.sessions.session_history(self.actor, query))


class SessionHandler(StudySessionHandler):
    openapi = {
        "get": Operation("Describe a session", DescribeSession),
        "patch": Operation(
            "Change a session (host or co-host)", DescribeSession, body=UpdateSession
        ),
        "delete": Operation(
            "Cancel a session that has not started (host); ?scope=following for this and "
            "every later occurrence of its series",
            DescribeSession,
            query=CancelSessionQuery,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.sessions.get_session(self.actor, session_id))

    @web.authenticated
    @authorized
    async def patch(self, session_id):
        request = self.parse_body(UpdateSession)
        self.respond(await self.services.sessions.update_session(self.actor, session_id, request))

    @web.authenticated
    @authorized
    async def delete(self, session_id):
        query = self.parse_query(CancelSessionQuery)
        described = await self.services.sessions.cancel_session(self.actor, session_id, query.scope)
        await self.services.media.end_call(session_id, "session_ended")
        self.respond(described)


class JoinHandler(StudySessionHandler):
    openapi = {"post": Operation("Join a session", DescribeSession, body=JoinSession)}

    @web.authenticated
    @authorized
    async def post(self, session_id):
        request = self.parse_body(JoinSession)
        self.respond(await self.services.participants.join_session(self.actor, session_id, request))


class LeaveHandler(StudySessionHandler):
    openapi = {"post": Operation("Leave a session", DescribeSession)}

    @web.authenticated
    @authorized
    async def post(self, session_id):
        described = await self.services.participants.leave_session(self.actor, session_id)
        await self.services.media.revoke(session_id, self.actor.username, "left_session")
        self.respond(described)


class StartHandler(StudySessionHandler):
    openapi = {"post": Operation("Start a scheduled session (host or co-host)", DescribeSession)}

    @web.authenticated
    @authorized
    async def post(self, session_id):
        self.respond(await self.services.sessions.start_session(self.actor, session_id))


class EndHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "End an active session (host or co-host); a group session may say where it "
            "stopped (`last_place`)",
            EndSessionResult,
            body=EndSession,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, session_id):
        request = self.parse_body(EndSession)
        described = await self.services.sessions.end_session(self.actor, session_id, request)
        await self.services.media.end_call(session_id, "session_ended")
        self.respond(described)


class InvitesHandler(StudySessionHandler):
    openapi = {
        "post": Operation("Invite users (host or co-host)", ListParticipants, body=InviteUsers)
    }

    @web.authenticated
    @authorized
    async def post(self, session_id):
        request = self.parse_body(InviteUsers)
        self.respond(await self.services.participants.invite_users(self.actor, session_id, request))


class InviteLinksHandler(StudySessionHandler):
    openapi = {
        "get": Operation("List invite links (host or co-host)", ListInviteLinks),
        "post": Operation(
            "Create an expiring invite link (host or co-host)",
            DescribeInviteLink,
            body=CreateInviteLink,
            status=201,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.participants.list_invite_links(self.actor, session_id))

    @web.authenticated
    @authorized
    async def post(self, session_id):
        request = self.parse_body(CreateInviteLink)
        link = await self.services.participants.create_invite_link(self.actor, session_id, request)
        self.respond(link, 201)


class InviteLinkHandler(StudySessionHandler):
    openapi = {"delete": Operation("Revoke an invite link (host or co-host)", DescribeInviteLink)}

    @web.authenticated
    @authorized
    async def delete(self, session_id, link_id):
        self.respond(
            await self.services.participants.revoke_invite_link(self.actor, session_id, link_id)
        )


class ParticipantsHandler(StudySessionHandler):
    openapi = {"get": Operation("List a session's participants", ListParticipants)}

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.participants.list_participants(self.actor, session_id))


class ParticipantHandler(StudySessionHandler):
    openapi = {
        "patch": Operation(
            "Promote, demote or remove a participant (host)",
            DescribeParticipant,
            body=UpdateParticipant,
        )
    }

    @web.authenticated
    @authorized
    async def patch(self, session_id, username):
        request = self.parse_body(UpdateParticipant)
        self.respond(
            await self.services.participants.update_participant(
                self.actor, session_id, username, request
            )
        )


_session = r"/studysession/api/sessions/(?P<session_id>[^/]+)"

default_handlers = [
    (r"/studysession/api/sessions", SessionsHandler),
    (r"/studysession/api/sessions/browse", BrowseSessionsHandler),
    (r"/studysession/api/sessions/history", SessionHistoryHandler),
    (_session, SessionHandler),
    (_session + "/join", JoinHandler),
    (_session + "/leave", LeaveHandler),
    (_session + "/start", StartHandler),
    (_session + "/end", EndHandler),
    (_session + "/invites", InvitesHandler),
    (_session + "/invite-links", InviteLinksHandler),
    (_session + r"/invite-links/(?P<link_id>[^/]+)", InviteLinkHandler),
    (_session + "/participants", ParticipantsHandler),
    (_session + r"/participants/(?P<username>[^/]+)", ParticipantHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
