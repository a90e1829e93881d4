"""Helpers shared by the measures: time arithmetic on whole columns, without row loops."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from ..loaders import Moment, as_utc

NS_PER_MINUTE = 60 * 10**9


def now_utc(as_of: Moment = None) -> pd.Timestamp:
    """``as_of`` as a UTC timestamp; the current time when None."""
    return pd.Timestamp(as_utc(as_of) or datetime.now(timezone.utc)).as_unit("ns")


def nanoseconds(column: pd.Series, fill: pd.Timestamp | None = None) -> np.ndarray:
    """A UTC timestamp column as int64 nanoseconds (missing values replaced by ``fill``)."""
    values = column if fill is None else column.fillna(fill)
    naive = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.to_numpy(dtype="datetime64[ns]").view("int64")


def timestamps(ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 nanoseconds back to UTC timestamps."""
    return pd.DatetimeIndex(np.asarray(ns, dtype="int64").view("datetime64[ns]")).tz_localize("UTC")


def minutes_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """``end - start`` in minutes (float; NaN where either is missing)."""
    return (end - start).dt.total_seconds() / 60.0


def in_period(stamps: pd.Series, start: Moment, end: Moment) -> pd.Series:
    """Whether each timestamp lies in ``[start, end)`` (a missing bound is open)."""
    keep = stamps.notna()
    if (lo := as_utc(start)) is not None:
        keep &= stamps >= pd.Timestamp(lo)
    if (hi := as_utc(end)) is not None:
        keep &= stamps < pd.Timestamp(hi)
    return keep


def local_weekday_hour(stamps: pd.Series, tz: str) -> tuple[pd.Series, pd.Series]:
    """The weekday (0 = Monday) and hour of each UTC timestamp on the wall clock of the IANA
    zone ``tz`` (daylight-saving time included)."""
    local = stamps.dt.tz_convert(tz)
    return local.dt.day_of_week.astype("Int64"), local.dt.hour.astype("Int64")
