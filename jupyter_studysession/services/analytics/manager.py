"""Analytics for instructors, from inside the server: the attendance CSV export.

The numbers are those of :mod:`jupyter_studysession.analytics` (the same report a notebook
computes), read through a read-only connection to the server's database. pandas (some 80 MB
and 0.4 s to import) is loaded by the first export, not with the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...clock import Clock
from ...exceptions import NotAuthorized
from ...identity import Identity
from ...models import AttendanceExportQuery
from ...store import Store

if TYPE_CHECKING:
    import pandas as pd

    from ...analytics.source import AnalyticsSource

CSV_ROWS_PER_CHUNK = 2000
SPREADSHEET_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def require_instructor(actor: Identity) -> None:
    if not actor.is_instructor:
        raise NotAuthorized("Only instructors can export attendance.", "not_instructor")


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as ISO 8601 (UTC, ``+00:00``) and text made inert for spreadsheets (a title
    starting with ``=`` gets a leading ``'``), column by column."""
    from ...analytics.measures import ATTENDANCE

    out = frame.copy()
    for column in ATTENDANCE.columns:
        values = out[column.name]
        if column.dtype.startswith("datetime64"):
            out[column.name] = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        elif column.dtype == "string":
            risky = values.str[:1].isin(SPREADSHEET_FORMULA_START).fillna(False)
            out[column.name] = values.mask(risky, "'" + values)
    return out


def csv_chunks(frame: pd.DataFrame, rows: int = CSV_ROWS_PER_CHUNK) -> Iterator[str]:
    """``frame`` as CSV text (header first, ``\\r\\n`` line ends), ``rows`` rows a chunk."""
    ready = _csv_ready(frame)
    yield ",".join(ready.columns) + "\r\n"
    for begin in range(0, len(ready), rows):
        yield ready.iloc[begin : begin + rows].to_csv(
            index=False, header=False, lineterminator="\r\n"
        )


class AnalyticsManager:
    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock
        self._source: AnalyticsSource | None = None

    @property
    def source(self) -> AnalyticsSource:
        """Read-only connections to the store's database (made on first use)."""
        if self._source is None:
            from ...analytics.source import AnalyticsSource

            self._source = AnalyticsSource(self.store.url)
        return self._source

    async def export_attendance(
        self, actor: Identity, query: AttendanceExportQuery
    ) -> Iterator[str]:
        """Attendance per (user, session) for sessions that started in ``[from, to)``, as
        CSV chunks (instructors only). Everything is computed before the first chunk, so an
        error is still a clean JSON answer."""
        from ...analytics.reports import attendance_report

        require_instructor(actor)
        async with self.source.connect() as conn:
            frame = await attendance_report(
                conn, start=query.start, end=query.end, as_of=self.clock.now()
            )
        return csv_chunks(frame)

    async def close(self) -> None:
        if self._source is not None:
            await self._source.dispose()
