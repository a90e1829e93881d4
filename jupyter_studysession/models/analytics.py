"""Models of the analytics exports."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated

from pydantic import BeforeValidator, Field, TypeAdapter, model_validator

from .base import AwareDatetime, Request, within_years

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


_DATETIME = TypeAdapter(AwareDatetime)


def _date_or_datetime(value):
    """``2026-03-02`` is a date (a whole UTC day); anything else must be a datetime with a
    time zone."""
    if isinstance(value, str) and _DATE.match(value.strip()):
        return within_years(date.fromisoformat(value.strip()))
    if isinstance(value, date) and not isinstance(value, datetime):
        return within_years(value)
    return _DATETIME.validate_python(value)


DateOrDatetime = Annotated[datetime | date, BeforeValidator(_date_or_datetime)]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


class AttendanceExportQuery(Request):
    """``from`` and ``to`` (both optional) bound the sessions' ``started_at``: ``[from, to)``.
    A date is a whole UTC day, so ``from=2026-03-02&to=2026-03-08`` covers both days."""

    from_: DateOrDatetime | None = Field(
        None,
        alias="from",
        description="Sessions that started at or after this (ISO date or datetime with zone).",
    )
    to: DateOrDatetime | None = Field(
        None,
        description="Sessions that started before this; a date includes that whole day.",
    )

    @property
    def start(self) -> datetime | None:
        value = self.from_
        if value is None or isinstance(value, datetime):
            return value
        return _start_of(value)

    @property
    def end(self) -> datetime | None:
        value = self.to
        if value is None or isinstance(value, datetime):
            return value
        return _start_of(value) + timedelta(days=1)

    @model_validator(mode="after")
    def _ordered(self) -> AttendanceExportQuery:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("'to' must be after 'from'")
        return self
