"""Who may receive a channel, checked when access is asked for and again whenever it may end.

One place decides access to live data: :class:`ChannelAccess`. Each channel kind registers its
rule (``access.register("session", authorize)``); whatever admits someone to live data asks
``await access.authorize(identity, "session:<id>")`` (the hub when a tab subscribes; a CRDT
document room or a media room when a peer connects).

Access can end while a tab is connected: a participant removed from a session, a member who
leaves or is removed from a group, a group, session or office hours deleted. The manager that
makes such a change calls :func:`revoke_access` in its transaction. That does two things:

1. it appends a durable ``access.revoked {usernames, reason}`` event to the scope's channel,
   so on every replica it reaches the channel's subscribers in order: whatever the channel
   carries after it is held for the users it names until their access is checked again;
2. after the commit, it broadcasts the revocation on the bus (channel ``access``, which every
   process listens to), so each process runs the ``revoke`` callbacks of its *live
   resources*: the hub ends subscriptions, a document room drops peers.

A revocation is a reason to check again, not a verdict: a live resource asks
:meth:`ChannelAccess.allowed` and ends access only if the rule now refuses (so a user removed
and invited back in between keeps the access they have again). A live resource registers with
``access.on_revoke(callback)``; ``callback(revocation)`` may be a coroutine function. See
"How a new live feature uses it" in docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ..bus import Bus
from ..exceptions import NotFound, StudySessionError
from ..identity import Identity
from ..store import after_commit

log = logging.getLogger(__name__)

ACCESS_REVOKED = "access.revoked"
"""The durable event on a channel: access of ``usernames`` (null: everyone) may have ended."""
SUBSCRIPTION_ENDED = "subscription.ended"
"""The event a tab gets when one of its subscriptions ended: ``{channel, reason, message}``."""
CONTROL_CHANNEL = "access"
"""The bus channel that carries revocations to every process."""

ChannelRule = Callable[[Identity, str], Awaitable[None]]
"""``await rule(identity, ident)`` raises a domain error unless ``identity`` may receive
``<kind>:<ident>``."""


@dataclass(frozen=True)
class Revocation:
    """Access to ``scope`` (a channel such as ``session:<id>``, and everything live that
    belongs to it: its presence channel, its document rooms, its media) may have ended for
    ``usernames`` (``None``: for everyone)."""

    scope: str
    usernames: tuple[str, ...] | None
    reason: str  # a code: removed, left, deleted
    message: str  # for people

    def concerns(self, username: str) -> bool:
        return self.usernames is None or username in self.usernames

    def covers(self, channel: str) -> bool:
        """Whether ``channel`` belongs to the scope (``session:x`` and ``presence:session:x``)."""
        return channel == self.scope or channel == f"presence:{self.scope}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "scope": self.scope,
                "usernames": list(self.usernames) if self.usernames is not None else None,
                "reason": self.reason,
                "message": self.message,
            }
        )

    @classmethod
    def from_data(cls, scope: str, data: dict) -> Revocation:
        names = data.get("usernames")
        return cls(
            scope,
            tuple(str(n) for n in names) if isinstance(names, list) else None,
            str(data.get("reason", "")),
            str(data.get("message", "")),
        )


async def revoke_access(
    outbox,
    db: AsyncSession,
    scope: str,
    usernames: Iterable[str] | None,
    reason: str,
    message: str,
) -> None:
    """In the caller's transaction: access to ``scope`` may have ended for ``usernames``
    (``None``: everyone). Appends the durable ``access.revoked`` event to the scope's channel
    and, after the commit, tells every process (see the module's docstring)."""
    names = tuple(dict.fromkeys(usernames)) if usernames is not None else None
    data = {"usernames": list(names) if names is not None else None, "reason": reason}
    await outbox.append(db, scope, ACCESS_REVOKED, {**data, "message": message})
    revocation = Revocation(scope, names, reason, message)

    async def broadcast() -> None:
        try:
            await outbox.bus.publish(CONTROL_CHANNEL, revocation.to_json())
        except Exception:  # the durable event still fences the channel
            log.exception("access: could not broadcast the revocation of %s", scope)

    after_commit(db, broadcast)


def subscription_ended(channel: str, revocation: Revocation) -> str:
    """The frame telling a tab that its subscription to ``channel`` ended, and why."""
    data = {"channel": channel, "reason": revocation.reason, "message": revocation.message}
    return json.dumps({"channel": channel, "seq": None, "type": SUBSCRIPTION_ENDED, "data": data})


class ChannelAccess:
    """The rules of every channel kind, and the registry of live resources to tell when access
    may have ended. One per process, built with the hub."""

    def __init__(self, bus: Bus, *, remember: int = 1000):
        self.bus = bus
        self._rules: dict[str, ChannelRule] = {}
        self._callbacks: list[Callable[[Revocation], Awaitable[None] | None]] = []
        self._serial = 0
        self._recent: collections.deque[tuple[int, Revocation]] = collections.deque(maxlen=remember)
        self._tasks: set[asyncio.Task] = set()
        bus.route(CONTROL_CHANNEL, self._received)

    # -- rules -----------------------------------------------------------------------------

    def register(self, kind: str, rule: ChannelRule) -> None:
        """Channels ``<kind>:<id>`` are open to whoever ``rule`` lets through."""
        self._rules[kind] = rule

    async def authorize(self, identity: Identity, channel: str) -> None:
        """Raise a domain error (404 ``unknown_channel``, 403, ...) unless ``identity`` may
        receive ``channel``."""
        kind, _, ident = channel.partition(":")
        rule = self._rules.get(kind)
        if rule is None or not ident:
            raise NotFound(f"No channel {channel!r}.", "unknown_channel")
        await rule(identity, ident)

    async def allowed(self, identity: Identity, channel: str) -> bool:
        """Whether ``identity`` may receive ``channel`` now; ``False`` when that cannot be
        checked (fail closed: the client may ask again)."""
        try:
            await self.authorize(identity, channel)
        except StudySessionError:
            return False
        except Exception:
            log.exception("access: could not check %s on %s", identity.username, channel)
            return False
        return True

    # -- revocations -----------------------------------------------------------------------

    def on_revoke(self, callback: Callable[[Revocation], Awaitable[None] | None]) -> None:
        """Call ``callback(revocation)`` in this process whenever access may have ended."""
        self._callbacks.append(callback)

    def apply(self, revocation: Revocation) -> None:
        """Tell this process's live resources (called for each revocation that arrives: on
        the control channel, or as a durable event on a channel the hub delivers)."""
        self._serial += 1
        self._recent.append((self._serial, revocation))
        for callback in self._callbacks:
            try:
                result = callback(revocation)
            except Exception:
                log.exception("access: a revoke callback failed")
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._done)

    def mark(self) -> int:
        """A point in this process's revocations, for :meth:`revoked_since`."""
        return self._serial

    def revoked_since(self, mark: int, username: str, channel: str) -> bool:
        """Whether a revocation concerning ``username`` on ``channel`` arrived after ``mark``
        (a check that began before it may have read the old membership)."""
        return any(
            serial > mark and r.concerns(username) and r.covers(channel)
            for serial, r in self._recent
        )

    async def _received(self, channel: str, message: str) -> None:
        try:
            data = json.loads(message)
            revocation = Revocation.from_data(str(data["scope"]), data)
        except (ValueError, KeyError, TypeError):
            log.warning("access: ignoring a malformed revocation on the bus")
            return
        self.apply(revocation)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("access: a revoke callback failed", exc_info=task.exception())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
