from datetime import datetime, timezone

import pytest

START = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
"""Tests begin on Sunday 2026-03-01, before both daylight-saving changes of March."""


@pytest.fixture
def services(ss_services):
    """``ss_services`` with its clock set to Sunday 2026-03-01 09:00 UTC."""
    ss_services.clock.set(START)
    return ss_services
