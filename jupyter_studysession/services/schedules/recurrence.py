"""RFC 5545 recurrence rules, expanded in an IANA time zone (python-dateutil + zoneinfo).

Pure functions, no database: sessions use them for series, and anything else that recurs
(office hours) can too. A rule is stored as its canonical RRULE text (``FREQ=WEEKLY;BYDAY=MO;
UNTIL=20260630T215959Z``) beside the first start (UTC) and the zone name. Expansion happens on
the wall clock of that zone: ``dtstart`` is the first start in the zone, so dateutil builds
every occurrence as "that day, same local time, same zone", and the UTC offset follows the
zone's daylight-saving rules (14:00 in Berlin is 12:00Z in summer, 13:00Z in winter). A local
time that does not exist on some day (inside a spring-forward gap) resolves with the offset
before the change, as zoneinfo does for ``fold=0``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from ...exceptions import InvalidInput

ALLOWED_KEYS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST")
"""RRULE parts accepted from clients (no BYHOUR/BYMINUTE/BYSECOND: the time is the start's)."""
ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_OCCURRENCES = 1000
"""The most occurrences one expansion returns (a guard; windows are far smaller)."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidInput(
            f"timezone: unknown time zone {name!r} (use an IANA name)", "invalid_timezone"
        ) from err


def format_utc(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def parse_rule(text: str) -> dict[str, str]:
    """The parts of an RRULE (``RRULE:`` prefix optional), checked against what we allow."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text or "\n" in text:
        raise InvalidInput("rrule: give a single RRULE line", "invalid_rrule")
    parts: dict[str, str] = {}
    for item in text.split(";"):
        key, sep, value = item.partition("=")
        key = key.strip().upper()
        if not sep or not value.strip():
            raise InvalidInput(f"rrule: {item!r} is not NAME=VALUE", "invalid_rrule")
        if key not in ALLOWED_KEYS:
            raise InvalidInput(
                f"rrule: {key} is not allowed (allowed: {', '.join(ALLOWED_KEYS)})",
                "invalid_rrule",
            )
        if key in parts:
            raise InvalidInput(f"rrule: {key} is given twice", "invalid_rrule")
        parts[key] = value.strip().upper()
    if parts.get("FREQ") not in ALLOWED_FREQ:
        raise InvalidInput(f"rrule: FREQ must be one of {', '.join(ALLOWED_FREQ)}", "invalid_rrule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidInput("rrule: give COUNT or UNTIL, not both", "invalid_rrule")
    return parts


def format_rule(parts: dict[str, str]) -> str:
    return ";".join(f"{key}={parts[key]}" for key in ALLOWED_KEYS if key in parts)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The last second of ``day`` in ``tz``, in UTC: an inclusive "until this date"."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(timezone.utc)


def _utc_until(value: str, tz: ZoneInfo) -> str:
    """UNTIL in UTC, as RFC 5545 requires when DTSTART has a TZID; a date means its end and a
    floating time means that time in the zone."""
    try:
        if len(value) == 8:
            return format_utc(end_of_day(datetime.strptime(value, "%Y%m%d").date(), tz))
        if value.endswith("Z"):
            parsed = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        else:
            parsed = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=tz)
    except ValueError as err:
        raise InvalidInput(f"rrule: UNTIL={value} is not a date or time", "invalid_rrule") from err
    return format_utc(parsed)


def build_rule(
    start: datetime,
    tz_name: str,
    *,
    rrule_text: str | None = None,
    by_weekday: Iterable[str] = (),
    interval: int = 1,
    until: date | None = None,
    count: int | None = None,
) -> str:
    """The canonical RRULE of a series starting at ``start``: from a raw RRULE, or from the
    weekly shape. ``start`` must itself be an occurrence (RFC 5545 leaves that undefined)."""
    tz = zone(tz_name)
    local = start.astimezone(tz)
    if rrule_text is not None:
        parts = parse_rule(rrule_text)
        if "UNTIL" in parts:
            parts["UNTIL"] = _utc_until(parts["UNTIL"], tz)
    else:
        days = list(dict.fromkeys(by_weekday)) or [WEEKDAYS[local.weekday()]]
        parts = {"FREQ": "WEEKLY", "BYDAY": ",".join(days)}
        if interval != 1:
            parts["INTERVAL"] = str(interval)
        if until is not None:
            parts["UNTIL"] = format_utc(end_of_day(until, tz))
        if count is not None:
            parts["COUNT"] = str(count)
    text = format_rule(parts)
    first = occurrences(text, start, tz_name, start, None, limit=1)
    if not first:
        raise InvalidInput("recurrence: the rule has no occurrence from scheduled_at on")
    if first[0] != start.astimezone(timezone.utc):
        raise InvalidInput(
            "recurrence: scheduled_at must be one of the occurrences (is its weekday among "
            "by_weekday?)",
            "invalid_rrule",
        )
    return text


def make_rrule(rule: str, start: datetime, tz_name: str) -> rrule:
    """The dateutil rule, anchored at ``start`` on the wall clock of ``tz_name``."""
    dtstart = start.astimezone(zone(tz_name))
    try:
        parsed = rrulestr(rule, dtstart=dtstart)
    except (ValueError, TypeError) as err:
        raise InvalidInput(f"rrule: {err}", "invalid_rrule") from err
    if not isinstance(parsed, rrule):
        raise InvalidInput("rrule: give a single RRULE", "invalid_rrule")
    return parsed


def occurrences(
    rule: str,
    start: datetime,
    tz_name: str,
    after: datetime,
    before: datetime | None,
    *,
    limit: int = MAX_OCCURRENCES,
) -> list[datetime]:
    """Occurrence starts (UTC) in ``[after, before]`` (``before=None``: no upper bound)."""
    found = []
    for occurrence in make_rrule(rule, start, tz_name).xafter(after, inc=True):
        if before is not None and occurrence > before:
            break
        found.append(occurrence.astimezone(timezone.utc))
        if len(found) >= limit:
            break
    return found


def count_before(rule: str, start: datetime, tz_name: str, at: datetime) -> int:
    """How many occurrences fall before ``at``."""
    n = 0
    for occurrence in make_rrule(rule, start, tz_name):
        if occurrence >= at or n >= MAX_OCCURRENCES * 10:
            break
        n += 1
    return n


def rule_until(rule: str) -> datetime | None:
    value = parse_rule(rule).get("UNTIL")
    if value is None:
        return None
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def truncate_rule(rule: str, at: datetime) -> str:
    """The rule ended just before ``at`` (an UNTIL in UTC one second earlier; COUNT goes)."""
    parts = parse_rule(rule)
    parts.pop("COUNT", None)
    parts["UNTIL"] = format_utc(at - timedelta(seconds=1))
    return format_rule(parts)


def split_rule(
    rule: str, start: datetime, tz_name: str, at: datetime, new_start: datetime
) -> tuple[str, str]:
    """Split a series at its occurrence ``at``: the old rule ends before it; the new rule,
    anchored at ``new_start``, keeps what is left of a COUNT and an UNTIL, and its weekdays
    move with ``new_start`` when it falls on another day than ``at``."""
    parts = parse_rule(rule)
    new = dict(parts)
    if "COUNT" in parts:
        left = int(parts["COUNT"]) - count_before(rule, start, tz_name, at)
        new["COUNT"] = str(max(left, 1))
    tz = zone(tz_name)
    shift = (new_start.astimezone(tz).date() - at.astimezone(tz).date()).days
    if shift % 7 and "BYDAY" in parts:
        days = parts["BYDAY"].split(",")
        if any(day not in WEEKDAYS for day in days):
            raise InvalidInput(
                "scheduled_at: this rule's days (e.g. 1MO) cannot move to another weekday; "
                "change this occurrence only",
                "invalid_rrule",
            )
        new["BYDAY"] = ",".join(WEEKDAYS[(WEEKDAYS.index(d) + shift) % 7] for d in days)
    return truncate_rule(rule, at), format_rule(new)
