"""REST handlers for study groups: groups, members, invitations, last place and sessions.
(Group chat is served by the chat handlers, group presence by the presence handlers.)"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import (
    CreateGroup,
    CreateGroupSession,
    CreateInviteLink,
    DescribeGroup,
    DescribeGroupInviteLink,
    DescribeGroupMember,
    DescribeSession,
    InviteUsers,
    JoinGroup,
    ListGroupInviteLinks,
    ListGroupMembers,
    ListGroups,
    ListGroupsQuery,
    ListSessions,
    PageQuery,
    SetLastPlace,
    StartGroupSession,
    UpdateGroup,
    UpdateGroupMember,
)
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class GroupsHandler(StudySessionHandler):
    openapi = {
        "get": Operation("My study groups (joined or invited)", ListGroups, query=ListGroupsQuery),
        "post": Operation(
            "Create a study group (you become its admin)",
            DescribeGroup,
            body=CreateGroup,
            status=201,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(ListGroupsQuery)
        self.respond(await self.services.groups.list_groups(self.actor, query))

    @web.authenticated
    @authorized
    async def post(self):
        request = self.parse_body(CreateGroup)
        self.respond(await self.services.groups.create_group(self.actor, request), 201)


class BrowseGroupsHandler(StudySessionHandler):
    openapi = {
        "get": Operation("Public groups I have not joined", ListGroups, query=ListGroupsQuery)
    }

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(ListGroupsQuery)
        self.respond(await self.services.groups.browse_groups(self.actor, query))


class GroupHandler(StudySessionHandler):
    openapi = {
        "get": Operation("Describe a group, with its last place", DescribeGroup),
        "patch": Operation("Change a group (admins)", DescribeGroup, body=UpdateGroup),
        "delete": Operation("Delete a group (admins)", DescribeGroup),
    }

    @web.authenticated
    @authorized
    async def get(self, group_id):
        self.respond(await self.services.groups.get_group(self.actor, group_id))

    @web.authenticated
    @authorized
    async def patch(self, group_id):
        request = self.parse_body(UpdateGroup)
        self.respond(await self.services.groups.update_group(self.actor, group_id, request))

    @web.authenticated
    @authorized
    async def delete(self, group_id):
        self.respond(await self.services.groups.delete_group(self.actor, group_id))


class JoinGroupHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Join a public group, one you were invited to, or with an invite_token",
            DescribeGroup,
            body=JoinGroup,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, group_id):
        request = self.parse_body(JoinGroup)
        self.respond(await self.services.groups.join_group(self.actor, group_id, request))


class LeaveGroupHandler(StudySessionHandler):
    openapi = {"post": Operation("Leave a group (or decline its invitation)", DescribeGroup)}

    @web.authenticated
    @authorized
    async def post(self, group_id):
        self.respond(await self.services.groups.leave_group(self.actor, group_id))


class GroupMembersHandler(StudySessionHandler):
    openapi = {"get": Operation("A group's members and invitees", ListGroupMembers)}

    @web.authenticated
    @authorized
    async def get(self, group_id):
        self.respond(await self.services.groups.list_members(self.actor, group_id))


class GroupMemberHandler(StudySessionHandler):
    openapi = {
        "patch": Operation(
            "Promote a member to admin or demote an admin (admins)",
            DescribeGroupMember,
            body=UpdateGroupMember,
        ),
        "delete": Operation(
            "Remove a member or withdraw an invitation (admins)", DescribeGroupMember
        ),
    }

    @web.authenticated
    @authorized
    async def patch(self, group_id, username):
        request = self.parse_body(UpdateGroupMember)
        self.respond(
            await self.services.groups.update_member(self.actor, group_id, username, request)
        )

    @web.authenticated
    @authorized
    async def delete(self, group_id, username):
        self.respond(await self.services.groups.remove_member(self.actor, group_id, username))


class GroupInvitesHandler(StudySessionHandler):
    openapi = {"post": Operation("Invite users (admins)", ListGroupMembers, body=InviteUsers)}

    @web.authenticated
    @authorized
    async def post(self, group_id):
        request = self.parse_body(InviteUsers)
        self.respond(await self.services.groups.invite_users(self.actor, group_id, request))


class GroupInviteLinksHandler(StudySessionHandler):
    openapi = {
        "get": Operation("The group's invite links (admins)", ListGroupInviteLinks),
        "post": Operation(
            "Create an expiring invite link (admins); the token is returned only now",
            DescribeGroupInviteLink,
            body=CreateInviteLink,
            status=201,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, group_id):
        self.respond(await self.services.groups.list_invite_links(self.actor, group_id))

    @web.authenticated
    @authorized
    async def post(self, group_id):
        request = self.parse_body(CreateInviteLink)
        self.respond(
            await self.services.groups.create_invite_link(self.actor, group_id, request), 201
        )


class GroupInviteLinkHandler(StudySessionHandler):
    openapi = {"delete": Operation("Revoke an invite link (admins)", DescribeGroupInviteLink)}

    @web.authenticated
    @authorized
    async def delete(self, group_id, link_id):
        self.respond(await self.services.groups.revoke_invite_link(self.actor, group_id, link_id))


class LastPlaceHandler(StudySessionHandler):
    openapi = {
        "put": Operation(
            "Set where the group got to: notebook_path, section, cell (members)",
            DescribeGroup,
            body=SetLastPlace,
        )
    }

    @web.authenticated
    @authorized
    async def put(self, group_id):
        request = self.parse_body(SetLastPlace)
        self.respond(await self.services.groups.set_last_place(self.actor, group_id, request))


class GroupSessionsHandler(StudySessionHandler):
    openapi = {
        "get": Operation("The group's sessions (members, staff)", ListSessions, query=PageQuery),
        "post": Operation(
            "Schedule a group session (members): you host, every member is invited",
            DescribeSession,
            body=CreateGroupSession,
            status=201,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, group_id):
        query = self.parse_query(PageQuery)
        self.respond(
            await self.services.group_sessions.list_group_sessions(self.actor, group_id, query)
        )

    @web.authenticated
    @authorized
    async def post(self, group_id):
        request = self.parse_body(CreateGroupSession)
        self.respond(
            await self.services.group_sessions.schedule_group_session(
                self.actor, group_id, request
            ),
            201,
        )


class StartGroupSessionHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Start a group session now (members): active, you host; 409 while one is active",
            DescribeSession,
            body=StartGroupSession,
            status=201,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, group_id):
        request = self.parse_body(StartGroupSession)
        self.respond(
            await self.services.group_sessions.start_group_session(self.actor, group_id, request),
            201,
        )


_group = r"/studysession/api/groups/(?P<group_id>[^/]+)"

default_handlers = [
    (r"/studysession/api/groups", GroupsHandler),
    (r"/studysession/api/groups/browse", BrowseGroupsHandler),
    (_group, GroupHandler),
    (_group + "/join", JoinGroupHandler),
    (_group + "/leave", LeaveGroupHandler),
    (_group + "/members", GroupMembersHandler),
    (_group + r"/members/(?P<username>[^/]+)", GroupMemberHandler),
    (_group + "/invites", GroupInvitesHandler),
    (_group + "/invite-links", GroupInviteLinksHandler),
    (_group + r"/invite-links/(?P<link_id>[^/]+)", GroupInviteLinkHandler),
    (_group + "/last-place", LastPlaceHandler),
    (_group + "/sessions", GroupSessionsHandler),
    (_group + "/sessions/now", StartGroupSessionHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
