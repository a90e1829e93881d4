"""Time, in one place, so that tests can control it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


class Clock:
    """The wall clock. Managers ask it for the time instead of calling ``datetime.now``."""

    def now(self) -> datetime:
        return utcnow()


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, simulations, demo data)."""

    def __init__(self, start: datetime | None = None):
        self._now = start or utcnow()

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self._now = when

    def advance(self, **delta: float) -> datetime:
        self._now = self._now + timedelta(**delta)
        return self._now
