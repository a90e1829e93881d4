"""The event bus: how a published realtime message reaches every server process.

Managers publish after their transaction commits. ``LocalBus`` delivers inside this process
(the default); ``RedisBus`` publishes through Redis pub/sub so that every replica delivers to
its own websocket subscribers. Messages are already-serialised JSON strings: they are encoded
once, whatever the number of recipients.

The bus is a fast path, never the record: durable events are in the outbox first. When Redis
fails, a publication or a replica's subscription may miss events; the bus then asks every
replica to **resync** (catch up from the outbox) once Redis is back: the replica whose reader
lost its connection resyncs all its channels, and a replica whose publication failed tells the
others which channels to resync (see :meth:`Bus.missed` and docs/guarantees.md).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from traitlets import Float, MetaHasTraits, Unicode
from traitlets.config import LoggingConfigurable

from .exceptions import BusUnavailable

Listener = Callable[[str, str], Awaitable[None] | None]
"""Called with ``(channel, message)`` for every message on a channel it listens to."""

Resync = Callable[[list[str] | None], Awaitable[None]]
"""Called with the channels (``None``: every channel this process listens to) whose live
events may have been lost on the bus: catch them up from the outbox."""

RESYNC = "__resync__"
"""The control channel on which a replica names the channels whose publication failed."""

log = logging.getLogger(__name__)


class _BusMeta(MetaHasTraits, abc.ABCMeta):
    pass


class Bus(LoggingConfigurable, metaclass=_BusMeta):
    """Publish/subscribe by channel name. One listener per process (the realtime hub)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._listener: Listener | None = None
        self._resync: Resync | None = None
        self._routes: dict[str, Listener] = {}
        self._channels: set[str] = set()

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    def set_resync(self, resync: Resync) -> None:
        """Who catches up from the outbox when the bus may have lost events (the hub)."""
        self._resync = resync

    def missed(self, channel: str) -> None:
        """Publishing a durable event on ``channel`` failed after its commit: make sure every
        replica catches up from the outbox once the bus works again. (In process, nothing is
        ever lost.)"""

    def route(self, channel: str, listener: Listener) -> None:
        """Messages on ``channel`` go to ``listener`` instead of the hub, always (a control
        channel of the server, such as revocations). Call it before :meth:`start`.
        ``"<kind>:*"`` routes the channels ``<kind>:...`` that this process listens to (the
        shared documents relay their updates between replicas this way)."""
        self._routes[channel] = listener

    async def start(self) -> None:
        """Connect (if needed). Called once when the server starts."""

    async def stop(self) -> None:
        """Disconnect. Called once when the server stops."""

    @abc.abstractmethod
    async def publish(self, channel: str, message: str) -> None:
        """Send ``message`` to every process listening to ``channel``."""

    async def listen(self, channel: str) -> None:
        """Start receiving ``channel`` in this process."""
        self._channels.add(channel)

    async def unlisten(self, channel: str) -> None:
        self._channels.discard(channel)

    async def _deliver(self, channel: str, message: str) -> None:
        listener = self._routes.get(channel)
        if listener is None:
            listener = self._routes.get(channel.partition(":")[0] + ":*", self._listener)
            if listener is None or channel not in self._channels:
                return
        result = listener(channel, message)
        if asyncio.iscoroutine(result):
            await result


class LocalBus(Bus):
    """Delivers in this process only: one server, no Redis."""

    async def publish(self, channel: str, message: str) -> None:
        await self._deliver(channel, message)


