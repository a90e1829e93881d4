"""Per-user rate limits, enforced on the server.

A sliding-window counter per ``(action, username)``, kept in memory: each server process
enforces its own share. Limits are configured on :class:`~jupyter_studysession.app.StudySessionApp`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from .clock import Clock
from .exceptions import RateLimited


@dataclass(frozen=True)
class Limit:
    count: int
    period_seconds: float

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``"10/hour"``, ``"120/minute"``, ``"5/second"``, ``"3/30s"``."""
        units = {"second": 1, "s": 1, "minute": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400}
        count, _, period = text.partition("/")
        number = "".join(ch for ch in period if ch.isdigit() or ch == ".")
        unit = period[len(number) :].strip()
        if unit not in units or not count.strip().isdigit():
            raise ValueError(f"invalid rate limit {text!r}; write e.g. '10/hour' or '3/30s'")
        return cls(int(count), float(number or 1) * units[unit])


class RateLimiter:
    def __init__(self, clock: Clock, max_keys: int = 100_000):
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def hit(self, action: str, username: str, limit: Limit) -> None:
        """Count one ``action`` by ``username``; raise :class:`RateLimited` when over ``limit``."""
        now = self.clock.now().timestamp()
        hits = self._hits.setdefault((action, username), deque())
        while hits and hits[0] <= now - limit.period_seconds:
            hits.popleft()
        if len(hits) >= limit.count:
            retry_after = math.ceil(hits[0] + limit.period_seconds - now)
            raise RateLimited(
                f"Too many requests ({action}): at most {limit.count} per "
                f"{int(limit.period_seconds)} s. Try again in {retry_after} s.",
                retry_after=retry_after,
            )
        hits.append(now)
        if len(self._hits) > self.max_keys:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] < now - 86400]:
            del self._hits[key]
