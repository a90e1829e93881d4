"""REST handlers for office hours and their help queue."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import (
    AdmitResult,
    AdmitStudents,
    CreateAnnouncement,
    CreateOfficeHours,
    DescribeAnnouncement,
    DescribeOfficeHours,
    DescribeQueue,
    DescribeQueueEntry,
    FinishEntry,
    JoinQueue,
    ListOfficeHours,
    QueueHistoryQuery,
    SetDuty,
    UpdateOfficeHours,
)
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class OfficeHoursListHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "Every office hours of the course, with open state and staff on duty", ListOfficeHours
        ),
        "post": Operation(
            "Create office hours with weekly and one-off slots (instructors, TAs)",
            DescribeOfficeHours,
            body=CreateOfficeHours,
            status=201,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self):
        self.respond(await self.services.officehours.list_officehours(self.actor))

    @web.authenticated
    @authorized
    async def post(self):
        request = self.parse_body(CreateOfficeHours)
        self.respond(await self.services.officehours.create_officehours(self.actor, request), 201)


class OfficeHoursHandler(StudySessionHandler):
    openapi = {
        "get": Operation("One office hours", DescribeOfficeHours),
        "patch": Operation(
            "Change title, description or slots (instructors, TAs)",
            DescribeOfficeHours,
            body=UpdateOfficeHours,
        ),
        "delete": Operation(
            "Delete office hours; the queue history is kept (instructors, TAs)", status=204
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, officehours_id):
        self.respond(await self.services.officehours.get_officehours(self.actor, officehours_id))

    @web.authenticated
    @authorized
    async def patch(self, officehours_id):
        request = self.parse_body(UpdateOfficeHours)
        self.respond(
            await self.services.officehours.update_officehours(self.actor, officehours_id, request)
        )

    @web.authenticated
    @authorized
    async def delete(self, officehours_id):
        await self.services.officehours.delete_officehours(self.actor, officehours_id)
        self.set_status(204)
        self.finish()


class OpenHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Open the queue by hand until the next schedule boundary (instructors, TAs)",
            DescribeOfficeHours,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, officehours_id):
        self.respond(await self.services.officehours.set_open(self.actor, officehours_id, True))


class CloseHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Close the queue by hand until the next schedule boundary (instructors, TAs)",
            DescribeOfficeHours,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, officehours_id):
        self.respond(await self.services.officehours.set_open(self.actor, officehours_id, False))


class DutyHandler(StudySessionHandler):
    openapi = {
        "put": Operation("Go on or off duty (instructors, TAs)", DescribeOfficeHours, body=SetDuty)
    }

    @web.authenticated
    @authorized
    async def put(self, officehours_id):
        request = self.parse_body(SetDuty)
        self.respond(await self.services.officehours.set_duty(self.actor, officehours_id, request))


class QueueHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "The queue: staff see every entry; a student the length and their own entry",
            DescribeQueue,
        ),
        "post": Operation(
            "Join the queue with a question (students)",
            DescribeQueueEntry,
            body=JoinQueue,
            status=201,
        ),
    }

    @web.authenticated
    @authorized
    async def get(self, officehours_id):
        self.respond(await self.services.queue.get_queue(self.actor, officehours_id))

    @web.authenticated
    @authorized
    async def post(self, officehours_id):
        request = self.parse_body(JoinQueue)
        self.respond(await self.services.queue.join_queue(self.actor, officehours_id, request), 201)


class MyEntryHandler(StudySessionHandler):
    openapi = {
        "delete": Operation("Leave the queue (your entry finishes as 'left')", DescribeQueueEntry)
    }

    @web.authenticated
    @authorized
    async def delete(self, officehours_id):
        self.respond(await self.services.queue.leave_queue(self.actor, officehours_id))


class StepOutHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Step out, keeping your place for queue_step_out_minutes", DescribeQueueEntry
        )
    }

    @web.authenticated
    @authorized
    async def post(self, officehours_id):
        self.respond(await self.services.queue.step_out(self.actor, officehours_id))


class ReturnHandler(StudySessionHandler):
    openapi = {"post": Operation("Come back from a step-out", DescribeQueueEntry)}

    @web.authenticated
    @authorized
    async def post(self, officehours_id):
        self.respond(await self.services.queue.return_to_queue(self.actor, officehours_id))


class AdmitHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Admit the next student, chosen entries, or a topic's entries into a private room "
            "(instructors, TAs)",
            AdmitResult,
            body=AdmitStudents,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, officehours_id):
        request = self.parse_body(AdmitStudents)
        self.respond(await self.services.queue.admit(self.actor, officehours_id, request))


class FinishHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Finish an entry with its outcome (instructors, TAs)",
            DescribeQueueEntry,
            body=FinishEntry,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, officehours_id, entry_id):
        request = self.parse_body(FinishEntry)
        self.respond(
            await self.services.queue.finish_entry(self.actor, officehours_id, entry_id, request)
        )


class AnnouncementsHandler(StudySessionHandler):
    openapi = {
        "post": Operation(
            "Announce to everyone in the queue (instructors, TAs)",
            DescribeAnnouncement,
            body=CreateAnnouncement,
            status=201,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, officehours_id):
        request = self.parse_body(CreateAnnouncement)
        self.respond(
            await self.services.officehours.announce(self.actor, officehours_id, request), 201
        )


class HistoryHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "The queue history as CSV; query from= and to= (ISO 8601, on joined_at) "
            "(instructors, TAs)",
            content_type="text/csv",
        )
    }

    @web.authenticated
    @authorized
    async def get(self, officehours_id):
        query = self.parse_query(QueueHistoryQuery)
        text = await self.services.officehours.export_history(self.actor, officehours_id, query)
        self.set_header("Content-Disposition", f'attachment; filename="queue-{officehours_id}.csv"')
        self.finish(text, set_content_type="text/csv; charset=utf-8")


_officehours = r"/studysession/api/officehours"
_one = _officehours + r"/(?P<officehours_id>[^/]+)"

default_handlers = [
    (_officehours, OfficeHoursListHandler),
    (_one, OfficeHoursHandler),
    (_one + r"/open", OpenHandler),
    (_one + r"/close", CloseHandler),
    (_one + r"/duty", DutyHandler),
    (_one + r"/queue", QueueHandler),
    (_one + r"/queue/me", MyEntryHandler),
    (_one + r"/queue/me/step-out", StepOutHandler),
    (_one + r"/queue/me/return", ReturnHandler),
    (_one + r"/admit", AdmitHandler),
    (_one + r"/queue/(?P<entry_id>[^/]+)/finish", FinishHandler),
    (_one + r"/announcements", AnnouncementsHandler),
    (_one + r"/history\.csv", HistoryHandler),
]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
