"""When an office hours' queue is open: weekly slots in a time zone, one-off slots, and the
staff's manual override. Pure functions of the stored slots and "now" (no database).

Weekly slots are wall-clock times in an IANA zone (``zoneinfo``): a slot "Monday 09:00 to
10:00, America/New_York" is 14:00 to 15:00 UTC in winter and 13:00 to 14:00 UTC in summer.

The manual override (staff open or close the queue by hand) holds until the next schedule
boundary after the moment it was set (a slot starting or ending), so closing early during a
slot does not skip the next slot, and opening outside the schedule lasts until the next slot
begins or ends. Without any boundary in the coming week, it holds until staff change it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo


def _weekly_intervals(
    slots: list[dict[str, Any]], around: datetime, days: int
) -> Iterator[tuple[datetime, datetime]]:
    """The occurrences of the weekly slots from ``days`` days before ``around`` to ``days``
    after, as UTC intervals."""
    for slot in slots:
        zone = ZoneInfo(slot["timezone"])
        local_today = around.astimezone(zone).date()
        for offset in range(-days, days + 1):
            day: date = local_today + timedelta(days=offset)
            if day.weekday() != slot["weekday"]:
                continue
            start = datetime.combine(day, time.fromisoformat(slot["start"]), zone)
            end = datetime.combine(day, time.fromisoformat(slot["end"]), zone)
            yield start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _one_off_intervals(slots: list[dict[str, Any]]) -> Iterator[tuple[datetime, datetime]]:
    for slot in slots:
        yield _aware(slot["start"]), _aware(slot["end"])


def _aware(value: str | datetime) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(timezone.utc)


def intervals(
    weekly: list[dict[str, Any]], one_off: list[dict[str, Any]], around: datetime, days: int = 8
) -> list[tuple[datetime, datetime]]:
    return [*_weekly_intervals(weekly, around, days), *_one_off_intervals(one_off)]


def scheduled_open(weekly: list[dict[str, Any]], one_off: list[dict[str, Any]], now: datetime):
    """True when a slot covers ``now`` (start inclusive, end exclusive)."""
    return any(start <= now < end for start, end in intervals(weekly, one_off, now, days=1))


def next_boundary(
    weekly: list[dict[str, Any]], one_off: list[dict[str, Any]], now: datetime
) -> datetime | None:
    """The first slot start or end strictly after ``now`` within the coming week (or the
    next one-off slot's, however far)."""
    after = [
        edge
        for start, end in intervals(weekly, one_off, now)
        for edge in (start, end)
        if edge > now
    ]
    week = now + timedelta(days=7)
    candidates = [e for e in after if e <= week] or [
        e for start, end in intervals([], one_off, now) for e in (start, end) if e > now
    ]
    return min(candidates) if candidates else None


def is_open(
    weekly: list[dict[str, Any]],
    one_off: list[dict[str, Any]],
    manual_open: bool | None,
    manual_until: datetime | None,
    now: datetime,
) -> bool:
    if manual_open is not None and (manual_until is None or now < manual_until):
        return manual_open
    return scheduled_open(weekly, one_off, now)
