"""Presence in Redis, shared by every server replica (``bus_url = "redis://..."``).

Keys, under :attr:`RedisPresenceStore.prefix`:

==================================  ==========================================================
``tabs``                            sorted set: tab -> last heartbeat (clock time, seconds)
``tab:<tab>``                       hash: ``user``, ``seen``, ``idle``
``tab:<tab>:sessions``              set: the sessions the tab is subscribed to
``user:<name>:tabs``                set: the user's tabs, in every process
``user:<name>``                     hash: activity, the session entered last, what was shown
``session:<id>:users``              set: users with at least one tab in the session
``session:<id>:user:<name>``        set: that user's tabs in the session
``departures``                      sorted set: ``<session id>:<user>`` -> when the last tab left
==================================  ==========================================================

Per-tab, per-user and per-session keys carry a TTL that every heartbeat renews, so the state
of a replica that was killed disappears even if no other replica is left to sweep it. The
sweep itself reads the ``tabs`` scores, so it follows the server's clock. Steps that touch
several keys run as Lua scripts: atomic, so replicas never see half a change and each tab and
departure is claimed by exactly one of them. (Keys are derived inside the scripts, which
suits a single Redis server or a replicated one, not Redis Cluster.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone

from traitlets import Int, Unicode

from ...bus import redis_client
from .store import (
    ACTIVITY_FIELDS,
    USER_FIELDS,
    ClosedTab,
    Departure,
    LiveUser,
    PresenceStore,
    check_user_fields,
)

_OPEN_TAB = """
local p, tab, user = ARGV[1], ARGV[2], ARGV[3]
local ttl = tonumber(ARGV[6])
redis.call('ZADD', p .. 'tabs', ARGV[4], tab)
redis.call('HSET', p .. 'tab:' .. tab, 'user', user, 'seen', ARGV[4], 'idle', ARGV[5])
redis.call('EXPIRE', p .. 'tab:' .. tab, ttl)
local mine = p .. 'user:' .. user .. ':tabs'
redis.call('SADD', mine, tab)
redis.call('EXPIRE', mine, ttl)
if redis.call('EXISTS', p .. 'user:' .. user) == 1 then
  redis.call('EXPIRE', p .. 'user:' .. user, ttl)
end
return redis.call('SCARD', mine)
"""

_TOUCH_TAB = """
local p, tab = ARGV[1], ARGV[2]
local ttl = tonumber(ARGV[5])
if not redis.call('ZSCORE', p .. 'tabs', tab) then return -1 end
local key = p .. 'tab:' .. tab
local user = redis.call('HGET', key, 'user')
if not user then
  redis.call('ZREM', p .. 'tabs', tab)
  return -1
end
local before = redis.call('HGET', key, 'idle')
redis.call('ZADD', p .. 'tabs', ARGV[3], tab)
redis.call('HSET', key, 'seen', ARGV[3], 'idle', ARGV[4])
redis.call('EXPIRE', key, ttl)
redis.call('EXPIRE', key .. ':sessions', ttl)
redis.call('EXPIRE', p .. 'user:' .. user .. ':tabs', ttl)
redis.call('EXPIRE', p .. 'user:' .. user, ttl)
for _, sid in ipairs(redis.call('SMEMBERS', key .. ':sessions')) do
  redis.call('EXPIRE', p .. 'session:' .. sid .. ':users', ttl)
  redis.call('EXPIRE', p .. 'session:' .. sid .. ':user:' .. user, ttl)
end
if before == ARGV[4] then return 0 end
return 1
"""

# leave one session; at the user's last tab there, record the departure (a Lua function
# shared by the scripts below)
_LEAVE = """
local function leave(p, tab, user, sid, at)
  local key = p .. 'session:' .. sid .. ':user:' .. user
  if redis.call('SREM', key, tab) == 0 then return -1 end
  local n = redis.call('SCARD', key)
  if n == 0 then
    redis.call('SREM', p .. 'session:' .. sid .. ':users', user)
    redis.call('ZADD', p .. 'departures', at, sid .. ':' .. user)
  end
  return n
end
"""

_CLOSE_TAB = (
    _LEAVE
    + """
