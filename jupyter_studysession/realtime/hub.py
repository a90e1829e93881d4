"""The realtime hub: connections, channel subscriptions with resume, and op dispatch.

One hub per server process. It owns no websocket: the handler gives it a :class:`Connection`
(an identity and a ``send`` function) and the text frames it receives. Services register the
channels they authorise and the ops they handle; the hub does the rest:

- ``subscribe {channel, since}`` authorises, replays stored events after ``since`` in order,
  then continues live, with no gap and no duplicate (events are de-duplicated by ``seq``);
- events arrive from the bus once per process and are fanned out to the local subscribers,
  already serialised;
- every op gets an ack ``{"re": id, "ok": true, "data"}`` or
  ``{"re": id, "ok": false, "error": {"code", "message"}}`` (with the error's details, such
  as ``opens_at``, beside them).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from ..bus import Bus
from ..exceptions import (
    InvalidInput,
    NotAuthorized,
    RateLimited,
    StudySessionError,
    outage,
)
from ..identity import Identity
from ..jsoninput import read_json, validate
from ..looplag import doing
from .access import ACCESS_REVOKED, ChannelAccess, ChannelRule, Revocation, subscription_ended
from .outbox import Outbox
from .wire import Outgoing

log = logging.getLogger(__name__)

ChannelAuthorizer = ChannelRule
"""``await authorize(identity, channel_id)`` raises a domain error if not allowed."""


@dataclass
class Op:
    handler: Callable[..., Awaitable[dict | None]]
    model: type[BaseModel] | None


@dataclass
class Subscription:
    channel: str
    last_seq: int = 0
    # while catching up from the outbox, live events wait here (None when live)
    pending: list[tuple[int | None, Outgoing]] | None = None


@dataclass(eq=False)
class Connection:
    """One websocket (a browser tab) as the hub sees it."""

    identity: Identity
    send: Callable[[Outgoing], None]
    id: int = 0
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    closed: bool = False
    # a read-only connection relayed by another server for this identity (a visitor of the
    # host's server, docs/hub.md): it may only subscribe, to the channels ``relay`` lets
    # through; no other op, and it is no tab of theirs (no presence)
    relay: Callable[[str], Awaitable[None]] | None = None
    # while replaying from the outbox: an awaitable that ends once the socket took most of
    # what is queued for it, or None if little is queued (a replay goes at the client's pace
    # instead of being closed as too slow)
    backlog: Callable[[], Awaitable[None] | None] = lambda: None
    # per-connection rate limit: a token bucket
    tokens: float = 0.0
    refilled: float = field(default_factory=time.monotonic)

    def deliver(self, message: Outgoing) -> None:
        if not self.closed:
            self.send(message)

    def reply(self, ack: dict) -> None:
        self.deliver(Outgoing(json.dumps(ack, default=str)))


def valid_id(ref: Any) -> bool:
    """An op's ``id``, echoed in its ack: a short string, an integer, or absent."""
    if isinstance(ref, str):
        return len(ref) <= 64
    return ref is None or (type(ref) is int and abs(ref) < 2**53)


RELAYED_OPS = frozenset({"subscribe", "unsubscribe"})


class SubscribeOp(BaseModel):
    channel: str = Field(max_length=200)
    since: int | None = Field(None, ge=0, le=2**31 - 1)


class UnsubscribeOp(BaseModel):
    channel: str = Field(max_length=200)