class RedisBus(Bus):
    """Redis pub/sub, so several server replicas behave as one.

    Each process subscribes to the channels its own websockets listen to, so a replica only
    receives what it delivers. When Redis goes away, publications fail (the outbox keeps the
    events, :meth:`missed` remembers the channels) and the reader reconnects; every
    reconnection resyncs this replica's channels from the outbox, and the channels whose
    publication failed are named to every replica on :data:`RESYNC` once Redis is back.
    """

    url = Unicode(
        "redis://127.0.0.1:6379/0", config=True, help="Redis URL (``c.StudySessionApp.bus_url``)."
    )
    prefix = Unicode("studysession:", config=True, help="Prefix of the Redis channel names.")
    retry_seconds = Float(
        0.5,
        config=True,
        help="While Redis cannot be reached, how often (seconds) to try again to reconnect "
        "and to tell the other replicas which channels to catch up.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._redis = None
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._missed: set[str] = set()
        self._notifier: asyncio.Task | None = None
        self._resyncs: set[asyncio.Task] = set()
        self._lost = False  # the reader's connection is down

    async def start(self) -> None:
        self._redis = redis_client(self.url)
        self._routes[RESYNC] = self._resync_notice
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        # a pub/sub connection needs one subscription before it can be read
        await self._pubsub.subscribe(*self._control_channels())
        self._pubsub.connection.register_connect_callback(self._reconnected)
        self._reader = asyncio.ensure_future(self._read())

    async def stop(self) -> None:
        tasks = [t for t in (self._reader, self._notifier, *self._resyncs) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    async def publish(self, channel: str, message: str) -> None:
        try:
            await self._redis.publish(self.prefix + channel, message)
        except _redis_errors() as err:
            raise BusUnavailable(BusUnavailable.default_message) from err

    def missed(self, channel: str) -> None:
        self._missed.add(channel)
        if self._notifier is None or self._notifier.done():
            self._notifier = asyncio.ensure_future(self._name_missed())

    async def listen(self, channel: str) -> None:
        """Listen to ``channel``. While Redis is away this still succeeds: the channel is
        subscribed, and caught up from the outbox, as soon as the reader reconnects."""
        if channel not in self._channels:
            await super().listen(channel)
            with contextlib.suppress(*_redis_errors()):
                await self._pubsub.subscribe(self.prefix + channel)

    async def unlisten(self, channel: str) -> None:
        if channel in self._channels:
            await super().unlisten(channel)
            with contextlib.suppress(*_redis_errors()):
                await self._pubsub.unsubscribe(self.prefix + channel)

    def _control_channels(self) -> list[str]:
        controls = [c for c in self._routes if not c.endswith(":*")]  # not the relays
        return [self.prefix + c for c in controls]

    async def _read(self) -> None:
        while True:
            try:
                async for item in self._pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    channel = item["channel"].decode()[len(self.prefix) :]
                    try:
                        await self._deliver(channel, item["data"].decode())
                    except Exception:
                        log.exception("bus: delivering a message on %s failed", channel)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                if not self._lost:  # once per outage, not once per try
                    self._lost = True
                    log.warning(
                        "bus: Redis cannot be reached (%s); retrying every %s s, live events "
                        "resume from the outbox",
                        err,
                        self.retry_seconds,
                    )
                await asyncio.sleep(self.retry_seconds)

    def _reconnected(self, _connection) -> None:
        """The reader's connection to Redis was established again (redis-py subscribes its
        channels again first): catch up what this replica missed meanwhile."""
        task = asyncio.ensure_future(self._resync_all())
        self._resyncs.add(task)
        task.add_done_callback(self._resyncs.discard)

    async def _resync_all(self) -> None:
        self._lost = False
        log.info("bus: reconnected to Redis; catching up from the outbox")
        subscribed = {c.decode() if isinstance(c, bytes) else c for c in self._pubsub.channels}
        lost = [self.prefix + c for c in self._channels if self.prefix + c not in subscribed]
        try:
            if lost:  # listened to while Redis was away
                await self._pubsub.subscribe(*lost)
            if self._resync is not None:
                await self._resync(None)
        except Exception:
            log.exception("bus: catching up after a reconnection failed")

    async def _name_missed(self) -> None:
        """Until Redis takes it, try to tell every replica (this one too) which channels'
        events it could not publish."""
        while self._missed:
            channels = sorted(self._missed)
            try:
                await self._redis.publish(self.prefix + RESYNC, json.dumps(channels))
            except _redis_errors():
                await asyncio.sleep(self.retry_seconds)
                continue
            self._missed.difference_update(channels)

    async def _resync_notice(self, _channel: str, message: str) -> None:
        channels = [c for c in json.loads(message) if c in self._channels]
        if channels and self._resync is not None:
            await self._resync(channels)


def redis_client(url: str):
    """A Redis client (the bus's, the presence store's) that fails fast while Redis is away:
    a few quick retries, then an error, so that callers never hang (the outbox keeps the
    events; a read answers 503). A burst of more commands than the pool has connections waits
    for one (as long as a reply may take): redis-py's default pool would refuse the 101st with
    an error that reads as Redis being away (every tab of a course reconnecting at once)."""
    import redis.asyncio as redis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff

    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=100,
        timeout=5,
        socket_connect_timeout=2,
        socket_timeout=5,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
    )
    return redis.Redis.from_pool(pool)


def _redis_errors() -> tuple[type[Exception], ...]:
    """The errors of a Redis that cannot be reached (refused, reset, timed out, loading)."""
    from redis.exceptions import ConnectionError, TimeoutError

    return (ConnectionError, TimeoutError, OSError)
