"""The shared building blocks of the request and response models."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from ..identity import CourseRole

YEARS = (2000, 2100)
"""Every date and time a client sends falls in these years (inclusive): far enough for any
course, near enough that adding durations and building calendars cannot overflow."""


def within_years(value: date) -> date:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"must be in the years {YEARS[0]} to {YEARS[1]}")
    return value


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone, e.g. 2026-01-31T14:00:00Z")
    return within_years(value.astimezone(timezone.utc))


AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
BoundedDate = Annotated[date, AfterValidator(within_years)]


def _no_default(schema: dict) -> None:
    schema.pop("default", None)  # left out means unchanged; null is not a value


def kept_when_left_out(**field: Any) -> Any:
    """A field of a change (``Update*``): left out, the value stays as it is; ``null`` is
    refused (400) unless the field's type allows it. Declare it with its real type:
    ``title: Title = kept_when_left_out()``."""
    return Field(None, json_schema_extra=_no_default, **field)


Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class Request(BaseModel):
    """Requests reject unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- people -----------------------------------------------------------------------------


class DescribeUser(Response):
    username: str
    display_name: str
    initials: str | None = None
    color: str | None = None
    avatar_url: str | None = None


class DescribeMe(DescribeUser):
    course_role: CourseRole
