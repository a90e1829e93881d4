"""Event-loop lag: each callback that holds the loop longer than a threshold, and what ran.

The server runs one callback at a time (a step of a task, a timer, a socket read): while one
runs, no other request, op or delivery moves. :class:`LoopLagMonitor` times every callback
the loop runs (asyncio's ``Handle._run``, which asyncio's debug mode times too, without the
rest of debug mode's cost) and, for those at or above its threshold, logs a warning naming
the work: the op or request that :func:`doing` named in the callback's context, or else the
callback itself. The last blocks are kept in :attr:`LoopLagMonitor.blocks` (for benchmarks).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import deque
from dataclasses import dataclass

WORK: contextvars.ContextVar[str | None] = contextvars.ContextVar("studysession_work", default=None)


def doing(what: str) -> None:
    """Name the work of the current task (an op, a request, a background job): the monitor
    names it when one of the task's steps blocks the loop."""
    WORK.set(what)


@dataclass(frozen=True)
class Block:
    at: float  # time.time() when the callback ended
    seconds: float
    what: str


def describe(handle: asyncio.Handle) -> str:
    """What a callback is, for the log: its :func:`doing` name, its task's coroutine, or its
    function."""
    context = getattr(handle, "_context", None)
    what = context.get(WORK) if context is not None else None
    if what:
        return what
    callback = handle._callback
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        return f"task {getattr(coro, '__qualname__', coro)!s}"
    return str(getattr(callback, "__qualname__", callback))


class LoopLagMonitor:
    """Times the callbacks of every asyncio loop in this process while installed."""

    def __init__(self, threshold: float, log: logging.Logger | None = None, keep: int = 10_000):
        self.threshold = threshold
        self.log = log or logging.getLogger(__name__)
        self.blocks: deque[Block] = deque(maxlen=keep)
        self._original = None
        self._patched = None

    def install(self) -> None:
        if self._original is not None:
            return
        original = self._original = asyncio.events.Handle._run
        clock, threshold, blocked = time.perf_counter, self.threshold, self._blocked

        def _run(handle):
            start = clock()
            original(handle)
            elapsed = clock() - start
            if elapsed >= threshold:
                blocked(handle, elapsed)

        asyncio.events.Handle._run = self._patched = _run

    def uninstall(self) -> None:
        if self._original is not None and asyncio.events.Handle._run is self._patched:
            asyncio.events.Handle._run = self._original
        self._original = self._patched = None

    def _blocked(self, handle: asyncio.Handle, seconds: float) -> None:
        what = describe(handle)
        self.blocks.append(Block(time.time(), seconds, what))
        self.log.warning("Event loop blocked for %.0f ms by %s", seconds * 1000, what)
