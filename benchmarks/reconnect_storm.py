"""Every tab of a big room reconnecting at once, resuming with ``since``.

    python benchmarks/reconnect_storm.py [--n 1000] [--missed 20] [--base-ref REF]
                                         [--out results.json] [--profile DIR]

Issue 15's reconnect storm: a server restart or a network blip drops every tab of a room, the
host keeps talking, and every tab comes back at the same moment asking for what it missed.

1. one server (``chat_fanout.Server``: ``jupyter server`` with the extension, SQLite, the
   in-process bus) pinned to ``--server-core``; a session with ``--n`` participants (REST, as
   ``chat_fanout.create_room``);
2. ``--client-procs`` client processes pinned to ``--client-core`` hold the N websockets; each
   tab, as a browser tab does when its socket opens, sends a ``heartbeat`` and subscribes to
   ``session:<id>`` (the ack's ``seq`` is where it is); server CPU per connect+subscribe;
3. every tab closes its socket (TCP FIN, as a closed laptop lid that wakes up would not, but as a
   server restart or a proxy reset would); the server's CPU for the N disconnects;
4. the host sends ``--missed`` chat messages over its own websocket;
5. all tabs reconnect at once (each client process sends all its handshakes before reading any
   answer), send a heartbeat and subscribe with ``since`` = the last ``seq`` they saw. Measured:
   from the moment the reconnect starts until every tab has received every missed event, in
   order, with no duplicate and no gap (checked per tab from ``seq``); p50/p99/max of the tabs'
   catch-up times; the server's CPU over the storm, and per tab.

With ``--base-ref REF`` the same run is made first with the package of git ``REF`` (extracted
with ``git archive``, first on the server's ``PYTHONPATH``). ``--profile DIR`` records the
server with py-spy during the storm (``chat_fanout.py --summarize FILE`` reads it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import os
import resource
import select
import shutil
import sys
import time
from pathlib import Path

from chat_fanout import (
    Sender,
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

PATH = "/studysession/api/ws"


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (Linux,
    ``TcpExt: ListenOverflows``, for the whole network namespace)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        lines = [ln.split() for ln in Path("/proc/net/netstat").read_text().splitlines()]
        head, values = next((a, b) for a, b in itertools.pairwise(lines) if a[0] == "TcpExt:")
        return int(values[head.index("ListenOverflows")])
    return None


class Tab:
    """One websocket's state on the client side: bytes not yet parsed, the last ``seq``."""

    __slots__ = ("acked", "done_at", "dups", "events", "gaps", "last", "rest", "sock")

    def __init__(self, sock, rest: bytes):
        self.sock, self.rest = sock, rest
        self.last = None
        self.acked = None
        self.dups = self.gaps = self.events = 0
        self.done_at = None

    def feed(self, data: bytes) -> None:
        frames, self.rest = parse_frames(self.rest + data)
        for opcode, payload in frames:
            if opcode == 0x9:
                with contextlib.suppress(OSError):
                    self.sock.send(mask_frame(payload, 0xA))
            elif opcode == 0x1:
                frame = json.loads(payload)
                if frame.get("re") == "sub":
                    self.acked = frame
                    if frame.get("ok") and self.last is None:
                        self.last = frame["data"]["seq"]
                elif frame.get("seq") is not None and "re" not in frame:
                    seq = frame["seq"]
                    self.events += 1
                    if self.last is not None and seq <= self.last:
                        self.dups += 1
                        continue
                    if self.last is not None and seq != self.last + 1:
                        self.gaps += 1
                    self.last = seq


def open_tabs(port: int, tokens: list, channel: str, since: list | None) -> list[Tab]:
    """Handshakes for every token, all in flight before any answer is read; then each tab
    sends a heartbeat and its subscribe (with ``since`` if given)."""
    conns = ws_connect_many(port, PATH, tokens, batch=len(tokens))
    beat = mask_frame(json.dumps({"id": "hb", "op": "heartbeat"}).encode())
    tabs = []
    for i, (sock, rest) in enumerate(conns):
        op = {"id": "sub", "op": "subscribe", "channel": channel}
        if since is not None:
            op["since"] = since[i]
        sock.sendall(beat + mask_frame(json.dumps(op).encode()))
        tab = Tab(sock, b"")
        if since is not None:
            tab.last = since[i]
        tab.feed(rest)
        tabs.append(tab)
    return tabs


def pump(tabs: list[Tab], done, timeout: float) -> None:
    """Read every tab until ``done(tab)`` holds for all of them (their ``done_at`` set), or
    ``timeout`` s."""
    poller = select.epoll()
    by_fd = {}
    left = 0
    for tab in tabs:
        tab.sock.setblocking(False)
        by_fd[tab.sock.fileno()] = tab
        poller.register(tab.sock.fileno(), select.EPOLLIN)
        if done(tab):
            tab.done_at = tab.done_at or time.time()
        else:
            left += 1
    deadline = time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        for fd, _ in poller.poll(0.2):
            tab = by_fd[fd]
            try:
                data = tab.sock.recv(1 << 18)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                poller.unregister(fd)
                if tab.done_at is None:
                    left -= 1
                    tab.done_at = -1.0  # closed before done
                continue
            tab.feed(data)
            if tab.done_at is None and done(tab):
                tab.done_at = time.time()
                left -= 1
    poller.close()
    for tab in tabs:
        tab.sock.setblocking(True)


