"""Domain errors. Managers raise them; the base handler maps them to HTTP in one place."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class StudySessionError(Exception):
    """Base class. ``reason`` is a stable, machine-readable code; the message is for people.

    ``details`` are more fields of the error body, for clients to word the error their own
    way: a time the error is about goes there (``opens_at=...``), never into the message,
    so that the UI can say it in the user's locale and time zone.
    """

    status = 400
    reason = "bad_request"

    def __init__(self, message: str, reason: str | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.details = details

    def json_details(self) -> dict[str, Any]:
        """``details`` as JSON values: times in ISO 8601 (UTC, as everywhere on the wire)."""
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in self.details.items()
        }


class InvalidInput(StudySessionError):
    status = 400
    reason = "invalid_input"

    @classmethod
    def from_validation(cls, err) -> InvalidInput:
        """From a pydantic ``ValidationError``: the message names the fields, e.g.
        ``"title: String should have at least 1 character"``."""
        parts = []
        for error in err.errors()[:5]:
            field = ".".join(str(p) for p in error["loc"]) or "body"
            parts.append(f"{field}: {error['msg']}")
        return cls("; ".join(parts))


class TooLarge(StudySessionError):
    status = 413
    reason = "too_large"

    def __init__(self, message: str):
        super().__init__(message)


class NotAuthorized(StudySessionError):
    status = 403
    reason = "forbidden"


class NotFound(StudySessionError):
    status = 404
    reason = "not_found"


class Conflict(StudySessionError):
    status = 409
    reason = "conflict"


class RateLimited(StudySessionError):
    status = 429
    reason = "rate_limited"

    def __init__(self, message: str, retry_after: int, reason: str | None = None):
        super().__init__(message, reason)
        self.retry_after = max(1, int(retry_after))


class DatabaseNotReady(StudySessionError):
    """The database schema is missing or older than this version of the package."""

    status = 503
    reason = "database_not_ready"


class DatabaseInUse(DatabaseNotReady):
    """Another server process uses this SQLite file without a shared bus."""

    reason = "database_in_use"


class BusUnavailable(StudySessionError):
    """Redis (the shared bus and presence store) cannot be reached right now: a read that
    needs it answers 503; a committed write is still acknowledged (see docs/guarantees.md)."""

    status = 503
    reason = "bus_unavailable"
    default_message = "Redis (the realtime bus) cannot be reached right now; try again shortly."


class DatabaseUnavailable(StudySessionError):
    """The connection to the database dropped during the request (the database restarted,
    an administrator ended it). Nothing of the request was committed unless it says
    otherwise; retry it (with its idempotency key, if it creates something)."""

    status = 503
    reason = "database_unavailable"
    default_message = "The connection to the database was lost; try again."


def outage(err: BaseException) -> StudySessionError | None:
    """``err`` as a 503 if it says a part the server relies on cannot be reached right now
    (Redis away, a database connection cut); None for any other error. The REST handlers
    and the websocket answer these as 503 ``{message, reason}``, never as a 500."""
    if isinstance(err, BusUnavailable | DatabaseUnavailable):
        return err
    from sqlalchemy.exc import DBAPIError

    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return DatabaseUnavailable(DatabaseUnavailable.default_message)
    try:
        from redis.exceptions import ConnectionError, TimeoutError
    except ImportError:  # the scale extra is not installed: no Redis in use
        return None
    if isinstance(err, ConnectionError | TimeoutError):
        return BusUnavailable(BusUnavailable.default_message)
    return None
