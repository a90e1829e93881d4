"""Leader-to-follower latency of a study notebook's places, side by side with the same place
relayed as a chat message, in the same room of the same server.

    python benchmarks/follow_latency.py [--sizes 50,500] [--rate 10] [--duration 10]
                                        [--out results.json]

For each room size N the script starts ``jupyter server`` with the extension (a temporary
SQLite database, the in-process bus; the parts of ``chat_fanout.py``: its server subprocess
pinned to core 0, its N+1 users with their own tokens, its room set up over REST, its
``epoll`` client processes pinned to core 1), puts a study notebook in the server's root and
makes it the room's, and lets the host take the lead. Every follower's websocket subscribes to
``follow:<id>`` (places) and ``session:<id>`` (chat). Then, one after the other:

1. ``place``: the host sends ``nav.place`` at ``--rate`` per second for ``--duration`` s
   (slower than the server's coalescing interval, so every place is relayed);
2. ``chat``: the host sends the same place, serialised, as ``chat.send`` at the same rate.

Each op carries its send time (``time.time()``: one clock for every process on the machine)
in a field the followers see (the place's ``section``, the chat's text); every delivery's
latency is receive time - send time. p50/p99/max over all deliveries (N x rate x duration),
with the server's CPU per phase. Only 127.0.0.1; subprocesses stop on exit or failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from array import array
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chat_fanout as fanout  # the shared parts of the fan-out benchmark

NOTEBOOK = "lesson.ipynb"


def write_notebook(root: Path, cells: int = 40) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    body = [new_markdown_cell("## Section", id="h0")]
    body += [new_code_cell(f"x = {i}", id=f"c{i}") for i in range(1, cells)]
    nbformat.write(new_notebook(cells=body), root / NOTEBOOK)


def follower_main(pipe, port: int, tokens: list, channels: list[str], heartbeat: float, core):
    """A client process of ``chat_fanout``, subscribed to several channels."""
    fanout.pin(core)
    try:
        conns = fanout.ws_connect_many(port, "/studysession/api/ws", tokens)
        for channel in channels:
            op = json.dumps({"id": "sub", "op": "subscribe", "channel": channel}).encode()
            for i, (sock, rest) in enumerate(conns):
                sock.sendall(fanout.mask_frame(op))
                acked = None
                while acked is None:
                    frames, rest = fanout.parse_frames(rest)
                    acked = next((json.loads(p) for o, p in frames if b'"re"' in p), None)
                    if acked is None:
                        chunk = sock.recv(65536)
                        if not chunk:
                            raise ConnectionError("closed while subscribing")
                        rest += chunk
                if not acked.get("ok"):
                    raise RuntimeError(f"subscribe {channel} failed: {acked}")
                conns[i] = (sock, rest)
        pipe.send(("ready", len(conns)))
    except Exception as err:
        pipe.send(("error", f"{type(err).__name__}: {err}"))
        return
    fanout.receive_loop(pipe, conns, heartbeat)


class Leader(fanout.Sender):
    """The host's websocket: ``nav.place`` or ``chat.send`` carrying the send time."""

    async def op(self, payload: dict) -> dict:
        self.next_id += 1
        ref = self.next_id
        future = asyncio.get_running_loop().create_future()
        self.acks[ref] = future
        await self.conns[0].write_message(json.dumps({"id": ref, **payload}))
        ack = await asyncio.wait_for(future, 60)
        if not ack.get("ok"):
            self.errors.append(ack["error"])
        return ack

    def place(self, index: int, epoch: int) -> dict:
        return {
            "op": "nav.place",
            "session_id": self.session_id,
            "epoch": epoch,
            "notebook_path": NOTEBOOK,
            "cell_id": f"c{1 + index % 39}",
            "cell_index": 1 + index % 39,
            "section": f"bench|{time.time():.6f}|{index}|",
            "section_index": 1,
            "offset": 0.25,
        }


