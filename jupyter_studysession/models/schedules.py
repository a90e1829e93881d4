"""Models of schedules: recurrence rules, edit scopes and calendar feed tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from .base import BoundedDate, Request, Response


class Weekday(str, enum.Enum):
    MO = "MO"
    TU = "TU"
    WE = "WE"
    TH = "TH"
    FR = "FR"
    SA = "SA"
    SU = "SU"


class Frequency(str, enum.Enum):
    weekly = "weekly"


class Recurrence(Request):
    """How a session recurs, from its ``scheduled_at`` on, at the same wall-clock time in
    ``timezone`` (daylight-saving changes keep 14:00 at 14:00).

    Either the restricted shape (``freq``, ``by_weekday``, ``interval``, ``until`` or
    ``count``) or ``rrule``: a raw RFC 5545 RRULE (DAILY, WEEKLY or MONTHLY; no DTSTART, no
    BYHOUR/BYMINUTE/BYSECOND), validated by the server."""

    timezone: str = Field(
        min_length=1, max_length=64, description="IANA time zone, e.g. Europe/Berlin."
    )
    freq: Frequency = Frequency.weekly
    by_weekday: list[Weekday] = Field(
        default_factory=list,
        max_length=7,
        description="Days of the week; default: the weekday of scheduled_at.",
    )
    interval: int = Field(1, ge=1, le=52, description="Every n weeks.")
    until: BoundedDate | None = Field(
        None, description="Last day (inclusive, in the time zone) an occurrence may fall on."
    )
    count: int | None = Field(None, ge=1, le=500, description="Number of occurrences.")
    rrule: str | None = Field(
        None,
        max_length=500,
        description="A raw RRULE instead of the fields above, e.g. "
        "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from err
        return value

    @model_validator(mode="after")
    def _one_shape(self) -> Recurrence:
        if self.until is not None and self.count is not None:
            raise ValueError("give until or count, not both")
        if self.rrule is not None and (
            self.by_weekday or self.until or self.count or self.interval != 1
        ):
            raise ValueError("give either rrule or freq/by_weekday/interval/until/count")
        return self


class Scope(str, enum.Enum):
    """Which occurrences of a series a change applies to."""

    this = "this"
    following = "following"


class CancelSessionQuery(Request):
    scope: Scope = Field(
        Scope.this,
        description="For an occurrence of a series: this one, or this and all following.",
    )


class DescribeCalendarToken(Response):
    created_at: datetime
    token: str | None = Field(None, description="Only returned once, when it is created.")
    url: str | None = Field(
        None, description="The feed URL to give a calendar program; only returned once."
    )


class RevokedCalendarToken(Response):
    revoked: bool
