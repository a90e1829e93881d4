"""Office-hours measures against hand-made queues: waits, help time, no-shows, staff load,
and weekday x hour in an IANA time zone (daylight-saving time included)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from jupyter_studysession.analytics import measures
from jupyter_studysession.analytics import schema as schemas


def entry(entry_id, joined, admitted=None, finished=None, outcome=None, staff=None):
    stamp = lambda s: pd.Timestamp(s, tz="UTC") if s else None  # noqa: E731
    return {
        "entry_id": entry_id,
        "officehours_id": "oh",
        "username": f"student_{entry_id}",
        "status": "finished" if outcome else ("admitted" if admitted else "waiting"),
        "outcome": outcome,
        "joined_at": stamp(joined),
        "admitted_at": stamp(admitted),
        "admitted_by": staff,
        "finished_at": stamp(finished),
    }


@pytest.fixture
def waits(frame):
    entries = frame(
        schemas.QUEUE_ENTRIES,
        # Tuesday 2026-03-03, 16:30 UTC = 17:30 in Berlin (winter, UTC+1)
        entry("a", "2026-03-03 16:30", "2026-03-03 16:42", "2026-03-03 16:52", "helped", "tina"),
        entry("b", "2026-03-03 16:40", "2026-03-03 16:50", "2026-03-03 16:55", "no_show", "tina"),
        entry("c", "2026-03-03 16:45", None, "2026-03-03 16:50", "left"),
        # Tuesday 2026-03-31, 16:30 UTC = 18:30 in Berlin (summer, UTC+2)
        entry("d", "2026-03-31 16:30", "2026-03-31 16:31", "2026-03-31 16:51", "helped", "prof"),
        entry("e", "2026-03-31 16:35", None),  # still waiting
    )
    return measures.queue_waits(entries)


def test_wait_help_and_no_show_per_entry(waits):
    by_id = waits.set_index("entry_id")
    assert by_id["wait_minutes"].tolist()[:2] == [12.0, 10.0]
    assert math.isnan(by_id.loc["c", "wait_minutes"])  # never admitted
    assert by_id.loc["a", "help_minutes"] == 10.0
    assert math.isnan(by_id.loc["b", "help_minutes"])  # a no-show was not helped
    assert by_id["no_show"].tolist() == [False, True, False, False, False]


def test_weekday_and_hour_are_on_the_wall_clock_of_the_zone(waits):
    utc = measures.waits_by_weekday_hour(waits, tz="UTC")
    assert utc[["weekday", "hour", "entries"]].values.tolist() == [[1, 16, 5]]
    berlin = measures.waits_by_weekday_hour(waits, tz="Europe/Berlin").set_index(
        ["weekday", "hour"]
    )
    assert berlin.index.tolist() == [(1, 17), (1, 18)]  # the clocks changed on March 29
    winter = berlin.loc[(1, 17)]
    assert winter[["entries", "admitted"]].tolist() == [3, 2]
    assert winter["mean_wait_minutes"] == 11.0
    assert winter["mean_help_minutes"] == 10.0
    assert winter["no_show_rate"] == 0.5
    new_york = measures.waits_by_weekday_hour(waits, tz="America/New_York")
    assert set(zip(new_york["weekday"], new_york["hour"], strict=True)) == {(1, 11), (1, 12)}


def test_a_late_evening_entry_falls_on_the_next_local_day(frame):
    entries = frame(schemas.QUEUE_ENTRIES, entry("x", "2026-03-03 23:30", "2026-03-03 23:40"))
    tokyo = measures.waits_by_weekday_hour(measures.queue_waits(entries), tz="Asia/Tokyo")
    assert tokyo[["weekday", "hour"]].values.tolist() == [[2, 8]]  # Wednesday 08:30 in Tokyo


def test_staff_load_staffing_and_no_show_rate(waits):
    load = measures.staff_load(waits).set_index("staff")
    assert load.loc["tina", ["admitted", "helped", "no_shows", "days"]].tolist() == [2, 1, 1, 1]
    assert load.loc["prof", "help_minutes"] == 20.0
    assert load["share_of_admissions"].to_dict() == {"prof": 1 / 3, "tina": 2 / 3}
    staffing = measures.staffing_by_weekday_hour(waits, tz="Europe/Berlin").set_index(
        ["weekday", "hour"]
    )
    assert staffing.loc[(1, 17), ["admissions", "staff"]].tolist() == [2, 1]
    assert staffing.loc[(1, 17), "admissions_per_staff"] == 2.0
    rate = measures.no_show_rate(waits).set_index("officehours_id")
    assert rate.loc["oh", ["admitted", "no_shows"]].tolist() == [3, 1]
    assert rate.loc["oh", "no_show_rate"] == pytest.approx(1 / 3)
