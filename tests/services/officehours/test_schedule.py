"""When the queue is open: weekly slots in a time zone (across DST), one-off slots, and the
manual override; and the wait estimate's formula."""

from datetime import datetime, timezone

import pytest

from jupyter_studysession.models import CreateOfficeHours, WeeklySlot
from jupyter_studysession.services.officehours import schedule
from jupyter_studysession.services.officehours.common import estimate

UTC = timezone.utc
MONDAY_9_TO_10_NEW_YORK = [
    {"weekday": 0, "start": "09:00", "end": "10:00", "timezone": "America/New_York"}
]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Monday 2 March 2026: EST (UTC-5), 09:00 local is 14:00 UTC
        (datetime(2026, 3, 2, 13, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 2, 14, 0, tzinfo=UTC), True),
        (datetime(2026, 3, 2, 14, 59, tzinfo=UTC), True),
        (datetime(2026, 3, 2, 15, 0, tzinfo=UTC), False),
        # Monday 9 March 2026, after the change on the 8th: EDT (UTC-4), 09:00 is 13:00 UTC
        (datetime(2026, 3, 9, 12, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 9, 13, 0, tzinfo=UTC), True),
        (datetime(2026, 3, 9, 14, 30, tzinfo=UTC), False),
        # a Tuesday
        (datetime(2026, 3, 10, 13, 30, tzinfo=UTC), False),
    ],
)
def test_weekly_slot_should_keep_its_wall_clock_time_across_dst(when, expected):
    assert schedule.scheduled_open(MONDAY_9_TO_10_NEW_YORK, [], when) is expected


def test_next_boundary_should_follow_the_zone_across_dst():
    sunday_before_change = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert schedule.next_boundary(MONDAY_9_TO_10_NEW_YORK, [], sunday_before_change) == datetime(
        2026, 3, 9, 13, 0, tzinfo=UTC
    )
    berlin = [{"weekday": 6, "start": "01:00", "end": "05:00", "timezone": "Europe/Berlin"}]
    # Sunday 29 March 2026: 02:00 CET jumps to 03:00 CEST; the slot is 00:00 to 03:00 UTC
    assert schedule.scheduled_open(berlin, [], datetime(2026, 3, 29, 2, 59, tzinfo=UTC))
    assert not schedule.scheduled_open(berlin, [], datetime(2026, 3, 29, 3, 0, tzinfo=UTC))


def test_one_off_slot_should_open_the_queue():
    slot = [{"start": "2026-05-01T10:00:00+00:00", "end": "2026-05-01T11:00:00+00:00"}]
    assert schedule.scheduled_open([], slot, datetime(2026, 5, 1, 10, 30, tzinfo=UTC))
    assert not schedule.scheduled_open([], slot, datetime(2026, 5, 1, 11, 0, tzinfo=UTC))


def test_slot_validation_should_reject_bad_zones_and_times():
    with pytest.raises(ValueError, match="IANA"):
        WeeklySlot(weekday=0, start="09:00", end="10:00", timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="after start"):
        WeeklySlot(weekday=0, start="10:00", end="09:00", timezone="UTC")
    with pytest.raises(ValueError):
        WeeklySlot(weekday=7, start="09:00", end="10:00", timezone="UTC")


async def test_manual_close_should_hold_until_the_next_boundary(ss_services, people):
    clock = ss_services.clock
    clock.set(datetime(2026, 3, 9, 13, 15, tzinfo=UTC))  # inside the slot (EDT)
    oh = await ss_services.officehours.create_officehours(
        people["tina"],
        CreateOfficeHours(title="Mondays", weekly_slots=MONDAY_9_TO_10_NEW_YORK),
    )
    assert oh.is_open
    closed = await ss_services.officehours.set_open(people["tina"], oh.id, False)
    assert not closed.is_open
    assert closed.opened_by_hand is False
    assert closed.override_until == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    clock.set(datetime(2026, 3, 16, 13, 5, tzinfo=UTC))  # next Monday's slot: scheduled again
    again = await ss_services.officehours.get_officehours(people["alice"], oh.id)
    assert again.is_open and again.opened_by_hand is None


def test_estimate_should_use_median_and_upper_quartile_and_staff():
    assert estimate(1, [], 0, 10).model_dump() == {
        "low_minutes": 0,
        "high_minutes": 10,
        "staff_on_duty": 0,
        "samples": 0,
    }
    durations = [4.0, 6.0, 8.0, 10.0, 20.0]  # median 8, upper quartile 15
    wait = estimate(3, durations, 2, 10)
    assert (wait.low_minutes, wait.high_minutes) == (8, 23)  # 2*8/2, ceil(3*15/2)
