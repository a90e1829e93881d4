"""Office hours: how long students waited, how long help took, who helped, and when.

Definitions, per queue entry (times from ``load_queue_entries``):

- ``wait_minutes`` = ``admitted_at - joined_at`` (the student enqueued at ``joined_at``), in
  minutes; NaN if the entry was never admitted (it left, was removed, or still waits);
- ``help_minutes`` = ``finished_at - admitted_at`` for entries that ended ``helped``; NaN
  otherwise;
- ``no_show`` = the entry's outcome is ``no_show`` (admitted, but never opened the room).

Weekday x hour tables use the wall clock of an IANA time zone (``tz``), daylight-saving time
included: an entry that joined at 16:30 UTC on a Tuesday falls in hour 17 in
``Europe/Berlin`` in winter and hour 18 in summer. ``weekday`` 0 is Monday.
"""

from __future__ import annotations

import pandas as pd

from ..schema import UTC_TIMESTAMP as TS
from ..schema import Column, Schema
from .common import local_weekday_hour, minutes_between

WAITS = Schema(
    "waits",
    "queue entry",
    (
        Column("entry_id", "string", "the entry"),
        Column("officehours_id", "string", "its office hours"),
        Column("username", "string", "the student"),
        Column("topic", "string", "its topic"),
        Column("outcome", "string", "how it ended (`<NA>`: not yet)"),
        Column("joined_at", TS, "when the student enqueued"),
        Column("admitted_at", TS, "when staff admitted them"),
        Column("admitted_by", "string", "who admitted them"),
        Column("wait_minutes", "float64", "`admitted_at - joined_at` (NaN: never admitted)"),
        Column("help_minutes", "float64", "`finished_at - admitted_at` if helped, else NaN"),
        Column("no_show", "boolean", "outcome is `no_show`"),
    ),
)

BY_WEEKDAY_HOUR = Schema(
    "waits_by_weekday_hour",
    "(weekday, hour) in the zone with at least one entry, by when it joined",
    (
        Column("weekday", "Int64", "0 = Monday … 6 = Sunday, local to `tz`"),
        Column("hour", "Int64", "0-23, local to `tz`"),
        Column("entries", "Int64", "entries that joined then"),
        Column("admitted", "Int64", "of those, admitted"),
        Column("mean_wait_minutes", "float64", "mean `wait_minutes` of the admitted"),
        Column("median_wait_minutes", "float64", "median `wait_minutes` of the admitted"),
        Column("mean_help_minutes", "float64", "mean `help_minutes` of the helped"),
        Column("no_show_rate", "float64", "no-shows / finished admitted entries"),
    ),
)

STAFFING = Schema(
    "staffing_by_weekday_hour",
    "(weekday, hour) in the zone with at least one admission, by when it was admitted",
    (
        Column("weekday", "Int64", "0 = Monday … 6 = Sunday, local to `tz`"),
        Column("hour", "Int64", "0-23, local to `tz`"),
        Column("admissions", "Int64", "entries admitted then"),
        Column("staff", "Int64", "distinct staff who admitted then"),
        Column("admissions_per_staff", "float64", "`admissions / staff`"),
        Column("help_minutes", "float64", "`help_minutes` of those admissions, summed"),
    ),
)

STAFF_LOAD = Schema(
    "staff_load",
    "staff member who admitted at least one entry",
    (
        Column("staff", "string", "the staff member (`admitted_by`)"),
        Column("admitted", "Int64", "entries they admitted"),
        Column("helped", "Int64", "of those, ended `helped`"),
        Column("no_shows", "Int64", "of those, ended `no_show`"),
        Column("help_minutes", "float64", "`help_minutes` summed"),
        Column("mean_help_minutes", "float64", "`help_minutes` averaged over the helped"),
        Column("days", "Int64", "distinct UTC days on which they admitted someone"),
        Column("share_of_admissions", "float64", "their share of all admissions"),
    ),
)

NO_SHOW = Schema(
    "no_show_rate",
    "office hours with at least one finished admitted entry",
    (
        Column("officehours_id", "string", "the office hours"),
        Column("admitted", "Int64", "finished entries that were admitted"),
        Column("no_shows", "Int64", "of those, `no_show`"),
        Column("no_show_rate", "float64", "`no_shows / admitted`"),
    ),
)