class RealtimeHub:
    def __init__(
        self,
        outbox: Outbox,
        bus: Bus,
        *,
        max_message_bytes: int = 64 * 1024,
        ops_per_second: float = 20,
        ops_burst: int = 60,
        reorder_seconds: float = 0.5,
        access: ChannelAccess | None = None,
    ):
        self.outbox = outbox
        self.bus = bus
        self.access = access or ChannelAccess(bus)
        self.access.on_revoke(self.revoke)
        self.max_message_bytes = max_message_bytes
        self.ops_per_second = ops_per_second
        self.ops_burst = ops_burst
        self.reorder_seconds = reorder_seconds
        self._ops: dict[str, Op] = {}
        self._subscribers: dict[str, set[Connection]] = {}
        # per channel: the last seq fanned out here, and events that overtook a missing one
        self._fanned: dict[str, int] = {}
        self._held: dict[str, dict[int, Outgoing]] = {}
        self._release_timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task] = set()
        self._next_id = 0
        self.on_subscribe: list[Callable[[Connection, str], Awaitable[None]]] = []
        self.on_unsubscribe: list[Callable[[Connection, str], Awaitable[None]]] = []
        self.on_disconnect: list[Callable[[Connection], Awaitable[None]]] = []
        self.on_alive: list[Callable[[Connection], Awaitable[None]]] = []
        bus.set_listener(self.deliver)
        bus.set_resync(self.resync)
        self.register_op("subscribe", self._subscribe_op, SubscribeOp)
        self.register_op("unsubscribe", self._unsubscribe_op, UnsubscribeOp)

    # -- registration --------------------------------------------------------------------

    def register_channel(self, kind: str, authorize: ChannelAuthorizer) -> None:
        """Channels ``<kind>:<id>`` are open to whoever ``authorize`` lets through (the rule
        is kept by :class:`~.access.ChannelAccess`, the one place that decides)."""
        self.access.register(kind, authorize)

    def register_op(
        self,
        name: str,
        handler: Callable[..., Awaitable[dict | None]],
        model: type[BaseModel] | None = None,
    ) -> None:
        """``await handler(connection, payload)`` answers op ``name``; its result is the ack's
        ``data``. ``payload`` is parsed into ``model`` when given."""
        self._ops[name] = Op(handler, model)

    # -- connections ---------------------------------------------------------------------

    def connect(
        self,
        identity: Identity,
        send: Callable[[Outgoing], None],
        backlog: Callable[[], Awaitable[None] | None] | None = None,
    ) -> Connection:
        self._next_id += 1
        conn = Connection(identity, send, self._next_id, tokens=float(self.ops_burst))
        if backlog is not None:
            conn.backlog = backlog
        return conn

    async def disconnect(self, conn: Connection) -> None:
        conn.closed = True
        for channel in list(conn.subscriptions):
            await self._unsubscribe(conn, channel)
        for callback in self.on_disconnect:
            await self._safely(callback(conn))

    def alive(self, conn: Connection) -> None:
        """The connection answered a websocket ping: it is alive (presence counts on it)."""
        if not conn.closed and conn.relay is None:
            for callback in self.on_alive:
                self.spawn(callback(conn))

    def subscribers(self, channel: str) -> set[Connection]:
        return self._subscribers.get(channel, set())

    # -- incoming frames -----------------------------------------------------------------

    async def receive(self, conn: Connection, text: str | bytes) -> None:
        """Handle one frame from the client and send its ack."""
        ref: Any = None
        envelope: dict = {}
        try:
            # the size first, then the syntax, the nesting and the id: a bad frame gets an
            # error ack and never closes the socket
            envelope = read_json(
                text, max_bytes=self.max_message_bytes, reason="bad_json", what="The message"
            )
            if not isinstance(envelope, dict):
                raise InvalidInput("A message must be a JSON object.", "bad_json")
            ref = envelope.get("id")
            if not valid_id(ref):
                ref = None
                raise InvalidInput("id: give a string (up to 64 characters) or an integer.")
            name = envelope.get("op")
            op = self._ops.get(name) if isinstance(name, str) else None
            if op is None:
                raise InvalidInput(f"Unknown op {name!r}.", "unknown_op")
            if conn.relay is not None and name not in RELAYED_OPS:
                raise NotAuthorized("This connection only follows; it cannot act.", "read_only")
            doing(f"op {name}")
            self._take_token(conn)
            payload: Any = {k: v for k, v in envelope.items() if k not in ("id", "op")}
            if op.model is not None:
                payload = validate(op.model, json.dumps(payload))  # strict types
            data = await op.handler(conn, payload)
            conn.reply({"re": ref, "ok": True, "data": data})
        except StudySessionError as err:
            error = {"code": err.reason, "message": err.message, **err.json_details()}
            if isinstance(err, RateLimited):
                error["retry_after"] = err.retry_after
            conn.reply({"re": ref, "ok": False, "error": error})
        except Exception as err:
            if (down := outage(err)) is not None:  # Redis or the database away: say so
                error = {"code": down.reason, "message": down.message}
            else:
                log.exception("realtime: op %r failed", envelope.get("op"))
                error = {"code": "internal_error", "message": "The server failed; see its log."}
            conn.reply({"re": ref, "ok": False, "error": error})

    def _take_token(self, conn: Connection) -> None:
        now = time.monotonic()
        conn.tokens = min(self.ops_burst, conn.tokens + (now - conn.refilled) * self.ops_per_second)
        conn.refilled = now
        if conn.tokens < 1:
            raise RateLimited("Too many messages on this connection; slow down.", retry_after=1)
        conn.tokens -= 1

    # -- subscriptions -------------------------------------------------------------------

    async def authorize(self, identity: Identity, channel: str) -> None:
        await self.access.authorize(identity, channel)

    async def _subscribe_op(self, conn: Connection, op: SubscribeOp) -> dict:
        return await self.subscribe(conn, op.channel, op.since)

    async def _unsubscribe_op(self, conn: Connection, op: UnsubscribeOp) -> dict:
        await self._unsubscribe(conn, op.channel)
        return {"channel": op.channel}

    async def subscribe(self, conn: Connection, channel: str, since: int | None) -> dict:
        """Authorise, replay what was missed after ``since``, then go live.

        With ``since`` None, nothing is replayed: the client loads the current state by REST
        and continues from the returned ``seq``.
        """
        mark = self.access.mark()
        if conn.relay is not None:
            await conn.relay(channel)
        await self.authorize(conn.identity, channel)
        if channel in conn.subscriptions:
            await self._unsubscribe(conn, channel)
        sub = Subscription(channel, pending=[])
        conn.subscriptions[channel] = sub
        first = channel not in self._subscribers
        self._subscribers.setdefault(channel, set()).add(conn)
        if first:
            await self.bus.listen(channel)
        reset = False
        current = await self.outbox.last_seq(channel)
        if since is None:
            sub.last_seq = current
        elif since > current:  # a history this database never had (it was replaced)
            sub.last_seq, reset = current, True
        else:
            sub.last_seq = since
            reset = await self._catch_up(conn, sub)
            if sub.last_seq < current:  # committed, yet not replayed: pruned
                sub.last_seq, reset = current, True
        await self._ensure_still_allowed(conn, sub, mark)
        self._flush(conn, sub)
        for callback in self.on_subscribe if conn.relay is None else ():
            await self._safely(callback(conn, channel))
        return {"channel": channel, "seq": sub.last_seq, "reset": reset}

    async def _unsubscribe(self, conn: Connection, channel: str) -> None:
        if conn.subscriptions.pop(channel, None) is None:
            return
        subscribers = self._subscribers.get(channel)
        if subscribers is not None:
            subscribers.discard(conn)
            if not subscribers:
                del self._subscribers[channel]
                self._forget_order(channel)
                await self.bus.unlisten(channel)
        for callback in self.on_unsubscribe:
            await self._safely(callback(conn, channel))

    async def _catch_up(self, conn: Connection, sub: Subscription) -> bool:
        """Send stored events after ``sub.last_seq``. Returns True when some were already
        pruned (the client must reload its state)."""
        reset = False
        while True:
            events = await self.outbox.replay(sub.channel, sub.last_seq)
            if events and events[0].seq != sub.last_seq + 1:
                reset = True
            for event in events:
                if event.type == ACCESS_REVOKED and not await self._still_allowed(
                    conn, sub, Revocation.from_data(sub.channel, event.data)
                ):
                    return reset
                conn.deliver(Outgoing(event.to_json()))
                sub.last_seq = event.seq
                if (waiting := conn.backlog()) is not None:
                    await waiting
            if len(events) < 1000:
                return reset

    def _flush(self, conn: Connection, sub: Subscription) -> None:
        """Deliver the live events that arrived while catching up, then go live."""
        pending, sub.pending = sub.pending or [], None
        if conn.subscriptions.get(sub.channel) is not sub:
            return  # ended meanwhile (access revoked)
        for seq, message in sorted(pending, key=lambda p: -1 if p[0] is None else p[0]):
            self._deliver_one(conn, sub, seq, message)

    # -- delivery ------------------------------------------------------------------------

    async def deliver(self, channel: str, message: str) -> None:
        """Called by the bus with one serialised event; fans it out to this process's
        subscribers of ``channel``.

        Writers on one channel commit in ``seq`` order, but their publications can overtake
        each other. An event that arrives ahead of a missing one is held (at most
        ``reorder_seconds``) and fanned out once the missing one arrived, in order: otherwise
        every subscriber would see a gap and query the outbox, one query per subscriber."""
        if not self._subscribers.get(channel):
            return
        event = json.loads(message)
        seq = event.get("seq")
        if event.get("type") == ACCESS_REVOKED:  # before anything after it is fanned out
            self.access.apply(Revocation.from_data(channel, event.get("data") or {}))
        outgoing = Outgoing(message)  # framed once, written to every subscriber
        last = self._fanned.get(channel)
        if seq is not None and last is not None and seq > last + 1:
            held = self._held.setdefault(channel, {})
            held[seq] = outgoing
            if channel not in self._release_timers:
                self._release_timers[channel] = asyncio.get_running_loop().call_later(
                    self.reorder_seconds, self._release, channel
                )
            return
        self._fan_out(channel, seq, outgoing)
        held = self._held.get(channel)
        while held and self._fanned[channel] + 1 in held:
            seq = self._fanned[channel] + 1
            self._fan_out(channel, seq, held.pop(seq))
        if held is not None and not held:
            self._forget_order(channel, keep_seq=True)

    async def resync(self, channels: list[str] | None = None) -> None:
        """The bus may have lost live events of ``channels`` (``None``: every channel with
        subscribers here), as when Redis was away: catch the subscribers up from the outbox,
        on the websockets they already have. Called by the bus."""
        for channel in list(self._subscribers) if channels is None else channels:
            subs = [c.subscriptions.get(channel) for c in self._subscribers.get(channel, ())]
            seqs = [sub.last_seq for sub in subs if sub is not None]
            if not seqs:
                continue
            since = min(seqs)
            # nothing up to ``since`` is missing here: do not hold the replay for it
            self._fanned[channel] = max(self._fanned.get(channel, 0), since)
            while True:
                events = await self.outbox.replay(channel, since)
                for event in events:
                    await self.deliver(channel, event.to_json())
                    since = event.seq
                if len(events) < 1000:
                    break

    def _release(self, channel: str) -> None:
        """The missing event did not come: fan out what was held; subscribers that see the
        gap fetch it from the outbox."""
        self._release_timers.pop(channel, None)
        for seq, outgoing in sorted(self._held.pop(channel, {}).items()):
            self._fan_out(channel, seq, outgoing)

    def _forget_order(self, channel: str, keep_seq: bool = False) -> None:
        timer = self._release_timers.pop(channel, None)
        if timer is not None:
            timer.cancel()
        self._held.pop(channel, None)
        if not keep_seq:
            self._fanned.pop(channel, None)

    def _fan_out(self, channel: str, seq: int | None, outgoing: Outgoing) -> None:
        if seq is not None:
            self._fanned[channel] = max(seq, self._fanned.get(channel, 0))
        for conn in list(self._subscribers.get(channel, ())):
            sub = conn.subscriptions.get(channel)
            if sub is None:
                continue
            if sub.pending is not None:
                sub.pending.append((seq, outgoing))
            elif seq is not None and seq == sub.last_seq + 1:  # the usual case, inlined
                sub.last_seq = seq
                if not conn.closed:
                    conn.send(outgoing)
            else:
                self._deliver_one(conn, sub, seq, outgoing)

    def _deliver_one(
        self, conn: Connection, sub: Subscription, seq: int | None, message: Outgoing
    ) -> None:
        if seq is None:
            conn.deliver(message)
        elif seq <= sub.last_seq:
            return  # already delivered (replayed, or a duplicate from the bus)
        elif seq == sub.last_seq + 1:
            conn.deliver(message)
            sub.last_seq = seq
        else:  # a gap: fetch what is missing from the outbox, keep this one for after
            sub.pending = [(seq, message)]
            self.spawn(self._repair(conn, sub))

    async def _repair(self, conn: Connection, sub: Subscription) -> None:
        await self._catch_up(conn, sub)
        self._flush(conn, sub)

    # -- access that ends -----------------------------------------------------------------

    def revoke(self, revocation: Revocation) -> None:
        """Access to ``revocation.scope`` may have ended for some users (a callback of
        :class:`~.access.ChannelAccess`): hold their subscriptions' live events at once, check
        their access again, and end the subscriptions it no longer allows, telling each tab
        why (``subscription.ended``)."""
        for channel in (revocation.scope, f"presence:{revocation.scope}"):
            for conn in list(self._subscribers.get(channel, ())):
                sub = conn.subscriptions.get(channel)
                if sub is None or not revocation.concerns(conn.identity.username):
                    continue
                hold = sub.pending is None
                if hold:
                    sub.pending = []
                self.spawn(self._recheck(conn, sub, revocation, hold))

    async def _recheck(
        self, conn: Connection, sub: Subscription, revocation: Revocation, resume: bool
    ) -> None:
        if await self._still_allowed(conn, sub, revocation) and resume:
            self._flush(conn, sub)

    async def _still_allowed(
        self, conn: Connection, sub: Subscription, revocation: Revocation
    ) -> bool:
        """Check access again if ``revocation`` concerns the tab's user; end the
        subscription (with a ``subscription.ended`` event) if it is no longer allowed."""
        if conn.subscriptions.get(sub.channel) is not sub:
            return False
        if not revocation.concerns(conn.identity.username):
            return True
        if await self.access.allowed(conn.identity, sub.channel):
            return True
        if conn.subscriptions.get(sub.channel) is sub:
            conn.deliver(Outgoing(subscription_ended(sub.channel, revocation)))
            await self._unsubscribe(conn, sub.channel)
        return False

    async def _ensure_still_allowed(self, conn: Connection, sub: Subscription, mark: int) -> None:
        """At the end of a subscribe: if access may have ended since it was checked (a
        revocation arrived meanwhile, or the replay ended it), refuse the subscription."""
        ended = conn.subscriptions.get(sub.channel) is not sub
        if not ended and self.access.revoked_since(mark, conn.identity.username, sub.channel):
            ended = not await self.access.allowed(conn.identity, sub.channel)
        if ended:
            await self._unsubscribe(conn, sub.channel)
            raise NotAuthorized(f"You may no longer follow {sub.channel}.", "access_revoked")

    # -- helpers -------------------------------------------------------------------------

    def spawn(self, coro) -> None:
        """Run ``coro`` in the background; kept, and its failure logged."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log_failure("background task", task.exception())

    @staticmethod
    async def _safely(awaitable) -> None:
        try:
            await awaitable
        except Exception as err:
            _log_failure("callback", err)

    async def close(self) -> None:
        for timer in self._release_timers.values():
            timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)


def _log_failure(what: str, err: BaseException) -> None:
    """A failure in the background: one line while Redis or the database is away (every tab's
    presence would log a traceback otherwise), a traceback for anything else."""
    if (down := outage(err)) is not None:
        log.warning("realtime: a %s failed: %s", what, down.reason)
    else:
        log.error("realtime: a %s failed", what, exc_info=err)