def storm_client(pipe, port: int, tokens: list, channel: str, core) -> None:
    """One client process. Commands: ("open",), ("drop",), ("storm", target_seq, start)."""
    pin(core)
    raise_nofile()
    tabs: list[Tab] = []
    last: list = []
    while True:
        try:
            command = pipe.recv()
        except EOFError:
            command = ("stop",)
        try:
            if command[0] == "open":
                tabs = open_tabs(port, tokens, channel, None)
                pump(tabs, lambda t: t.acked is not None, 120)
                failed = [t.acked for t in tabs if not (t.acked and t.acked.get("ok"))]
                pipe.send(
                    {
                        "tabs": len(tabs),
                        "failed": failed[:3],
                        "seqs": sorted({t.last for t in tabs}),
                    }
                )
            elif command[0] == "drop":
                last = [t.last for t in tabs]
                for tab in tabs:
                    tab.sock.close()
                pipe.send({"dropped": len(tabs)})
            elif command[0] == "storm":
                _, target, start = command
                tabs = open_tabs(port, tokens, channel, last)
                opened = time.time()
                pump(
                    tabs,
                    lambda t, target=target: (
                        t.acked is not None and t.last is not None and t.last >= target
                    ),
                    120,
                )
                pipe.send(
                    {
                        "handshakes_s": opened - start,
                        "done": [
                            t.done_at - start if t.done_at and t.done_at > 0 else None for t in tabs
                        ],
                        "events": sum(t.events for t in tabs),
                        "dups": sum(t.dups for t in tabs),
                        "gaps": sum(t.gaps for t in tabs),
                        "not_ok": [t.acked for t in tabs if not (t.acked and t.acked.get("ok"))][
                            :3
                        ],
                        "resets": sum(
                            1 for t in tabs if t.acked and (t.acked.get("data") or {}).get("reset")
                        ),
                    }
                )
            elif command[0] == "stop":
                for tab in tabs:
                    with contextlib.suppress(OSError):
                        tab.sock.close()
                return
        except Exception as err:  # reported, not raised: the benchmark stops the run
            pipe.send({"error": f"{type(err).__name__}: {err}"})


async def host_op(sender: Sender, payload: dict) -> dict:
    """One op on the host's first websocket; its ack (retried while rate limited)."""
    while True:
        sender.next_id += 1
        ref = sender.next_id
        future = asyncio.get_running_loop().create_future()
        sender.acks[ref] = future
        await sender.conns[0].write_message(json.dumps({"id": ref, **payload}))
        ack = await asyncio.wait_for(future, 60)
        if ack.get("ok") or ack["error"]["code"] != "rate_limited":
            return ack
        await asyncio.sleep(0.5)


async def answers(pipes, command, timeout: float = 300) -> list[dict]:
    for pipe in pipes:
        pipe.send(command)
    replies = []
    for pipe in pipes:
        deadline = time.monotonic() + timeout
        while not pipe.poll():
            if time.monotonic() > deadline:
                raise TimeoutError(f"client did not answer {command[0]!r}")
            await asyncio.sleep(0.005)
        reply = pipe.recv()
        if "error" in reply:
            raise RuntimeError(f"client failed on {command[0]}: {reply['error']}")
        replies.append(reply)
    return replies


