"""Recurrence rules without a database: expansion across daylight-saving changes, limits,
validation and splitting."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from jupyter_studysession.exceptions import InvalidInput
from jupyter_studysession.services.schedules.recurrence import (
    build_rule,
    occurrences,
    rule_until,
    split_rule,
    truncate_rule,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    ("tz", "first", "offsets"),
    [
        # Berlin leaves CET (+1) for CEST (+2) on 2026-03-29
        ("Europe/Berlin", datetime(2026, 3, 16, 14), [1, 1, 2, 2]),
        # New York leaves EST (-5) for EDT (-4) on 2026-03-08
        ("America/New_York", datetime(2026, 2, 23, 14), [-5, -5, -4, -4]),
    ],
)
def test_weekly_occurrences_keep_their_local_time_across_a_dst_change(tz, first, offsets):
    start = first.replace(tzinfo=ZoneInfo(tz))
    rule = build_rule(start, tz, count=4)
    found = occurrences(rule, start, tz, start, None)
    assert len(found) == 4
    for when, hours in zip(found, offsets, strict=True):
        local = when.astimezone(ZoneInfo(tz))
        assert (local.hour, local.minute, local.weekday()) == (14, 0, first.weekday())
        assert local.utcoffset().total_seconds() == hours * 3600
        assert when.tzinfo == UTC
    assert found[0].hour != found[-1].hour  # the UTC time moved by an hour


def test_autumn_change_moves_utc_the_other_way():
    tz = "Europe/Berlin"
    start = datetime(2026, 10, 20, 9, 30, tzinfo=ZoneInfo(tz))
    found = occurrences(build_rule(start, tz, count=2), start, tz, start, None)
    assert [w.astimezone(UTC).hour for w in found] == [7, 8]
    assert all(w.astimezone(ZoneInfo(tz)).hour == 9 for w in found)


def test_count_and_until_bound_the_series():
    tz = "Europe/Berlin"
    start = datetime(2026, 5, 4, 18, tzinfo=ZoneInfo(tz))  # a Monday
    counted = build_rule(start, tz, by_weekday=["MO", "TH"], count=5)
    assert len(occurrences(counted, start, tz, start, None)) == 5
    until = build_rule(start, tz, by_weekday=["MO"], until=date(2026, 5, 25))
    found = occurrences(until, start, tz, start, None)
    assert [w.astimezone(ZoneInfo(tz)).day for w in found] == [4, 11, 18, 25]  # inclusive
    assert "UNTIL=20260525T215959Z" in until  # end of the day in Berlin, in UTC
    assert rule_until(until) == datetime(2026, 5, 25, 21, 59, 59, tzinfo=UTC)


def test_a_raw_rrule_is_validated_and_its_until_made_utc():
    tz = "America/New_York"
    start = datetime(2026, 1, 6, 10, tzinfo=ZoneInfo(tz))  # a Tuesday
    rule = build_rule(start, tz, rrule_text="RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260115")
    assert "UNTIL=20260116T045959Z" in rule
    assert len(occurrences(rule, start, tz, start, None)) == 4
    for bad in (
        "FREQ=HOURLY",
        "FREQ=WEEKLY;BYHOUR=3",
        "FREQ=WEEKLY;COUNT=2;UNTIL=20260201",
        "FREQ=WEEKLY;COUNT=x",
        "DTSTART:20260101T000000Z",
        "FREQ=WEEKLY;BYDAY=MO",  # scheduled_at is a Tuesday: not an occurrence
    ):
        with pytest.raises(InvalidInput):
            build_rule(start, tz, rrule_text=bad)
    with pytest.raises(InvalidInput):
        build_rule(start, "Mars/Olympus_Mons", count=2)


def test_split_ends_the_old_rule_before_the_occurrence_and_keeps_the_rest_of_the_count():
    tz = "Europe/Berlin"
    start = datetime(2026, 3, 2, 14, tzinfo=ZoneInfo(tz))  # Monday
    rule = build_rule(start, tz, by_weekday=["MO"], count=6)
    third = occurrences(rule, start, tz, start, None)[2]
    moved = third.astimezone(ZoneInfo(tz)).replace(hour=16) + (
        datetime(2026, 1, 2) - datetime(2026, 1, 1)
    )  # Tuesday 16:00
    old, new = split_rule(rule, start, tz, third, moved)
    assert len(occurrences(old, start, tz, start, None)) == 2
    assert "COUNT" not in old and rule_until(old) < third
    after = occurrences(new, moved, tz, moved, None)
    assert len(after) == 4
    assert all(w.astimezone(ZoneInfo(tz)).strftime("%a %H") == "Tue 16" for w in after)
    assert rule_until(truncate_rule(rule, third)) == rule_until(old)
