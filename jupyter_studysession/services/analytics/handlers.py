"""REST handlers for analytics exports."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ...models import AttendanceExportQuery
from ..base import AUTH_RESOURCE, Operation, StudySessionHandler


class AttendanceExportHandler(StudySessionHandler):
    openapi = {
        "get": Operation(
            "Attendance per student and session as CSV, for sessions that started in "
            "[from, to) (ISO dates or datetimes; instructors)",
            query=AttendanceExportQuery,
            content_type="text/csv",
        )
    }

    @web.authenticated
    @authorized
    async def get(self):
        query = self.parse_query(AttendanceExportQuery)
        chunks = await self.services.analytics.export_attendance(self.actor, query)
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", 'attachment; filename="attendance.csv"')
        for chunk in chunks:
            self.write(chunk)
            await self.flush()
        self.finish()


default_handlers = [(r"/studysession/api/analytics/attendance\.csv", AttendanceExportHandler)]

__all__ = ["AUTH_RESOURCE", "default_handlers"]