local p, tab = ARGV[1], ARGV[2]
if redis.call('ZREM', p .. 'tabs', tab) == 0 then return false end
local key = p .. 'tab:' .. tab
local user = redis.call('HGET', key, 'user')
local seen = redis.call('HGET', key, 'seen')
local sessions = redis.call('SMEMBERS', key .. ':sessions')
redis.call('DEL', key, key .. ':sessions')
if not user then return false end
local at = ARGV[3]
if at == '' then at = seen end
local left = {}
for _, sid in ipairs(sessions) do
  if leave(p, tab, user, sid, at) == 0 then table.insert(left, sid) end
end
local mine = p .. 'user:' .. user .. ':tabs'
redis.call('SREM', mine, tab)
local remaining = redis.call('SCARD', mine)
if remaining == 0 then
  redis.call('HDEL', p .. 'user:' .. user, unpack(cjson.decode(ARGV[4])))
end
return {user, seen, remaining, left}
"""
)

_ENTER_SESSION = """
local p, tab, user, sid = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ttl = tonumber(ARGV[5])
if not redis.call('ZSCORE', p .. 'tabs', tab) then return false end
local keys = {p .. 'tab:' .. tab .. ':sessions', p .. 'session:' .. sid .. ':user:' .. user,
              p .. 'session:' .. sid .. ':users'}
local members = {sid, tab, user}
for i = 1, 3 do
  redis.call('SADD', keys[i], members[i])
  redis.call('EXPIRE', keys[i], ttl)
end
local resumed = redis.call('ZREM', p .. 'departures', sid .. ':' .. user)
return {redis.call('SCARD', keys[2]), resumed}
"""

_EXIT_SESSION = (
    _LEAVE
    + """
