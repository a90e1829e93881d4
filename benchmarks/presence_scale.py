"""Presence at course scale: thousands of connected users heartbeating, a sample leaving and
coming back.

    python benchmarks/presence_scale.py [--users 10000] [--session-size 100] [--sample 100]
                                        [--rounds 3] [--steady 45] [--base-ref REF]
                                        [--out results.json] [--profile DIR]

Issue 15's presence target: ``--users`` users, each with their own token and one websocket (one
tab), in sessions of ``--session-size`` (REST, as ``chat_fanout.create_room``). Every tab, as the
JupyterLab room does, sends a ``heartbeat`` when its socket opens and subscribes to
``session:<id>`` and ``presence:session:<id>``; then it heartbeats every ``--heartbeat`` s
(15 s: the server's default, a third of ``presence_timeout_seconds`` = 45) and answers the
server's pings (every 15 s).

1. server RSS after the setup, before any tab (idle), and once every tab is connected:
   (with - idle) / users = memory per idle connection;
2. steady state: the server's CPU over ``--steady`` s with every tab heartbeating and nothing
   else happening (100 % = one core);
3. churn, ``--rounds`` times: the ``--sample`` users (the first member of as many sessions; their
   tabs live in a client process of their own, so that its blocking connects never delay an
   observer's clock) close their sockets at once; ``--pause`` s later they all reconnect (a
   heartbeat, then both subscriptions). Latency, per (observer, sampled user) pair for every
   other member of the session connected all along: from the close (or from the start of the
   reconnect's handshake) until the observer's tab receives the ``presence.changed`` that shows
   the user ``offline`` (or back ``online``). p50/p99/max, and the pairs that never saw it.

The server (``chat_fanout.Server``: SQLite, in-process bus) is pinned to ``--server-core``;
``--client-procs`` observer processes and the sample's process to ``--client-core``. The open
file limit is raised to its hard limit (the server inherits it). ``--base-ref REF`` runs the
package of git ``REF`` first, side by side; ``--profile DIR`` records the server with py-spy
over the steady state and over the churn.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import select
import shutil
import sys
import time
from pathlib import Path

from chat_fanout import (
    Server,
    Spy,
    cpu_seconds,
    create_room,
    mask_frame,
    parse_frames,
    percentile,
    pin,
    side_by_side,
    ws_connect_many,
)
from reconnect_storm import answers, raise_nofile

PATH = "/studysession/api/ws"
BEAT = {"id": "hb", "op": "heartbeat"}


class Tab:
    __slots__ = ("acks", "failed", "rest", "sid", "sock", "token", "user")

    def __init__(self, user: str, sid: str, token: str):
        self.user, self.sid, self.token = user, sid, token
        self.sock = None
        self.rest = b""
        self.acks = 0
        self.failed = None


def presence_client(pipe, port: int, members: list, heartbeat: float, core) -> None:
    """One client process holding ``members`` ((user, session id, token)) as tabs. Commands:
    ("open",), ("record", names), ("records",), ("drop",), ("back",), ("stats",), ("stop",).
    Between commands it reads every tab (answering pings, counting frames, recording the
    ``presence.changed`` entries of the watched users) and heartbeats them evenly."""
    pin(core)
    raise_nofile()
    tabs = [Tab(*m) for m in members]
    by_fd: dict[int, Tab] = {}
    poller = select.epoll()
    control = pipe.fileno()
    poller.register(control, select.EPOLLIN)
    beat = mask_frame(json.dumps(BEAT).encode())
    watched: set[str] = set()
    records: list = []
    frames_seen = closed = 0

    def connect(group: list[Tab], batch: int) -> None:
        for i in range(0, len(group), batch):
            chunk = group[i : i + batch]
            conns = ws_connect_many(port, PATH, [t.token for t in chunk], batch=batch)
            for tab, (sock, rest) in zip(chunk, conns, strict=True):
                tab.sock, tab.rest, tab.acks, tab.failed = sock, rest, 0, None
                subs = b"".join(
                    mask_frame(json.dumps({"id": "sub", "op": "subscribe", "channel": ch}).encode())
                    for ch in (f"session:{tab.sid}", f"presence:session:{tab.sid}")
                )
                sock.sendall(beat + subs)
                sock.setblocking(False)
                by_fd[sock.fileno()] = tab
                poller.register(sock.fileno(), select.EPOLLIN)
            service(0)  # answer pings of the tabs opened earlier while opening the rest

    def service(timeout: float) -> None:
        nonlocal frames_seen, closed
        for fd, _ in poller.poll(timeout):
            if fd == control:
                continue
            tab = by_fd.get(fd)
            if tab is None:
                continue
            try:
                data = tab.sock.recv(1 << 18)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            now = time.time()
            if not data:
                poller.unregister(fd)
                del by_fd[fd]
                closed += 1
                continue
            frames, tab.rest = parse_frames(tab.rest + data)
            for opcode, payload in frames:
                frames_seen += 1
                if opcode == 0x9:
                    with contextlib.suppress(OSError):
                        tab.sock.send(mask_frame(payload, 0xA))
                elif opcode != 0x1:
                    continue
                elif b'"re"' in payload and b'"sub"' in payload:
                    ack = json.loads(payload)
                    if ack.get("re") == "sub":
                        tab.acks += 1
                        if not ack.get("ok"):
                            tab.failed = ack
                elif watched and b"presence.changed" in payload:
                    event = json.loads(payload)
                    for entry in event["data"]["users"]:
                        name = entry["user"]["username"]
                        if name in watched and name != tab.user:
                            records.append((tab.user, name, entry["status"], now))

    step = heartbeat / max(1, len(tabs)) if heartbeat > 0 else None
    next_beat, index = None, 0
    try:
        while True:
            if step is not None and next_beat is not None:
                now = time.time()
                while now >= next_beat:
                    tab = tabs[index]
                    if tab.sock is not None and tab.sock.fileno() in by_fd:
                        with contextlib.suppress(OSError):
                            tab.sock.send(beat)
                    index = (index + 1) % len(tabs)
                    next_beat += step
            service(0.02)
            if not pipe.poll():
                continue
            try:
                command = pipe.recv()
            except EOFError:
                return
            try:
                if command[0] == "open":
                    t0 = time.time()
                    connect(tabs, 100)
                    deadline = time.monotonic() + 300
                    while any(t.acks < 2 for t in tabs) and time.monotonic() < deadline:
                        service(0.05)
                    next_beat = time.time()
                    failed = [t.failed for t in tabs if t.failed or t.acks < 2]
                    pipe.send({"tabs": len(tabs), "failed": failed[:3], "open_s": time.time() - t0})
                elif command[0] == "record":
                    watched, records = set(command[1]), []
                    pipe.send({})
                elif command[0] == "records":
                    pipe.send({"records": records})
                    records = []
                elif command[0] == "drop":
                    times = {}
                    for tab in tabs:
                        fd = tab.sock.fileno()
                        if fd in by_fd:
                            poller.unregister(fd)
                            del by_fd[fd]
                        times[tab.user] = time.time()
                        tab.sock.close()
                    pipe.send({"times": times})
                elif command[0] == "back":
                    start = time.time()
                    connect(tabs, len(tabs))
                    deadline = time.monotonic() + 60
                    while any(t.acks < 2 for t in tabs) and time.monotonic() < deadline:
                        service(0.02)
                    pipe.send(
                        {
                            "times": {t.user: start for t in tabs},
                            "acked_s": time.time() - start,
                            "failed": [t.failed for t in tabs if t.failed][:3],
                        }
                    )
                elif command[0] == "stats":
                    pipe.send({"frames": frames_seen, "closed": closed, "open": len(by_fd)})
                elif command[0] == "stop":
                    return
            except Exception as err:
                pipe.send({"error": f"{type(err).__name__}: {err}"})
    finally:
        for tab in tabs:
            if tab.sock is not None:
                with contextlib.suppress(OSError):
                    tab.sock.close()


def latencies(rounds: list, status: str, members: dict, observers: set) -> dict:
    """Over every round ((records, action times)), per (observer, user) pair: from the user's
    action to the first record of ``status`` at or after it; pairs never seen are missing."""
    values, missing, per_round = [], 0, []
    for records, actions in rounds:
        first: dict[tuple[str, str], float] = {}
        for observer, user, seen, at in records:
            if seen == status and user in actions and at >= actions[user] - 0.001:
                key = (observer, user)
                first[key] = min(at, first.get(key, at))
        these = []
        for user, at in actions.items():
            for observer in members[user]:
                if observer == user or observer not in observers:
                    continue
                if (observer, user) in first:
                    these.append(1000 * (first[(observer, user)] - at))
                else:
                    missing += 1
        per_round.append(round(percentile(these, 99), 1) if these else None)
        values += these
    return {
        "pairs": len(values),
        "missing": missing,
        "p50_ms": round(percentile(values, 50), 1) if values else None,
        "p99_ms": round(percentile(values, 99), 1) if values else None,
        "max_ms": round(max(values), 1) if values else None,
        "per_round_p99_ms": per_round,
    }


async def make_sessions(server: Server, groups: list[list[str]], parallel: int) -> list[str]:
    sids: list[str | None] = [None] * len(groups)
    queue = asyncio.Queue()
    for i in range(len(groups)):
        queue.put_nowait(i)

    async def worker():
        while not queue.empty():
            i = queue.get_nowait()
            sids[i] = await create_room(server, groups[i])

    await asyncio.gather(*(worker() for _ in range(parallel)))
    return sids


async def run_one(label: str, pythonpath: str | None, args, workdir: Path) -> dict:
    import psutil

    names = [f"u{i:05d}" for i in range(args.users)]
    users = {"host": secrets.token_hex(16), **{u: secrets.token_hex(16) for u in names}}
    server = Server(
        "ours",
        workdir,
        args.server_core,
        users,
        env={"PYTHONPATH": pythonpath} if pythonpath else None,
    )
    groups = [names[i : i + args.session_size] for i in range(0, len(names), args.session_size)]
    ctx = multiprocessing.get_context("spawn")
    procs, pipes, spy = [], [], None
    result: dict = {"run": label, "users": args.users, "session_size": args.session_size}
    try:
        await server.wait_ready()
        pid = server.proc.pid
        t0, cpu0 = time.monotonic(), cpu_seconds([pid])
        sids = await make_sessions(server, groups, args.setup_parallel)
        result["setup_s"] = round(time.monotonic() - t0, 1)
        result["setup_cpu_s"] = round(cpu_seconds([pid]) - cpu0, 1)
        members = {u: group for group in groups for u in group}
        session_of = {u: sid for group, sid in zip(groups, sids, strict=True) for u in group}
        sample = [group[0] for group in groups[: args.sample]]
        sampled = set(sample)
        rest = [u for u in names if u not in sampled]
        shares = [rest[i :: args.client_procs] for i in range(args.client_procs)] + [sample]
        for share in shares:
            parent, child = ctx.Pipe()
            members_of = [(u, session_of[u], users[u]) for u in share]
            proc = ctx.Process(
                target=presence_client,
                args=(child, server.port, members_of, args.heartbeat, args.client_core),
                daemon=True,
            )
            proc.start()
            procs.append(proc)
            pipes.append(parent)
        await asyncio.sleep(3)  # imports in the client processes; the server settles
        result["rss_idle_mb"] = round(psutil.Process(pid).memory_info().rss / 2**20, 1)

        result["load_connect"] = round(os.getloadavg()[0], 2)
        t0, cpu0 = time.monotonic(), cpu_seconds([pid])
        opened = await answers(pipes, ("open",), timeout=600)
        result["connect_s"] = round(time.monotonic() - t0, 1)
        result["connect_cpu_ms_per_tab"] = round(1000 * (cpu_seconds([pid]) - cpu0) / args.users, 2)
        failed = [f for o in opened for f in o["failed"]]
        if failed:
            raise RuntimeError(f"subscribe failed: {failed[:3]}")
        await asyncio.sleep(args.heartbeat)  # one full round of heartbeats and pings
        rss = psutil.Process(pid).memory_info().rss / 2**20
        result["rss_connected_mb"] = round(rss, 1)
        result["kb_per_connection"] = round(1024 * (rss - result["rss_idle_mb"]) / args.users, 1)

        spy = await Spy.start(args, bool(args.profile), server, f"{label.replace(' ', '-')}-steady")
        result["load_steady"] = round(os.getloadavg()[0], 2)
        stats0 = await answers(pipes, ("stats",))
        cpu0, t0 = cpu_seconds([pid]), time.monotonic()
        await asyncio.sleep(args.steady)
        wall = time.monotonic() - t0
        result["steady_cpu_pct"] = round(100 * (cpu_seconds([pid]) - cpu0) / wall, 1)
        stats1 = await answers(pipes, ("stats",))
        result["steady_frames_received"] = sum(s["frames"] for s in stats1) - sum(
            s["frames"] for s in stats0
        )
        result["closed_by_server"] = sum(s["closed"] for s in stats1)
        spy = spy and spy.stop()

        spy = await Spy.start(args, bool(args.profile), server, f"{label.replace(' ', '-')}-churn")
        observers = set(rest)
        offline, online = [], []
        result["load_churn"] = round(os.getloadavg()[0], 2)
        for _ in range(args.rounds):
            await answers(pipes, ("record", sample))
            dropped = (await answers(pipes[-1:], ("drop",)))[0]["times"]
            await asyncio.sleep(args.pause)
            back = (await answers(pipes[-1:], ("back",)))[0]
            await asyncio.sleep(args.pause)
            records = [
                r for reply in await answers(pipes[:-1], ("records",)) for r in reply["records"]
            ]
            offline.append((records, dropped))
            online.append((records, back["times"]))
        spy = spy and spy.stop()

        result["offline"] = latencies(offline, "offline", members, observers)
        result["online"] = latencies(online, "online", members, observers)
        result["closed_by_server"] = sum(s["closed"] for s in await answers(pipes[:-1], ("stats",)))
        result["load_after"] = round(os.getloadavg()[0], 2)
        return result
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        print(f"  {label} failed: {result['error']}\n{server.tail()}", file=sys.stderr)
        return result
    finally:
        if spy is not None:
            spy.stop()
        for pipe in pipes:
            with contextlib.suppress(Exception):
                pipe.send(("stop",))
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        server.stop()


def table(results: list[dict]) -> str:
    head = (
        "| run | users | steady CPU % | RSS idle MB | RSS connected MB | KB/conn "
        "| offline p50/p99 ms | online p50/p99 ms | missed pairs | connect ms CPU/tab | load |"
    )
    lines = [head, "|" + "|".join("---" for _ in head.split("|")[1:-1]) + "|"]
    for r in results:
        off, on = r.get("offline", {}), r.get("online", {})
        lines.append(
            f"| {r['run']} | {r['users']} | {r.get('steady_cpu_pct')} | {r.get('rss_idle_mb')} "
            f"| {r.get('rss_connected_mb')} | {r.get('kb_per_connection')} "
            f"| {off.get('p50_ms')} / {off.get('p99_ms')} "
            f"| {on.get('p50_ms')} / {on.get('p99_ms')} "
            f"| {off.get('missing', 0) + on.get('missing', 0) if off else None} "
            f"| {r.get('connect_cpu_ms_per_tab')} | {r.get('load_steady')} |"
            + (f" {r['error']}" if "error" in r else "")
        )
    return "\n".join(lines)


def main(args) -> int:
    pin(args.client_core)
    raise_nofile()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        args.py_spy = (
            args.py_spy
            or shutil.which("py-spy")
            or shutil.which("py-spy", path=str(Path(sys.executable).parent))
        )
    return side_by_side(args, run_one, table, "presence-scale")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--session-size", type=int, default=100)
    parser.add_argument("--sample", type=int, default=100, help="users who leave and come back")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pause", type=float, default=3, help="seconds between drop and back")
    parser.add_argument("--steady", type=float, default=45, help="seconds of steady state")
    parser.add_argument("--heartbeat", type=float, default=15, help="seconds between heartbeats")
    parser.add_argument("--client-procs", type=int, default=2, help="observer processes")
    parser.add_argument("--setup-parallel", type=int, default=2, help="sessions set up at once")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--base-ref", default=None, help="also run this git ref's package first")
    parser.add_argument("--out", default=None)
    parser.add_argument("--profile", default=None, help="directory: py-spy profiles")
    parser.add_argument("--py-spy", default=None)
    args = parser.parse_args(argv)
    cores = os.sched_getaffinity(0)
    if len(cores) < 2 or args.server_core not in cores or args.client_core not in cores:
        args.server_core = args.client_core = None
    return args


if __name__ == "__main__":
    sys.exit(main(parse_args()))
