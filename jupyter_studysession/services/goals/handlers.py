"""REST handlers for a session's goals: list, create, change, delete, reorder."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import CreateGoal, DescribeGoal, ListGoals, ReorderGoals, UpdateGoal
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class GoalsHandler(StudySessionHandler):
    openapi = {
        "get": Operation("List a session's goals, in order (participants, staff)", ListGoals),
        "post": Operation(
            "Add a goal at the end (joined participants)",
            DescribeGoal,
            body=CreateGoal,
            status=201,
            idempotent=True,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, session_id):
        self.respond(await self.services.goals.list_goals(self.actor, session_id))

    @web.authenticated
    @authorized
    async def post(self, session_id):
        request, key = self.parse_body(CreateGoal), self.idempotency_key()
        self.respond(
            await self.services.goals.create_goal(self.actor, session_id, request, key), 201
        )


class GoalHandler(StudySessionHandler):
    openapi = {
        "patch": Operation(
            "Rename, tick or move a goal (joined participants)", DescribeGoal, body=UpdateGoal
        ),
        "delete": Operation("Delete a goal (its author, the host or a co-host)", DescribeGoal),
    }

    @web.authenticated
    @authorized
    async def patch(self, session_id, goal_id):
        request = self.parse_body(UpdateGoal)
        self.respond(
            await self.services.goals.update_goal(self.actor, goal_id, request, session_id)
        )

    @web.authenticated
    @authorized
    async def delete(self, session_id, goal_id):
        self.respond(await self.services.goals.delete_goal(self.actor, goal_id, session_id))


class GoalOrderHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Reorder the goals: every goal id once, in the new order (joined participants)",
            ListGoals,
            body=ReorderGoals,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, session_id):
        request = self.parse_body(ReorderGoals)
        self.respond(await self.services.goals.reorder_goals(self.actor, session_id, request))


_goals = r"/studysession/api/sessions/(?P<session_id>[^/]+)/goals"

default_handlers = [
    (_goals, GoalsHandler),
    # before the goal route, so that "order" is never taken for a goal id
    (_goals + "/order", GoalOrderHandler),
    (_goals + r"/(?P<goal_id>[^/]+)", GoalHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