local p, tab, user, sid = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('SREM', p .. 'tab:' .. tab .. ':sessions', sid)
return leave(p, tab, user, sid, ARGV[5])
"""
)

_CLAIM_DEPARTURES = """
local due = redis.call('ZRANGEBYSCORE', ARGV[1] .. 'departures', '-inf', ARGV[2],
                       'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
for i = 1, #due, 2 do redis.call('ZREM', ARGV[1] .. 'departures', due[i]) end
return due
"""


def _score(when: datetime) -> str:
    return repr(when.timestamp())


def _when(score: bytes | str | float) -> datetime:
    if isinstance(score, bytes):
        score = score.decode()
    return datetime.fromtimestamp(float(score), timezone.utc)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisPresenceStore(PresenceStore):
    """Presence in Redis, so that every replica sees the same tabs (see the module doc)."""

    url = Unicode(
        "redis://127.0.0.1:6379/0",
        config=True,
        help="Redis URL (the app passes ``c.StudySessionApp.bus_url``).",
    )
    prefix = Unicode(
        "studysession:presence:",
        help="""Prefix of every presence key in Redis. The app sets it from the bus's
        (``c.RedisBus.prefix`` + ``presence:``), so one setting separates deployments.""",
    )
    ttl_seconds = Int(
        600,
        config=True,
        help="""How long (real seconds) the keys of a tab, user or session outlive their last
        heartbeat; a backstop for replicas that died. Keep it well above the presence timeout.""",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._redis = redis_client(self.url)
        self._open_tab = self._redis.register_script(_OPEN_TAB)
        self._touch_tab = self._redis.register_script(_TOUCH_TAB)
        self._close_tab = self._redis.register_script(_CLOSE_TAB)
        self._enter = self._redis.register_script(_ENTER_SESSION)
        self._exit = self._redis.register_script(_EXIT_SESSION)
        self._claim = self._redis.register_script(_CLAIM_DEPARTURES)

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    # -- tabs ----------------------------------------------------------------------------

    async def open_tab(self, tab: str, username: str, now: datetime, idle: bool = False) -> int:
        args = [self.prefix, tab, username, _score(now), int(idle), self.ttl_seconds]
        return int(await self._open_tab(args=args))

    async def touch_tab(self, tab: str, now: datetime, idle: bool) -> bool | None:
        args = [self.prefix, tab, _score(now), int(idle), self.ttl_seconds]
        result = int(await self._touch_tab(args=args))
        return None if result < 0 else bool(result)

    async def close_tab(self, tab: str, at: datetime | None = None) -> ClosedTab | None:
        args = [self.prefix, tab, _score(at) if at else "", _lua_list(ACTIVITY_FIELDS)]
        result = await self._close_tab(args=args)
        if not result:
            return None
        user, seen, remaining, left = result
        return ClosedTab(
            username=_text(user),
            seen=_when(seen),
            left_sessions=sorted(_text(s) for s in left),
            tabs_left=int(remaining),
        )

    async def stale_tabs(self, before: datetime, limit: int = 1000) -> list[str]:
        found = await self._redis.zrangebyscore(
            self._key("tabs"), "-inf", f"({before.timestamp()!r}", start=0, num=limit
        )
        return [_text(t) for t in found]

    # -- users ---------------------------------------------------------------------------

    async def users(self, usernames: Iterable[str]) -> dict[str, LiveUser]:
        names = list(dict.fromkeys(usernames))
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.smembers(self._key("user", name, "tabs"))
                pipe.hgetall(self._key("user", name))
            replies = await pipe.execute()
        tabs_of = {name: sorted(_text(t) for t in replies[2 * i]) for i, name in enumerate(names)}
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in names:
                for tab in tabs_of[name]:
                    pipe.hmget(self._key("tab", tab), "seen", "idle")
            states = iter(await pipe.execute())
        found = {}
        for i, name in enumerate(names):
            live = [
                (seen, idle)
                for seen, idle in (next(states) for _ in tabs_of[name])
                if seen is not None
            ]
            values = {_text(k): _text(v) for k, v in replies[2 * i + 1].items()}
            found[name] = LiveUser(
                username=name,
                tabs=len(live),
                idle=bool(live) and all(_text(idle) == "1" for _, idle in live),
                seen=max((_when(seen) for seen, _ in live), default=None),
                **{k: v for k, v in values.items() if k in USER_FIELDS},
            )
        return found

    async def update_user(self, username: str, **values: str | None) -> None:
        check_user_fields(values)
        key = self._key("user", username)
        present = {k: v for k, v in values.items() if v is not None}
        absent = [k for k, v in values.items() if v is None]
        async with self._redis.pipeline(transaction=True) as pipe:
            if present:
                pipe.hset(key, mapping=present)
            if absent:
                pipe.hdel(key, *absent)
            pipe.expire(key, self.ttl_seconds)
            await pipe.execute()

    # -- sessions and attendance ---------------------------------------------------------

    async def enter_session(
        self, tab: str, username: str, session_id: str
    ) -> tuple[int, bool] | None:
        args = [self.prefix, tab, username, session_id, self.ttl_seconds]
        result = await self._enter(args=args)
        if not result:
            return None
        count, resumed = result
        return int(count), bool(resumed)

    async def exit_session(
        self, tab: str, username: str, session_id: str, at: datetime
    ) -> int | None:
        result = int(await self._exit(args=[self.prefix, tab, username, session_id, _score(at)]))
        return None if result < 0 else result

    async def session_tabs(self, session_id: str, username: str) -> int:
        return int(await self._redis.scard(self._key("session", session_id, "user", username)))

    async def session_users(self, session_id: str) -> set[str]:
        members = await self._redis.smembers(self._key("session", session_id, "users"))
        return {_text(m) for m in members}

    async def departures(self, session_id: str) -> dict[str, datetime]:
        found = {}
        pattern = _glob_escape(session_id) + ":*"
        async for member, score in self._redis.zscan_iter(self._key("departures"), match=pattern):
            found[_text(member).partition(":")[2]] = _when(score)
        return found

    async def claim_departures(self, before: datetime, limit: int = 1000) -> list[Departure]:
        flat = await self._claim(args=[self.prefix, _score(before), limit])
        claimed = []
        for member, score in zip(flat[::2], flat[1::2], strict=True):
            session_id, _, username = _text(member).partition(":")
            claimed.append(Departure(session_id, username, _when(score)))
        return claimed

    async def close(self) -> None:
        await self._redis.aclose()


def _lua_list(items: Iterable[str]) -> str:
    return json.dumps(list(items))


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
