"""Models of people: suggestions of whom to invite."""

from __future__ import annotations

from pydantic import Field

from .base import DescribeUser, Request, Response


class SuggestUsersQuery(Request):
    q: str = Field(
        "",
        max_length=100,
        description="Part of a username or display name (any case); empty: everyone.",
    )
    limit: int = Field(8, ge=1, le=20)


class DescribeUserSuggestion(Response):
    user: DescribeUser
    shared_sessions: int = Field(description="Sessions you were both members of.")
    shared_groups: int = Field(description="Study groups you are both in.")


class ListUserSuggestions(Response):
    items: list[DescribeUserSuggestion]
