"""Attendance and engagement analytics as pandas DataFrames.

- :class:`Analytics` (``facade.py``): the synchronous entry point for notebooks,
  ``Analytics.from_url(db_url)``; one method per table, plus ``attendance()``.
- ``loaders.py``: the async loaders (one per table) on a read-only connection
  (``source.py``); ``schema.py``: every frame's columns and dtypes.
- ``measures/``: the measures, pure functions of frames, each defined in its docstring.
- ``reports.py``: measures that need several tables, shared by notebooks and the server.

The schemas and definitions are in ``docs/analytics.md``.
"""

from . import measures
from .facade import Analytics, default_db_url
from .source import AnalyticsSource

__all__ = ["Analytics", "AnalyticsSource", "default_db_url", "measures"]
