"""A course's busy hour against one server or several replicas, side by side with a base
version of the code.

    python benchmarks/course_day.py [--scale 1] [--duration 90] [--base-ref main]
                                    [--postgres URL --redis URL --replicas 2]
                                    [--out results.json] [--profile DIR]

The mix of issue 15, driven only through the public REST API and the websocket, as browsers
would (every tab sends a ``heartbeat`` op when it opens and every 15 s):

- ``30 x scale`` study sessions of 5-15 participants each. Every participant acts every 6-20 s:
  mostly ``chat.send``, sometimes a goal (``goal.create``, ``goal.update``); the host runs the
  shared timer (``timer.start``/``pause``/``resume``). Now and then a participant drops their
  network (the socket closes) and comes back 3-8 s later, resuming with ``since``; or leaves
  the session over REST and joins again.
- Office hours: three TAs on duty and ``80 x scale`` students in the queue (``queue.join``).
  The TAs admit one student at a time and finish them later; a finished student queues again.
  TAs follow ``queue:<id>`` and reload the queue over REST when an event names an entry they
  do not know (at most every 150 ms each), as the JupyterLab view does.
- A study group of ``12 x scale`` members chatting on ``group:<id>``.

Measured (over ``--duration`` s after the setup): per-op ack latency; chat delivery latency
(the text carries its send time; replays after a reconnect are not counted); presence "online"
latency (from a returning tab's first heartbeat until each session member who saw the user
go offline, connected all along, sees them back on ``presence:session:<id>``); the server's
event-loop lag,
measured inside the server (every callback that held its loop ≥ ``--lag-floor`` s, recorded
by :class:`jupyter_studysession.looplag.LoopLagMonitor`, which this script installs in the
server process before the server starts, the same for both versions), and the server's full
(generation 2) garbage collections with their durations; server and client CPU.
Delivery is checked: every tab's durable events arrive with consecutive ``seq`` across
reconnects (no duplicate, no gap), and at the end every tab has its channel's last event.

With ``--base-ref REF`` the same run is made first against the package of git ``REF``
(extracted with ``git archive``, put first on the server's ``PYTHONPATH``; same venv), so the
two can be compared side by side. The server runs pinned to ``--server-core``, this script to
``--client-core``; the helpers come from ``chat_fanout.py``.

By default the server is alone on a SQLite file with its in-process bus. With ``--postgres URL``
(a PostgreSQL server, e.g. ``postgresql://postgres@127.0.0.1:5432``) each run gets the database
``course_day`` on it, dropped and created anew; with ``--redis URL`` the replicas share that
Redis as their bus, under a key prefix of the run's own (its keys are deleted at the end); with
``--replicas N`` N servers share both, started one after the other (the first creates the
schema), all pinned to ``--server-core``. Each user's tab and REST calls go to one replica,
dealt in turn within each session, the queue's students, the TAs and the group, so that every
session's participants are split over the replicas and its deliveries cross the bus. Loop lag
and CPU are recorded per replica, and summed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.util
import json
import logging
import random
import re
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path

from chat_fanout import Server, Spy, api, cpu_seconds, percentile, pin, side_by_side, summarize

SCRIPT = str(Path(__file__).resolve())
REPO = Path(SCRIPT).parent.parent
HEARTBEAT = 15.0
EXTRA_CONFIG = """
c.StudySessionApp.instructors = {{"host"}}
c.StudySessionApp.tas = {tas!r}
c.StudySessionApp.queue_join_limit = "1000000/minute"
"""
SHARED_CONFIG = """
c.StudySessionApp.db_url = {db_url!r}
c.StudySessionApp.bus_url = {bus_url!r}
c.RedisBus.prefix = {prefix!r}
"""


# -- the server side: the loop-lag probe ------------------------------------------------------


def serve_probed(lag_log: str, floor: float, argv: list[str]) -> None:
    """Run ``jupyter_server`` with a :class:`LoopLagMonitor` installed first, recording every
    callback that blocks the loop ≥ ``floor`` s in ``lag_log`` ("<time> <message>" lines).

    The monitor is this checkout's ``looplag.py``, loaded by path, so the base version is
    measured the same way (the package under test may not have it). Registered under its
    module name, so this version's ops name themselves in the record."""
    name = "jupyter_studysession.looplag"
    spec = importlib.util.spec_from_file_location(name, REPO / "jupyter_studysession/looplag.py")
    looplag = importlib.util.module_from_spec(spec)
    sys.modules[name] = looplag
    spec.loader.exec_module(looplag)
    log = logging.getLogger("course_day.lag")
    handler = logging.FileHandler(lag_log)
    handler.setFormatter(logging.Formatter("%(created).3f %(message)s"))
    log.addHandler(handler)
    log.propagate = False
    looplag.LoopLagMonitor(floor, log).install()
    package = importlib.util.find_spec("jupyter_studysession").submodule_search_locations[0]
    log.warning("Package at %s", package)
    started = [0.0]

    def full_collections(phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            log.warning("Full collection took %.1f ms", (time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(full_collections)
    from jupyter_server.serverapp import main

    sys.argv = ["jupyter-server", *argv]
    sys.exit(main())


BLOCK = re.compile(r"^(\d+\.\d+) Event loop blocked for (\d+) ms by (.*)$")
FULL_GC = re.compile(r"^(\d+\.\d+) Full collection took (\d+\.\d) ms$")
PACKAGE = re.compile(r"^\d+\.\d+ Package at (.*)$")


def read_lag(paths: list[Path], start: float, end: float) -> dict:
    """The record of one server, or of several together (blocks of all, p99 over all)."""
    blocks, collections, packages = [], [], set()
    for path in paths:
        with contextlib.suppress(OSError):
            for line in path.read_text(errors="replace").splitlines():
                match = BLOCK.match(line)
                if match and start <= float(match[1]) <= end:
                    blocks.append((float(match[2]), match[3]))
                match = FULL_GC.match(line)
                if match and start <= float(match[1]) <= end:
                    collections.append(float(match[2]))
                match = PACKAGE.match(line)
                if match:
                    packages.add(match[1])
    ms = [b[0] for b in blocks]
    by_what: dict[str, float] = defaultdict(float)
    for seconds, what in blocks:
        by_what[what] += seconds
    top = sorted(by_what.items(), key=lambda kv: -kv[1])[:8]
    return {
        "blocks": len(ms),
        "blocks_over_100ms": sum(1 for x in ms if x >= 100),
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms, default=None),
        "blocked_s": round(sum(ms) / 1000, 2),
        "top": [{"what": w, "ms": round(t)} for w, t in top],
        "full_collections": len(collections),
        "full_collection_max_ms": max(collections, default=None),
        "package": sorted(packages),
    }


# -- the client side --------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.acks: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.chat: list[float] = []
        self.online: list[float] = []
        self.returning: dict[str, float] = {}  # username -> first heartbeat of the return
        self.deliveries = 0
        self.duplicates = 0
        self.gaps = 0
        self.last_seq: dict[str, int] = {}  # channel -> highest seq seen by anyone
        self.measuring = False


class Tab:
    """One browser tab: a websocket, its acks, and the durable channels it follows."""

    def __init__(self, server: Server, user: str, stats: Stats):
        self.server = server
        self.user = user
        self.stats = stats
        self.conn = None
        self.acks: dict[int, tuple[asyncio.Future, str, float]] = {}
        self.next_id = 0
        self.seqs: dict[str, int] = {}  # durable channel -> last seq received
        self.live: set[str] = set()  # channels past their subscribe ack
        self.seen_online: set[tuple[str, float]] = set()
        self.status: dict[str, str] = {}  # presence status last seen, by username
        self.opened_at = 0.0  # this tab's own latest connection
        self.on_event = None  # extra handler (TAs)
        self.tasks: list[asyncio.Task] = []

    async def open(self) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = f"ws://127.0.0.1:{self.server.port}/studysession/api/ws"
        headers = {"Authorization": f"token {self.server.users[self.user]}"}
        self.conn = await websocket_connect(HTTPRequest(url, headers=headers))
        self.opened_at = time.time()
        self.live.clear()
        self.tasks = [
            asyncio.ensure_future(self._read(self.conn)),
            asyncio.ensure_future(self._beat()),
        ]

    def drop(self) -> None:
        self.live.clear()
        for task in self.tasks:
            task.cancel()
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        for future, _, _ in self.acks.values():
            if not future.done():
                future.cancel()
        self.acks.clear()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            await self.op("heartbeat")

    async def op(self, name: str, **payload) -> dict | None:
        if self.conn is None:
            return None
        self.next_id += 1
        ref = self.next_id
        future = asyncio.get_running_loop().create_future()
        self.acks[ref] = (future, name, time.time())
        with contextlib.suppress(Exception):
            await self.conn.write_message(json.dumps({"id": ref, "op": name, **payload}))
        done, _ = await asyncio.wait({future}, timeout=120)
        if not done or future.cancelled():  # the tab dropped meanwhile
            return None
        ack = future.result()
        if not ack.get("ok"):
            self.stats.errors[f"{name}: {ack['error'].get('code')}"] += 1
        return ack

    async def subscribe(self, channel: str, resume: bool = True) -> dict | None:
        since = self.seqs.get(channel) if resume else None
        if not resume:
            self.seqs.pop(channel, None)
        ack = await self.op("subscribe", channel=channel, since=since)
        if ack and ack.get("ok"):
            seq = ack["data"]["seq"]
            if self.seqs.get(channel, 0) < seq:
                self.seqs[channel] = seq
            self.live.add(channel)
        return ack

    async def _read(self, conn) -> None:
        stats = self.stats
        while True:
            message = await conn.read_message()
            if message is None:
                return
            now = time.time()
            frame = json.loads(message)
            if "re" in frame:
                entry = self.acks.pop(frame["re"], None)
                if entry is not None:
                    future, name, sent = entry
                    if stats.measuring:
                        stats.acks[name].append((now - sent) * 1000)
                    if not future.done():
                        future.set_result(frame)
                continue
            if stats.measuring:
                stats.deliveries += 1
            channel, seq, type_ = frame.get("channel"), frame.get("seq"), frame.get("type")
            if seq is not None:
                last = self.seqs.get(channel)
                if last is not None and seq <= last:
                    stats.duplicates += 1
                    continue
                if last is not None and seq != last + 1:
                    stats.gaps += 1
                self.seqs[channel] = seq
                stats.last_seq[channel] = max(seq, stats.last_seq.get(channel, 0))
            data = frame.get("data") or {}
            if type_ == "chat.message" and channel in self.live and stats.measuring:
                text = data.get("message", {}).get("text", "")
                if text.startswith("cd|"):
                    stats.chat.append((now - float(text.split("|", 2)[1])) * 1000)
            elif type_ == "presence.changed" and stats.measuring:
                for item in data.get("users", []):
                    name, status = item["user"]["username"], item["status"]
                    before, self.status[name] = self.status.get(name), status
                    since = stats.returning.get(name)
                    if (
                        since is not None
                        and self.opened_at <= since  # was here to see it live
                        and before == "offline"  # seen leaving, now seen back
                        and status != "offline"
                        and (name, since) not in self.seen_online
                    ):
                        self.seen_online.add((name, since))
                        stats.online.append((now - since) * 1000)
            if self.on_event is not None:
                self.on_event(frame)

    def close(self) -> None:
        self.drop()


async def pause(low: float, high: float) -> None:
    await asyncio.sleep(random.uniform(low, high))


class Course:
    """The simulated people; :meth:`setup` over REST, then :meth:`run` until stopped."""

    def __init__(self, homes: dict[str, Server], plan: dict, stats: Stats):
        self.homes = homes  # username -> the replica their tab and REST calls go to
        self.plan = plan
        self.stats = stats
        self.tabs: list[Tab] = []
        self.sent = 0

    def tab(self, user: str) -> Tab:
        tab = Tab(self.homes[user], user, self.stats)
        self.tabs.append(tab)
        return tab

    async def rest(self, user: str, path: str, method: str = "GET", body=None) -> dict:
        start = time.time()
        try:
            return await api(self.homes[user], user, path, method, body)
        finally:
            if self.stats.measuring:
                self.stats.acks[f"REST {method} {path.split('/')[0]}"].append(
                    (time.time() - start) * 1000
                )

    async def setup(self) -> None:
        plan = self.plan
        joins = []
        for sid_index, members in enumerate(plan["sessions"]):
            host, guests = members[0], members[1:]
            session = await self.rest(
                host,
                "sessions",
                "POST",
                {
                    "title": f"Study {sid_index}",
                    "type": "group",
                    "invite": guests,
                    "max_participants": 20,
                },
            )
            plan["session_ids"].append(session["id"])
            joins += [(g, session["id"]) for g in guests]
        await gather_limited([self.rest(g, f"sessions/{s}/join", "POST", {}) for g, s in joins])
        for sid, members in zip(plan["session_ids"], plan["sessions"], strict=True):
            await self.rest(members[0], f"sessions/{sid}/start", "POST", {})
        oh = await self.rest("host", "officehours", "POST", {"title": "Office hours"})
        plan["officehours_id"] = oh["id"]
        await self.rest("host", f"officehours/{oh['id']}/open", "POST", {})
        for ta in plan["tas"]:
            await self.rest(ta, f"officehours/{oh['id']}/duty", "PUT", {"on_duty": True})
        owner, *members = plan["group"]
        group = await self.rest(owner, "groups", "POST", {"name": "Study group", "is_public": True})
        plan["group_id"] = group["id"]
        await gather_limited(
            [self.rest(m, f"groups/{group['id']}/join", "POST", {}) for m in members]
        )

    def chat_text(self, user: str) -> str:
        self.sent += 1
        return f"cd|{time.time():.6f}|{user}|{self.sent}|"

    # -- the people ---------------------------------------------------------------------

    async def participant(self, user: str, sid: str, host: bool, goals: list[str]) -> None:
        tab = self.tab(user)
        channels = [f"session:{sid}", f"presence:session:{sid}", f"user:{user}"]

        async def arrive(resume: bool) -> None:
            await tab.open()
            self.stats.returning.pop(user, None)
            if resume:
                self.stats.returning[user] = time.time()
            await tab.op("heartbeat")
            for channel in channels:
                await tab.subscribe(channel, resume)

        await arrive(resume=False)
        timer = ["timer.start", "timer.pause", "timer.resume", "timer.pause"]
        turn = 0
        while True:
            await pause(6, 20)
            roll = random.random()
            if host and roll < 0.15:
                await tab.op(timer[turn % len(timer)], session_id=sid)
                turn += 1
            elif roll < 0.75:
                await tab.op("chat.send", session_id=sid, text=self.chat_text(user))
            elif roll < 0.85:
                if len(goals) < 8 or roll < 0.78:
                    ack = await tab.op("goal.create", session_id=sid, title=f"Goal of {user}")
                    if ack and ack.get("ok"):
                        goals.append(ack["data"]["id"])
                else:
                    await tab.op("goal.update", goal_id=random.choice(goals), done=True)
            elif roll < 0.95 and not host:  # the network drops; back in a few seconds
                tab.drop()
                await pause(3, 8)
                await arrive(resume=True)
            elif not host:  # leaves the session, joins again later
                self.stats.returning.pop(user, None)  # seen offline now for another reason
                await tab.op("unsubscribe", channel=channels[0])
                tab.live.discard(channels[0])
                await self.rest(user, f"sessions/{sid}/leave", "POST", {})
                await pause(3, 8)
                await self.rest(user, f"sessions/{sid}/join", "POST", {})
                await tab.subscribe(channels[0], resume=False)

    async def student(self, user: str, turns: asyncio.Queue) -> None:
        oh = self.plan["officehours_id"]
        tab = self.tab(user)
        await tab.open()
        await tab.op("heartbeat")
        await tab.subscribe(f"user:{user}")
        while True:
            ack = await tab.op("queue.join", officehours_id=oh, question=f"Help {user}")
            if ack and ack.get("ok"):
                await tab.subscribe(f"queue:{oh}")
            done = asyncio.get_running_loop().create_future()
            self.plan["waiting"][user] = done
            await done  # finished by a TA
            await pause(10, 40)

    async def ta(self, user: str) -> None:
        oh = self.plan["officehours_id"]
        tab = self.tab(user)
        known: set[str] = set()
        reload_due = asyncio.Event()

        def on_event(frame: dict) -> None:
            entry = (frame.get("data") or {}).get("entry")
            if frame.get("channel") == f"queue:{oh}" and entry and entry["id"] not in known:
                reload_due.set()

        async def reloader() -> None:
            while True:
                await reload_due.wait()
                reload_due.clear()
                queue = await self.rest(user, f"officehours/{oh}/queue")
                known.update(e["id"] for e in queue.get("entries", []))
                await asyncio.sleep(0.15)

        tab.on_event = on_event
        await tab.open()
        await tab.op("heartbeat")
        await tab.subscribe(f"queue:{oh}")
        await tab.subscribe(f"user:{user}")
        reload_due.set()
        reloading = asyncio.ensure_future(reloader())
        try:
            while True:
                await pause(15, 30)
                ack = await tab.op("queue.admit", officehours_id=oh, max_students=1)
                if not (ack and ack.get("ok")):
                    continue
                await pause(5, 15)
                for entry in ack["data"]["entries"]:
                    await tab.op("queue.finish", officehours_id=oh, entry_id=entry["id"])
                    waiting = self.plan["waiting"].pop(entry["user"]["username"], None)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(None)
        finally:
            reloading.cancel()

    async def group_member(self, user: str) -> None:
        gid = self.plan["group_id"]
        tab = self.tab(user)
        await tab.open()
        await tab.op("heartbeat")
        await tab.subscribe(f"group:{gid}")
        await tab.subscribe(f"presence:group:{gid}")
        while True:
            await pause(6, 20)
            await tab.op("chat.send", group_id=gid, text=self.chat_text(user))

    def people(self) -> list:
        plan, jobs = self.plan, []
        for sid, members in zip(plan["session_ids"], plan["sessions"], strict=True):
            goals: list[str] = []
            jobs += [self.participant(u, sid, i == 0, goals) for i, u in enumerate(members)]
        jobs += [self.student(u, asyncio.Queue()) for u in plan["students"]]
        jobs += [self.ta(u) for u in plan["tas"]]
        jobs += [self.group_member(u) for u in plan["group"]]
        return jobs


async def gather_limited(coros: list, limit: int = 16) -> list:
    semaphore = asyncio.Semaphore(limit)

    async def one(coro):
        async with semaphore:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


def make_plan(scale: float, seed: int) -> dict:
    rng = random.Random(seed)
    sessions, n = [], 0
    for _ in range(max(2, round(30 * scale))):
        size = rng.randint(5, 15)
        sessions.append([f"s{n + i:04d}" for i in range(size)])
        n += size
    return {
        "sessions": sessions,
        "session_ids": [],
        "students": [f"q{i:03d}" for i in range(max(5, round(80 * scale)))],
        "tas": ["ta1", "ta2", "ta3"],
        "group": [f"g{i:02d}" for i in range(max(4, round(12 * scale)))],
        "waiting": {},
    }


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p99_ms": percentile(values, 99),
        "max_ms": max(values, default=None),
    }


# -- one run ----------------------------------------------------------------------------------


async def fresh_database(admin: str, name: str = "course_day") -> str:
    """The URL of database ``name`` on the PostgreSQL server of ``admin``, dropped and created
    empty."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(admin).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = url.set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


async def forget_keys(url: str, prefix: str) -> None:
    """Delete the run's keys (presence) from the shared Redis."""
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def backing_cpu() -> dict[str, dict[int, float]]:
    """CPU seconds of the PostgreSQL and Redis processes on this machine (everyone's use)."""
    import psutil

    found: dict[str, dict[int, float]] = {"postgres": {}, "redis-server": {}}
    for process in psutil.process_iter(["name", "cpu_times"]):
        times = process.info["cpu_times"]
        if process.info["name"] in found and times is not None:
            found[process.info["name"]][process.pid] = times.user + times.system
    return found


def log_errors(server: Server) -> list[str]:
    """The error lines of a server's log."""
    text = server.log_path.read_text(errors="replace")
    return [line for line in text.splitlines() if line.startswith("[E ")]


async def run_one(label: str, pythonpath: str | None, args, workdir: Path) -> dict:
    random.seed(args.seed)
    plan = make_plan(args.scale, args.seed)
    names = ["host", *plan["tas"], *plan["students"], *plan["group"]]
    names += [u for members in plan["sessions"] for u in members]
    users = {name: secrets.token_hex(16) for name in names}
    config = EXTRA_CONFIG.format(tas=set(plan["tas"]))
    prefix = f"course-day-{secrets.token_hex(4)}:"
    if args.postgres:
        db_url = await fresh_database(args.postgres)
        config += SHARED_CONFIG.format(db_url=db_url, bus_url=args.redis or "", prefix=prefix)
    servers: list[Server] = []
    homes: dict[str, Server] = {}
    stats = Stats()
    course = Course(homes, plan, stats)
    tasks: list[asyncio.Task] = []
    spy = None
    try:
        for index in range(args.replicas):  # one after the other: the first makes the schema
            replica = workdir / f"replica-{index}"
            replica.mkdir()
            launcher = [sys.executable, SCRIPT, "--serve-probed", str(replica / "lag.log")]
            launcher += [str(args.lag_floor), "--"]
            servers.append(
                Server(
                    "ours",
                    replica,
                    args.server_core,
                    users,
                    extra_config=config,
                    launcher=launcher,
                    env={"PYTHONPATH": pythonpath} if pythonpath else None,
                )
            )
            await servers[-1].wait_ready()
        people = [*plan["sessions"], ["host", *plan["tas"]], plan["students"], plan["group"]]
        for members in people:
            homes.update((u, servers[i % len(servers)]) for i, u in enumerate(members))
        t0 = time.monotonic()
        await course.setup()
        setup_s = time.monotonic() - t0
        tasks = [asyncio.ensure_future(job) for job in course.people()]
        await asyncio.sleep(args.warmup)
        if args.profile:
            spy = await Spy.start(args, True, servers[0], f"{label}-mix")
        stats.measuring = True
        start, own0 = time.time(), time.process_time()
        cpu0 = [cpu_seconds([server.proc.pid]) for server in servers]
        backing0 = backing_cpu()
        await asyncio.sleep(args.duration)
        stats.measuring = False
        end = time.time()
        wall = end - start
        cpu = [cpu_seconds([s.proc.pid]) - c for s, c in zip(servers, cpu0, strict=True)]
        own = time.process_time() - own0
        backing = {
            name: round(
                100 * sum(t - backing0[name].get(pid, 0) for pid, t in now.items()) / wall, 1
            )
            for name, now in backing_cpu().items()
        }
        if spy is not None:
            spy.stop()
            spy = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.sleep(3)  # the last deliveries
        behind = sum(
            1
            for tab in course.tabs
            for channel, seq in tab.seqs.items()
            if channel in tab.live and seq < stats.last_seq.get(channel, 0)
        )
        lag_logs = [server.workdir / "lag.log" for server in servers]
        lag = read_lag(lag_logs, start, end)
        replicas = [
            {"loop_lag": read_lag([path], start, end), "server_cpu_pct": round(100 * c / wall, 1)}
            for path, c in zip(lag_logs, cpu, strict=True)
        ]
    finally:
        for task in tasks:
            task.cancel()
        for tab in course.tabs:
            tab.close()
        if spy is not None:
            spy.stop()
        for server in servers:
            server.stop()
        if args.redis:
            await forget_keys(args.redis, prefix)
    for server, replica in zip(servers, replicas, strict=True):
        errors = log_errors(server)
        replica.update(log_errors=len(errors), log_error_lines=errors[:5])
    slow = [line for s in servers for line in s.tail().splitlines() if "Event loop blocked" in line]
    return {
        "label": label,
        "replicas": replicas,
        "tabs": len(course.tabs),
        "setup_s": round(setup_s, 1),
        "duration_s": round(wall, 1),
        "ops": {name: summary(v) for name, v in sorted(stats.acks.items())},
        "errors": dict(stats.errors),
        "chat": summary(stats.chat),
        "chat_per_s": round(len(stats.chat) / wall, 1),
        "online": summary(stats.online),
        "deliveries": stats.deliveries,
        "duplicates": stats.duplicates,
        "gaps": stats.gaps,
        "behind_at_end": behind,
        "loop_lag": lag,
        "server_cpu_pct": round(100 * sum(cpu) / wall, 1),
        "client_cpu_pct": round(100 * own / wall, 1),
        "postgres_cpu_pct": backing["postgres"] if args.postgres else None,
        "redis_cpu_pct": backing["redis-server"] if args.redis else None,
        "server_log_slow_lines": slow[-5:],
    }


def fmt(value) -> str:
    return "-" if value is None else f"{value:.0f}"


def replica_cell(replicas: list[dict], index: int) -> str:
    if index >= len(replicas):
        return "-"
    x, cpu = replicas[index]["loop_lag"], replicas[index]["server_cpu_pct"]
    return (
        f"{x['blocks']} / {x['blocks_over_100ms']} / {fmt(x['p99_ms'])} / {fmt(x['max_ms'])} / "
        f"{x['blocked_s']} / {cpu}"
    )


def table(results: list[dict]) -> str:
    cols = [r["label"] for r in results]
    lines = ["| measure | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]

    def row(name: str, cells: list[str]) -> None:
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    def pmm(s: dict) -> str:
        return f"{fmt(s['p50_ms'])} / {fmt(s['p99_ms'])} / {fmt(s['max_ms'])} (n={s['n']})"

    row("chat delivery p50 / p99 / max ms", [pmm(r["chat"]) for r in results])
    row("presence online p50 / p99 / max ms", [pmm(r["online"]) for r in results])
    lag = [r["loop_lag"] for r in results]
    row(
        "loop blocks ≥ floor: count / ≥100 ms",
        [f"{x['blocks']} / {x['blocks_over_100ms']}" for x in lag],
    )
    row("loop block p99 / max ms", [f"{fmt(x['p99_ms'])} / {fmt(x['max_ms'])}" for x in lag])
    row("loop blocked s in total", [str(x["blocked_s"]) for x in lag])
    row(
        "full GC collections: count / max ms",
        [f"{x['full_collections']} / {fmt(x['full_collection_max_ms'])}" for x in lag],
    )
    replicas = max(len(r["replicas"]) for r in results)
    for index in range(replicas if replicas > 1 else 0):
        row(
            f"replica {index}: blocks / ≥100 ms / p99 / max ms / blocked s / CPU %",
            [replica_cell(r["replicas"], index) for r in results],
        )
    ops = sorted({name for r in results for name in r["ops"]})
    for name in ops:
        row(
            f"ack {name} p50 / p99 / max ms",
            [pmm(r["ops"][name]) if name in r["ops"] else "-" for r in results],
        )
    row(
        "ops failed",
        [", ".join(f"{n} {what}" for what, n in r["errors"].items()) or "0" for r in results],
    )
    row("chat deliveries/s", [str(r["chat_per_s"]) for r in results])
    row(
        "deliveries / duplicates / gaps / behind",
        [
            f"{r['deliveries']} / {r['duplicates']} / {r['gaps']} / {r['behind_at_end']}"
            for r in results
        ],
    )
    row(
        "server CPU % / client CPU %",
        [f"{r['server_cpu_pct']} / {r['client_cpu_pct']}" for r in results],
    )
    if any(r["postgres_cpu_pct"] is not None for r in results):
        row(
            "PostgreSQL CPU % / Redis CPU % (all their processes)",
            [f"{r['postgres_cpu_pct']} / {r['redis_cpu_pct']}" for r in results],
        )
    return "\n".join(lines)


def main(args) -> int:
    pin(args.client_core)
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    return side_by_side(args, run_one, table, "course-day")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 30 sessions, 80 queued")
    parser.add_argument("--duration", type=float, default=90, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10, help="seconds before measuring")
    parser.add_argument("--base-ref", help="also run this git ref's package first, side by side")
    parser.add_argument("--postgres", help="PostgreSQL server URL: its database course_day")
    parser.add_argument("--redis", help="Redis URL: the replicas' shared bus")
    parser.add_argument("--replicas", type=int, default=1, help="servers sharing db and bus")
    parser.add_argument("--lag-floor", type=float, default=0.01, help="record loop blocks ≥ s")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--out")
    parser.add_argument("--profile", help="record the server with py-spy into this folder")
    parser.add_argument("--py-spy", default=None, help="py-spy executable (default: on PATH)")
    parser.add_argument("--summarize", help="print the top functions of a py-spy record")
    args = parser.parse_args(argv)
    if args.replicas > 1 and not (args.postgres and args.redis):
        parser.error("--replicas > 1 needs --postgres and --redis")
    if args.profile and not args.py_spy:
        args.py_spy = str(Path(sys.executable).with_name("py-spy"))
    return args


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-probed":
        split = sys.argv.index("--")
        serve_probed(sys.argv[2], float(sys.argv[3]), sys.argv[split + 1 :])
    options = parse_args()
    if options.summarize:
        print(summarize(options.summarize))
        sys.exit(0)
    sys.exit(main(options))
