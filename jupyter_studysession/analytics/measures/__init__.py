"""The measures: pure functions of the loaders' frames, each defined in its docstring.

``from jupyter_studysession.analytics import measures`` then e.g.
``measures.attendance_rate(analytics.attendance())``.
"""

from .attendance import ATTENDANCE, ATTENDANCE_RATE, attendance, attendance_rate, union_of_intervals
from .coverage import SECTION_COVERAGE, SECTIONS_STUDIED, section_coverage, sections_studied
from .engagement import ENGAGEMENT, PARTICIPATION, ParticipationWeights, engagement, participation
from .groups import CONTINUITY, GROUP_SESSIONS, group_continuity, group_sessions
from .media import CALL_TIME, call_time
from .officehours import (
    BY_WEEKDAY_HOUR,
    NO_SHOW,
    STAFF_LOAD,
    STAFFING,
    WAITS,
    no_show_rate,
    queue_waits,
    staff_load,
    staffing_by_weekday_hour,
    waits_by_weekday_hour,
)
from .sessions import (
    ABANDONED,
    DISTRIBUTION,
    DURATIONS,
    abandoned_rate,
    abandoned_sessions,
    cleanup_counts,
    duration_distribution,
    session_durations,
)

SCHEMAS = (
    ATTENDANCE,
    ATTENDANCE_RATE,
    DURATIONS,
    DISTRIBUTION,
    ABANDONED,
    ENGAGEMENT,
    PARTICIPATION,
    WAITS,
    BY_WEEKDAY_HOUR,
    STAFFING,
    STAFF_LOAD,
    NO_SHOW,
    GROUP_SESSIONS,
    CONTINUITY,
    SECTION_COVERAGE,
    SECTIONS_STUDIED,
    CALL_TIME,
)
"""The schemas of the measures' frames (documented in ``docs/analytics.md``)."""

__all__ = [
    "SCHEMAS",
    "ParticipationWeights",
    "abandoned_rate",
    "abandoned_sessions",
    "attendance",
    "attendance_rate",
    "call_time",
    "cleanup_counts",
    "duration_distribution",
    "engagement",
    "group_continuity",
    "group_sessions",
    "no_show_rate",
    "participation",
    "queue_waits",
    "section_coverage",
    "sections_studied",
    "session_durations",
    "staff_load",
    "staffing_by_weekday_hour",
    "union_of_intervals",
    "waits_by_weekday_hour",
]