def queue_waits(entries: pd.DataFrame) -> pd.DataFrame:
    """Wait, help time and no-show per queue entry (definitions in the module docstring)."""
    helped = entries["outcome"] == "helped"
    frame = entries.assign(
        wait_minutes=minutes_between(entries["joined_at"], entries["admitted_at"]),
        help_minutes=minutes_between(entries["admitted_at"], entries["finished_at"]).where(
            helped.fillna(False)
        ),
        no_show=(entries["outcome"] == "no_show").fillna(False),
    )
    return WAITS.coerce(frame.reset_index(drop=True))


def waits_by_weekday_hour(waits: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """Waits and help times by the weekday and hour (in ``tz``) when entries joined the
    queue; ``no_show_rate`` = no-shows / admitted entries that finished. For a heatmap:
    ``frame.pivot(index="weekday", columns="hour", values="mean_wait_minutes")``."""
    weekday, hour = local_weekday_hour(waits["joined_at"], tz)
    admitted = waits["admitted_at"].notna()
    finished_admitted = admitted & waits["outcome"].notna()
    rows = waits.assign(
        weekday=weekday,
        hour=hour,
        admitted=admitted,
        finished_admitted=finished_admitted,
    )
    grouped = rows.groupby(["weekday", "hour"], sort=True)
    frame = pd.DataFrame(
        {
            "entries": grouped.size(),
            "admitted": grouped["admitted"].sum(),
            "mean_wait_minutes": grouped["wait_minutes"].mean(),
            "median_wait_minutes": grouped["wait_minutes"].median(),
            "mean_help_minutes": grouped["help_minutes"].mean(),
            "no_shows": grouped["no_show"].sum(),
            "finished_admitted": grouped["finished_admitted"].sum(),
        }
    )
    finished = frame["finished_admitted"]
    frame["no_show_rate"] = frame["no_shows"] / finished.where(finished > 0)
    return BY_WEEKDAY_HOUR.coerce(frame.reset_index())


def staffing_by_weekday_hour(waits: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """Admissions and the staff making them by the weekday and hour (in ``tz``) of
    ``admitted_at``: how busy each hour was and how many people covered it."""
    admitted = waits[waits["admitted_at"].notna()]
    weekday, hour = local_weekday_hour(admitted["admitted_at"], tz)
    grouped = admitted.assign(weekday=weekday, hour=hour).groupby(["weekday", "hour"], sort=True)
    frame = pd.DataFrame(
        {
            "admissions": grouped.size(),
            "staff": grouped["admitted_by"].nunique(),
            "help_minutes": grouped["help_minutes"].sum(),
        }
    )
    frame["admissions_per_staff"] = frame["admissions"] / frame["staff"].where(frame["staff"] > 0)
    return STAFFING.coerce(frame.reset_index())


def staff_load(waits: pd.DataFrame) -> pd.DataFrame:
    """Load per staff member (``admitted_by``): entries admitted, helped, no-shows, help
    minutes, the UTC days they worked the queue, and their share of all admissions."""
    admitted = waits[waits["admitted_by"].notna()]
    grouped = admitted.assign(
        helped=(admitted["outcome"] == "helped").fillna(False),
        day=admitted["admitted_at"].dt.floor("D"),
    ).groupby("admitted_by", sort=True)
    frame = pd.DataFrame(
        {
            "admitted": grouped.size(),
            "helped": grouped["helped"].sum(),
            "no_shows": grouped["no_show"].sum(),
            "help_minutes": grouped["help_minutes"].sum(),
            "mean_help_minutes": grouped["help_minutes"].mean(),
            "days": grouped["day"].nunique(),
        }
    )
    total = frame["admitted"].sum()
    frame["share_of_admissions"] = frame["admitted"] / total if total else 0.0
    return STAFF_LOAD.coerce(frame.rename_axis("staff").reset_index())


def no_show_rate(waits: pd.DataFrame) -> pd.DataFrame:
    """No-show rate per office hours: entries that ended ``no_show`` / entries that were
    admitted and have finished (a no-show can only follow an admission)."""
    finished = waits[waits["admitted_at"].notna() & waits["outcome"].notna()]
    grouped = finished.groupby("officehours_id", sort=True)
    frame = pd.DataFrame({"admitted": grouped.size(), "no_shows": grouped["no_show"].sum()})
    frame["no_show_rate"] = frame["no_shows"] / frame["admitted"]
    return NO_SHOW.coerce(frame.reset_index())