async def measure(leader: Leader, pipes, kind: str, n: int, args, epoch: int, pid: int) -> dict:
    for pipe in pipes:
        await fanout.ask(pipe, "reset")
    count = int(args.rate * args.duration)
    cpu0, wall0 = fanout.cpu_seconds([pid]), time.monotonic()
    start = time.monotonic() + 0.2
    for i in range(count):
        delay = start + i / args.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        place = leader.place(i, epoch)
        if kind == "chat":  # the same place, as a chat message (its time first, as above)
            text = place["section"] + json.dumps(place)
            place = {"op": "chat.send", "session_id": leader.session_id, "text": text}
        await leader.op(place)
    await fanout.wait_deliveries(pipes, count * n, quiet=3, limit=30)
    cpu, wall = fanout.cpu_seconds([pid]) - cpu0, time.monotonic() - wall0
    latencies = array("d")
    for pipe in pipes:
        latencies.frombytes(await fanout.ask(pipe, "latencies"))
    values = list(latencies)
    pct = fanout.percentile
    return {
        "relayed": kind,
        "n": n,
        "sent": count,
        "expected": count * n,
        "delivered": len(values),
        "p50_ms": round(pct(values, 50), 2) if values else None,
        "p99_ms": round(pct(values, 99), 2) if values else None,
        "max_ms": round(max(values), 2) if values else None,
        "server_cpu_pct": round(100 * cpu / wall, 1),
        "server_cpu_ms_per_op": round(1000 * cpu / count, 2),
    }


async def run_size(n: int, args, workdir: Path) -> list[dict]:
    users = {"host": secrets.token_hex(16)}
    participants = [f"u{i:04d}" for i in range(1, n + 1)]
    users.update({name: secrets.token_hex(16) for name in participants})
    server = fanout.Server("ours", workdir, args.server_core, users)
    write_notebook(workdir / "root")
    ctx = multiprocessing.get_context("spawn")
    procs, pipes, leader = [], [], None
    try:
        await server.wait_ready()
        sid = await fanout.create_room(server, participants)
        await fanout.api(server, "host", f"sessions/{sid}/notebook", "PUT", {"path": NOTEBOOK})
        tokens = [users[name] for name in participants]
        channels = [f"follow:{sid}", f"session:{sid}"]
        for share in (tokens[i :: args.client_procs] for i in range(args.client_procs)):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=follower_main,
                args=(child, server.port, share, channels, args.heartbeat, args.client_core),
                daemon=True,
            )
            proc.start()
            procs.append(proc)
            pipes.append(parent)
        for pipe in pipes:
            deadline = time.monotonic() + 300
            while not pipe.poll():
                if time.monotonic() > deadline:
                    raise TimeoutError("followers did not connect in time")
                await asyncio.sleep(0.05)
            state = pipe.recv()
            if state[0] != "ready":
                raise RuntimeError(f"follower failed: {state[1]}")
        url = f"ws://{fanout.HOST}:{server.port}/studysession/api/ws"
        leader = Leader(url, users["host"], sid)
        await leader.connect(1)
        epoch = (await leader.op({"op": "nav.lead", "session_id": sid}))["data"]["epoch"]
        await asyncio.sleep(1)
        results = []
        for kind in args.order.split(","):
            results.append(await measure(leader, pipes, kind, n, args, epoch, server.proc.pid))
            print(json.dumps(results[-1]), flush=True)
        for result in results:
            result["op_errors"] = leader.errors[:3]
        return results
    finally:
        if leader is not None:
            leader.close()
        for pipe in pipes:
            with contextlib.suppress(Exception):
                pipe.send("stop")
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
        server.stop()


def table(results: list[dict]) -> str:
    lines = [
        "| followers | relayed as | delivered | p50 ms | p99 ms | max ms | server CPU % |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['n']} | {r['relayed']} | {r['delivered']}/{r['expected']} | {r['p50_ms']} "
            f"| {r['p99_ms']} | {r['max_ms']} | {r['server_cpu_pct']} |"
        )
    return "\n".join(lines)


async def run_all(args) -> list[dict]:
    results = []
    for n in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory(prefix=f"follow-{n}-") as tmp:
            results += await run_size(n, args, Path(tmp))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500", help="followers per room (comma list)")
    parser.add_argument("--rate", type=float, default=10, help="places per second")
    parser.add_argument("--duration", type=float, default=10, help="seconds per phase")
    parser.add_argument("--order", default="place,chat", help="phases, in order")
    parser.add_argument("--heartbeat", type=float, default=15, help="tab heartbeat, s (0: off)")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--out", help="write every number here (JSON)")
    args = parser.parse_args(argv)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load = os.getloadavg()
    results = asyncio.run(run_all(args))
    print(table(results))
    if args.out:
        record = {
            "started": started,
            "load_before": load,
            "load_after": os.getloadavg(),
            "machine": fanout.machine(),
            "git": fanout.git_state(),
            "args": vars(args),
            "results": results,
        }
        Path(args.out).write_text(json.dumps(record, indent=2))
    return 0 if all(r["delivered"] == r["expected"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
