"""Office hours and their help queue: requests, responses and websocket ops."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from ..orm import EntryOutcome, EntryStatus
from .base import AwareDatetime, DescribeUser, Request, Response, kept_when_left_out
from .sessions import Description, Title

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown IANA time zone {name!r}") from err
    return name


def _hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError("must be a time HH:MM (24-hour clock)")
    return value


TimeZoneName = Annotated[str, AfterValidator(_zone)]
ClockTime = Annotated[str, AfterValidator(_hhmm)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
AnnouncementText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
]


class WeeklySlot(Request):
    """Every week on ``weekday`` (0 Monday … 6 Sunday), ``start`` to ``end`` wall-clock time in
    ``timezone``: daylight-saving changes keep the local time."""

    weekday: int = Field(ge=0, le=6)
    start: ClockTime
    end: ClockTime
    timezone: TimeZoneName

    @model_validator(mode="after")
    def _ordered(self) -> WeeklySlot:
        if time.fromisoformat(self.end) <= time.fromisoformat(self.start):
            raise ValueError("end must be after start (on the same day)")
        return self


class OneOffSlot(Request):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> OneOffSlot:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class CreateOfficeHours(Request):
    title: Title
    description: Description = ""
    weekly_slots: list[WeeklySlot] = Field(default_factory=list, max_length=50)
    one_off_slots: list[OneOffSlot] = Field(default_factory=list, max_length=100)


class UpdateOfficeHours(Request):
    """Only the fields given change."""

    title: Title = kept_when_left_out()
    description: Description = kept_when_left_out()
    weekly_slots: list[WeeklySlot] = kept_when_left_out(max_length=50)
    one_off_slots: list[OneOffSlot] = kept_when_left_out(max_length=100)


class DescribeStaffDuty(Response):
    user: DescribeUser
    since: datetime


class DescribeOfficeHours(Response):
    id: str
    title: str
    description: str
    weekly_slots: list[WeeklySlot]
    one_off_slots: list[OneOffSlot]
    is_open: bool
    opened_by_hand: bool | None = Field(
        None, description="True/False while staff's manual open/close overrides the schedule"
    )
    override_until: datetime | None = None
    next_change_at: datetime | None = Field(
        None, description="The next schedule boundary (a slot starting or ending)"
    )
    staff_on_duty: list[DescribeStaffDuty]
    queue_length: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class ListOfficeHours(Response):
    items: list[DescribeOfficeHours]


class SetDuty(Request):
    on_duty: bool


class JoinQueue(Request):
    question: Question
    topic: Topic | None = None


class Estimate(Response):
    """The wait, as a range of minutes (see the README for the formula)."""

    low_minutes: int
    high_minutes: int
    staff_on_duty: int
    samples: int


class DescribeQueueEntry(Response):
    id: str
    officehours_id: str
    user: DescribeUser
    question: str
    topic: str | None
    status: EntryStatus
    position: int | None = Field(None, description="1 is next; None once admitted or finished")
    waiting_minutes: float
    joined_at: datetime
    stepped_out_at: datetime | None
    admitted_at: datetime | None
    admitted_by: str | None
    session_id: str | None
    started_at: datetime | None
    finished_at: datetime | None
    outcome: EntryOutcome | None
    estimate: Estimate | None = None


class DescribeQueue(Response):
    """Staff see every active entry; a student sees only their own (and the length)."""

    officehours_id: str
    is_open: bool
    length: int = Field(description="Entries waiting or stepped out")
    staff_on_duty: int
    entries: list[DescribeQueueEntry]
    my_entry: DescribeQueueEntry | None = None


class AdmitStudents(Request):
    """Nothing: the next student. ``entry_ids``: those entries. ``topic``: every waiting
    entry with that topic (at most ``max_students``), in queue order, into one group room."""

    entry_ids: list[str] | None = Field(None, min_length=1, max_length=20)
    topic: Topic | None = None
    max_students: int = Field(8, ge=1, le=20)

    @model_validator(mode="after")
    def _one_way(self) -> AdmitStudents:
        if self.entry_ids is not None and self.topic is not None:
            raise ValueError("give entry_ids or topic, not both")
        return self


class AdmitResult(Response):
    session_id: str
    entries: list[DescribeQueueEntry]


class FinishEntry(Request):
    outcome: EntryOutcome = EntryOutcome.helped


class CreateAnnouncement(Request):
    text: AnnouncementText


class DescribeAnnouncement(Response):
    officehours_id: str
    text: str
    author: str
    created_at: datetime
    recipients: int


class QueueHistoryQuery(Request):
    from_: AwareDatetime | None = Field(None, alias="from")
    to: AwareDatetime | None = None


# -- websocket ops -----------------------------------------------------------------------


class QueueOp(Request):
    officehours_id: str = Field(min_length=1, max_length=64)


class JoinQueueOp(QueueOp):
    question: Question
    topic: Topic | None = None


class AdmitOp(QueueOp):
    entry_ids: list[str] | None = Field(None, min_length=1, max_length=20)
    topic: Topic | None = None
    max_students: int = Field(8, ge=1, le=20)