async def run_one(label: str, pythonpath: str | None, args, workdir: Path) -> dict:
    import secrets

    participants = [f"u{i:04d}" for i in range(1, args.n + 1)]
    users = {"host": secrets.token_hex(16), **{u: secrets.token_hex(16) for u in participants}}
    server = Server(
        "ours",
        workdir,
        args.server_core,
        users,
        env={"PYTHONPATH": pythonpath} if pythonpath else None,
    )
    ctx = multiprocessing.get_context("spawn")
    procs, pipes, sender, spy = [], [], None, None
    result: dict = {"run": label, "n": args.n, "missed": args.missed}
    try:
        await server.wait_ready()
        sid = await create_room(server, participants)
        channel = f"session:{sid}"
        pid = server.proc.pid
        for i in range(args.client_procs):
            parent, child = ctx.Pipe()
            share = [users[u] for u in participants[i :: args.client_procs]]
            proc = ctx.Process(
                target=storm_client,
                args=(child, server.port, share, channel, args.client_core),
                daemon=True,
            )
            proc.start()
            procs.append(proc)
            pipes.append(parent)
        await asyncio.sleep(2)  # the client processes import their modules
        result["load_before"] = round(os.getloadavg()[0], 2)

        cpu0, t0 = cpu_seconds([pid]), time.monotonic()
        opened = await answers(pipes, ("open",))
        result["connect_s"] = round(time.monotonic() - t0, 2)
        connect_cpu = cpu_seconds([pid]) - cpu0
        result["connect_cpu_s"] = round(connect_cpu, 2)
        result["connect_cpu_ms_per_tab"] = round(1000 * connect_cpu / args.n, 2)
        failed = [f for o in opened for f in o["failed"]]
        if failed:
            raise RuntimeError(f"subscribe failed: {failed[:3]}")
        result["seq_before"] = sorted({s for o in opened for s in o["seqs"]})
        await asyncio.sleep(2)

        cpu0 = cpu_seconds([pid])
        await answers(pipes, ("drop",))
        await asyncio.sleep(args.settle)
        result["drop_cpu_s"] = round(cpu_seconds([pid]) - cpu0, 2)

        sender = Sender(f"ws://127.0.0.1:{server.port}{PATH}", users["host"], sid)
        await sender.connect(2)
        for i in range(args.missed):
            await sender.send(i % 2, i)
        ack = await host_op(sender, {"op": "subscribe", "channel": channel})
        target = ack["data"]["seq"]
        result["target_seq"] = target
        await asyncio.sleep(1)

        spy = await Spy.start(args, bool(args.profile), server, f"{label.replace(' ', '-')}-storm")
        result["load_storm"] = round(os.getloadavg()[0], 2)
        overflows0, cpu0, start = listen_overflows(), cpu_seconds([pid]), time.time()
        replies = await answers(pipes, ("storm", target, start))
        overflows1 = listen_overflows()
        storm_cpu = cpu_seconds([pid]) - cpu0
        await asyncio.sleep(1)
        settled_cpu = cpu_seconds([pid]) - cpu0
        spy = spy and spy.stop()
        done = [d for r in replies for d in r["done"]]
        finished = [d for d in done if d is not None]
        result["storm"] = {
            "caught_up": len(finished),
            "all_caught_up_s": round(max(finished), 3) if len(finished) == args.n else None,
            "p50_s": round(percentile(finished, 50), 3) if finished else None,
            "p99_s": round(percentile(finished, 99), 3) if finished else None,
            "max_s": round(max(finished), 3) if finished else None,
            "handshakes_sent_s": round(max(r["handshakes_s"] for r in replies), 3),
            "events": sum(r["events"] for r in replies),
            "expected_events": args.n * (target - max(result["seq_before"])),
            "duplicates": sum(r["dups"] for r in replies),
            "gaps": sum(r["gaps"] for r in replies),
            "resets": sum(r["resets"] for r in replies),
            "listen_overflows": (
                overflows1 - overflows0 if None not in (overflows0, overflows1) else None
            ),
            "not_ok": [x for r in replies for x in r["not_ok"]][:3],
            "server_cpu_s": round(storm_cpu, 2),
            "server_cpu_s_incl_1s_after": round(settled_cpu, 2),
            "server_cpu_ms_per_tab": round(1000 * storm_cpu / args.n, 2),
        }
        result["load_after"] = round(os.getloadavg()[0], 2)
        return result
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        print(f"  {label} failed: {result['error']}\n{server.tail()}", file=sys.stderr)
        return result
    finally:
        if spy is not None:
            spy.stop()
        if sender is not None:
            sender.close()
        for pipe in pipes:
            with contextlib.suppress(Exception):
                pipe.send(("stop",))
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        server.stop()


def table(results: list[dict]) -> str:
    head = (
        "| run | N | missed | all caught up s | p50 s | p99 s | events/expected | dup | gap "
        "| storm CPU s | CPU ms/tab storm | CPU ms/tab connect | load |"
    )
    lines = [head, "|" + "|".join("---" for _ in head.split("|")[1:-1]) + "|"]
    for r in results:
        s = r.get("storm", {})
        lines.append(
            f"| {r['run']} | {r['n']} | {r['missed']} | {s.get('all_caught_up_s')} "
            f"| {s.get('p50_s')} | {s.get('p99_s')} "
            f"| {s.get('events')}/{s.get('expected_events')} | {s.get('duplicates')} "
            f"| {s.get('gaps')} | {s.get('server_cpu_s')} | {s.get('server_cpu_ms_per_tab')} "
            f"| {r.get('connect_cpu_ms_per_tab')} | {r.get('load_storm')} |"
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
    return side_by_side(args, run_one, table, "reconnect-storm")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="tabs in the room")
    parser.add_argument("--missed", type=int, default=20, help="messages sent while away")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--settle", type=float, default=3, help="seconds after the drop")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--base-ref", default=None, help="also run this git ref's package first")
    parser.add_argument("--out", default=None)
    parser.add_argument("--profile", default=None, help="directory: py-spy profile of the storm")
    parser.add_argument("--py-spy", default=None)
    args = parser.parse_args(argv)
    cores = os.sched_getaffinity(0)
    if len(cores) < 2 or args.server_core not in cores or args.client_core not in cores:
        args.server_core = args.client_core = None
    return args


if __name__ == "__main__":
    sys.exit(main(parse_args()))
