"""The shared building blocks of the request and response models."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
)

from ..identity import CourseRole


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone, e.g. 2026-01-31T14:00:00Z")
    return value.astimezone(timezone.utc)


AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
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
