"""CRDT update fan-out in one room, side by side with pycrdt-websocket's own room.

    python benchmarks/crdt_fanout.py [--editors 10,50,200] [--readers 1000] [--rates 20,80,320]
                                     [--duration 6] [--load-mb 2] [--out results.json]

Two servers, each a subprocess pinned to core 0 (``--server-core``), serve one Yjs document:

- ``baseline``: pycrdt-websocket's ``WebsocketServer`` and ``YRoom`` (no store) behind Tornado
  (a ``pycrdt.Channel`` over a ``tornado.websocket`` handler, defined here): what one would run
  with the library as it comes;
- ``ours``: ``jupyter server`` with the extension: authenticated peers (a token per user),
  authorisation, every update stored in SQLite before it is sent, the in-process bus.

For each room shape (N editors who all also read; then ``--readers`` readers and
``--reader-editors`` editors) the clients, in ``--client-procs`` processes pinned to core 1
(raw sockets on ``epoll``, as in ``chat_fanout.py``), connect; then at each total rate of
``--rates`` (updates/s, spread over the editors) for ``--duration`` s, each editor inserts text
into its own pycrdt document and sends the real Yjs update. The inserted text carries the send
time, which shows in the update's bytes, so a receiver finds it without decoding; a delivery to
the update's own author is not counted (pycrdt-websocket echoes updates to their sender, ours
does not). Per phase: deliveries/s, p50/p99 latency over all deliveries, server CPU.

Then the load of a ``--load-mb`` MB notes document: an editor writes it in 256 KB updates, and a
new peer connects and sends sync step 1: the time until it has the whole document (sync step 2)
is measured with the room in memory (warm) and, for ours, after a server restart (cold: from
the compacted snapshot in the database).

Only 127.0.0.1; every phase is bounded in count and time; subprocesses are stopped on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import multiprocessing
import os
import select
import sqlite3
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from chat_fanout import (  # the websocket client and helpers of the chat benchmark
    HOST,
    cpu_seconds,
    free_port,
    machine,
    mask_frame,
    percentile,
    pin,
    server_preexec,
    ws_connect_many,
)
from chat_fanout import (
    OURS_CONFIG as CHAT_CONFIG,
)

MARK = b"@@T"  # inserted text: "@@T<send time>|<editor index>|"
STAMP = "0" * 10 + "." + "0" * 6  # the send time's place in an update, patched when sent


# -- the baseline: pycrdt-websocket behind Tornado ----------------------------------------------


def serve_pycrdt(port: int) -> None:
    """pycrdt-websocket's WebsocketServer (one YRoom per path, no store) on Tornado."""
    from pycrdt import Channel
    from pycrdt.websocket import WebsocketServer
    from tornado import web, websocket

    class TornadoChannel(Channel):
        def __init__(self, handler, path):
            self._handler, self._path = handler, path
            self._queue: asyncio.Queue = asyncio.Queue()

        @property
        def path(self) -> str:
            return self._path

        def __aiter__(self):
            return self

        async def __anext__(self) -> bytes:
            message = await self._queue.get()
            if message is None:
                raise StopAsyncIteration
            return message

        async def send(self, message: bytes) -> None:
            with contextlib.suppress(websocket.WebSocketClosedError):
                await self._handler.write_message(message, binary=True)

        async def recv(self) -> bytes:
            return await self.__anext__()

    server = WebsocketServer(auto_clean_rooms=False)

    class Room(websocket.WebSocketHandler):
        def open(self):
            self.set_nodelay(True)  # small frames go out at once (no Nagle delay)
            self.channel = TornadoChannel(self, "room")
            self.task = asyncio.ensure_future(server.serve(self.channel))

        def on_message(self, message):
            self.channel._queue.put_nowait(bytes(message))

        def on_close(self):
            self.channel._queue.put_nowait(None)

    class Health(web.RequestHandler):
        def get(self):
            self.write("ok")

    async def main():
        async with server:
            # started before anyone connects: two first clients at once would both start it
            # ("YRoom already running", pycrdt-websocket 0.16)
            await server.get_room("room")
            web.Application([(r"/room", Room), (r"/health", Health)]).listen(port, address=HOST)
            await asyncio.Event().wait()

    asyncio.run(main())


OURS_CONFIG = (
    CHAT_CONFIG
    + """\
c.StudySessionApp.tas = {readers!r}
c.StudySessionApp.doc_update_limit = "1000000/minute"
c.StudySessionApp.doc_max_bytes = {max_bytes}
c.StudySessionApp.doc_compact_after_updates = {compact_after}
"""
)
"""The chat benchmark's server configuration, with the readers as TAs (they read without
joining) and the documents' limits raised."""


class Server:
    """A server subprocess pinned to one core; ``path`` is its document's websocket path."""

    def __init__(self, kind: str, workdir: Path, core, users: list[str], readers: list[str]):
        self.kind, self.workdir, self.core = kind, workdir, core
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.tokens = {u: f"tok-{u}" for u in users}
        self.readers = set(readers)
        self.db = workdir / f"{kind}.sqlite"
        self.path = "/room"
        self.process = None

    def start(self, max_bytes: int, compact_after: int = 500) -> None:
        log = (self.workdir / f"{self.kind}.log").open("a")
        if self.kind == "baseline":
            command = [sys.executable, __file__, "--serve-pycrdt", str(self.port)]
        else:
            config = self.workdir / "jupyter_server_config.py"
            config.write_text(
                OURS_CONFIG.format(
                    host=HOST,
                    port=self.port,
                    root=str(self.workdir),
                    tokens={t: u for u, t in self.tokens.items()},
                    server_token=f"server-{os.getpid()}",
                    db_url=f"sqlite+aiosqlite:///{self.db}",
                    readers=self.readers,
                    max_bytes=max_bytes,
                    compact_after=compact_after,
                )
            )
            command = [sys.executable, "-m", "jupyter_server", f"--config={config}"]
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(self.workdir / "config")}
        self.process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=lambda: server_preexec(self.core),
        )
        deadline = time.time() + 120
        health = "/health" if self.kind == "baseline" else "/api/status"
        while time.time() < deadline:
            with contextlib.suppress(OSError), socket_to(self.port) as sock:
                token = next(iter(self.tokens.values()))
                sock.sendall(
                    f"GET {health} HTTP/1.1\r\nHost: {HOST}\r\n"
                    f"Authorization: token {token}\r\n\r\n".encode()
                )
                if sock.recv(100).startswith(b"HTTP/1.1 200"):
                    return
            time.sleep(0.3)
        raise RuntimeError(f"{self.kind} did not start; see {self.workdir}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    async def setup(self, editors: list[str]) -> None:
        """Ours: a public session hosted by the first editor, joined by the others."""
        if self.kind == "baseline":
            return
        from tornado.httpclient import AsyncHTTPClient

        async def call(user, path, body=None):
            response = await AsyncHTTPClient().fetch(
                f"{self.base}/studysession/api/{path}",
                method="POST",
                body=json.dumps(body or {}),
                headers={"Authorization": f"token {self.tokens[user]}"},
                request_timeout=120,
            )
            return json.loads(response.body)

        session = await call(
            editors[0], "sessions", {"title": "Bench", "is_public": True, "max_participants": 500}
        )
        sid = session["id"]
        for i in range(1, len(editors), 16):
            await asyncio.gather(*(call(e, f"sessions/{sid}/join") for e in editors[i : i + 16]))
        await call(editors[0], f"sessions/{sid}/start")
        self.path = f"/studysession/api/sessions/{sid}/docs/notes"


@contextlib.contextmanager
def socket_to(port: int):
    import socket

    sock = socket.create_connection((HOST, port), timeout=2)
    try:
        yield sock
    finally:
        sock.close()


# -- clients (client processes) ------------------------------------------------------------------


def client_main(pipe, port: int, path: str, peers: list[tuple[str, int]], core) -> None:
    """One client process: its websockets (``(token, editor index or -1)``), then commands:
    ``("run", rate, duration)`` sends this process's share of updates at ``rate``/s from its
    editors while counting deliveries; ``"stop"``."""
    from pycrdt import Doc, Text, create_update_message

    pin(core)
    try:
        conns = ws_connect_many(port, path, [token for token, _ in peers])
    except Exception as err:
        pipe.send(("error", f"{type(err).__name__}: {err}"))
        return
    socks = [sock for sock, _ in conns]
    editors = [(sock, index) for sock, (_, index) in zip(socks, peers, strict=True) if index >= 0]
    docs = {index: Doc() for _, index in editors}
    for doc in docs.values():
        doc.get("source", type=Text)
    owner = {sock.fileno(): index for sock, (_, index) in zip(socks, peers, strict=True)}
    pending = {sock.fileno(): rest for sock, rest in conns}
    poller = select.epoll()
    for sock in socks:
        sock.setblocking(False)
        poller.register(sock.fileno(), select.EPOLLIN)
    control = pipe.fileno()
    poller.register(control, select.EPOLLIN)
    pipe.send(("ready", len(socks)))

    queued = {index: collections.deque() for _, index in editors}

    def prepare(per_editor: int) -> None:
        """Top up each editor's queue of next updates, in order (one not sent in a phase is
        sent first in the next: later ones depend on it): inserting "@@T<time>|<index>|" at
        the end of its text, the time a placeholder of fixed width patched when sent (the
        text is in the update's bytes as is)."""
        for _, index in editors:
            doc, captured = docs[index], []
            text = doc.get("source", type=Text)
            subscription = doc.observe(lambda event, c=captured: c.append(event.update))
            for _ in range(per_editor - len(queued[index])):
                text.insert(len(text), f"@@T{STAMP}|{index}|")
            doc.unobserve(subscription)
            messages = [bytearray(create_update_message(u)) for u in captured]
            queued[index].extend((m, m.find(MARK) + 3) for m in messages)

    latencies, count, first, last, sent = array("d"), 0, None, None, 0
    sending_until, interval, next_send, turn = 0.0, 0.0, 0.0, 0
    by_fd = {sock.fileno(): sock for sock in socks}
    while True:
        now = time.time()
        while editors and now < sending_until and now >= next_send:
            sock, index = editors[turn % len(editors)]
            turn += 1
            if queued[index]:
                message, at = queued[index].popleft()
                message[at : at + len(STAMP)] = b"%017.6f" % time.time()
                with contextlib.suppress(OSError):
                    sock.sendall(mask_frame(bytes(message), 0x2))
                sent += 1
            next_send += interval
        timeout = max(0.0, min(next_send - now, 0.05)) if now < sending_until else 0.2
        for fd, _ in poller.poll(timeout):
            if fd == control:
                command = pipe.recv()
                if command == "stop":
                    return
                if command == "stats":
                    pipe.send(
                        {
                            "count": count,
                            "first": first,
                            "last": last,
                            "sent": sent,
                            "latencies": latencies.tobytes(),
                        }
                    )
                    latencies, count, first, last, sent = array("d"), 0, None, None, 0
                    continue
                _, rate, duration = command
                if rate > 0 and editors:
                    per_editor = int(rate * duration / len(editors)) + 2
                    prepare(per_editor)
                    interval = 1.0 / rate
                    next_send, sending_until = time.time(), time.time() + duration
                pipe.send("ok")
                continue
            try:
                data = by_fd[fd].recv(1 << 18)
            except (BlockingIOError, OSError):
                continue
            if not data:
                poller.unregister(fd)
                continue
            now = time.time()
            data = pending[fd] + data if pending[fd] else data
            n, pos, me = len(data), 0, owner[fd]
            while n - pos >= 2:
                size, head = data[pos + 1] & 0x7F, 2
                if size == 126:
                    if n - pos < 4:
                        break
                    head, size = 4, (data[pos + 2] << 8) | data[pos + 3]
                elif size == 127:
                    if n - pos < 10:
                        break
                    head, size = 10, int.from_bytes(data[pos + 2 : pos + 10], "big")
                end = pos + head + size
                if end > n:
                    break
                opcode = data[pos] & 0x0F
                if opcode == 0x2 and data[pos + head + 1] == 2:  # sync update
                    i = data.find(MARK, pos + head, end)
                    if i >= 0:
                        j = data.find(b"|", i, end)
                        k = data.find(b"|", j + 1, end)
                        if int(data[j + 1 : k]) != me:
                            latencies.append((now - float(data[i + 3 : j])) * 1000)
                            count += 1
                            first = first or now
                            last = now
                elif opcode == 0x9:
                    with contextlib.suppress(OSError):
                        by_fd[fd].send(mask_frame(data[pos + head : end], 0xA))
                pos = end
            pending[fd] = data[pos:]


async def ask(pipe, message, timeout: float = 300):
    pipe.send(message)
    loop = asyncio.get_running_loop()
    ready = await loop.run_in_executor(None, pipe.poll, timeout)
    if not ready:
        raise TimeoutError(f"no answer to {message!r}")
    return pipe.recv()


async def measure_room(server: Server, n_editors: int, n_readers: int, args) -> list[dict]:
    """Connect the room's peers, then one phase per rate."""
    editors = [f"e{i}" for i in range(n_editors)]
    readers = [f"r{i}" for i in range(n_readers)]
    await server.setup(editors)
    peers = [(server.tokens[u], i) for i, u in enumerate(editors)]
    peers += [(server.tokens[u], -1) for u in readers]
    procs, pipes = [], []
    for part in range(args.client_procs):
        mine = peers[part :: args.client_procs]
        parent, child = multiprocessing.Pipe()
        process = multiprocessing.Process(
            target=client_main, args=(child, server.port, server.path, mine, args.client_core)
        )
        process.start()
        procs.append(process)
        pipes.append(parent)
    try:
        for pipe in pipes:
            status = await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
            if status[0] != "ready":
                raise RuntimeError(status[1])
        await asyncio.sleep(1)
        results = []
        for rate in args.rates:
            cpu0, wall0 = cpu_seconds([server.process.pid]), time.time()
            for pipe in pipes:
                await ask(pipe, ("run", rate / len(pipes), args.duration))
            await asyncio.sleep(args.duration + args.drain)
            cpu = (cpu_seconds([server.process.pid]) - cpu0) / (time.time() - wall0)
            stats = [await ask(pipe, "stats") for pipe in pipes]
            lat = array("d")
            for s in stats:
                lat.frombytes(s["latencies"])
            count = sum(s["count"] for s in stats)
            sent = sum(s["sent"] for s in stats)
            expected = sent * (n_editors + n_readers - 1)
            firsts = [s["first"] for s in stats if s["first"]]
            lasts = [s["last"] for s in stats if s["last"]]
            span = (max(lasts) - min(firsts)) if firsts else None
            values = sorted(lat)
            results.append(
                {
                    "server": server.kind,
                    "editors": n_editors,
                    "readers": n_readers,
                    "rate": rate,
                    "sent": sent,
                    "sent_per_s": round(sent / args.duration),
                    "expected": expected,
                    "delivered": count,
                    "deliveries_per_s": round(count / span) if span else None,
                    "p50_ms": round(percentile(values, 0.5) or 0, 1),
                    "p99_ms": round(percentile(values, 0.99) or 0, 1),
                    "server_cpu": round(cpu * 100),
                }
            )
            print(json.dumps(results[-1]), flush=True)
        return results
    finally:
        for pipe in pipes:
            with contextlib.suppress(Exception):
                pipe.send("stop")
        for process in procs:
            process.join(10)
            if process.is_alive():
                process.kill()


# -- loading a large document ------------------------------------------------------------------


def load_time(port: int, path: str, token: str) -> tuple[float, int]:
    """Seconds from connecting to having the whole document (sync step 2), and its size."""
    ((sock, rest),) = ws_connect_many(port, path, [token], batch=1)
    start = time.time()
    sock.sendall(mask_frame(b"\x00\x00\x01\x00", 0x2))  # sync step 1, empty state vector
    data = rest
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("closed while loading")
        data += chunk
        pos = 0
        while len(data) - pos >= 2:
            size, head = data[pos + 1] & 0x7F, 2
            if size == 126:
                head, size = 4, int.from_bytes(data[pos + 2 : pos + 4], "big")
            elif size == 127:
                head, size = 10, int.from_bytes(data[pos + 2 : pos + 10], "big")
            if len(data) - pos < head + size:
                break
            if data[pos + head : pos + head + 2] == b"\x00\x01":
                elapsed = time.time() - start
                sock.close()
                return elapsed, size
            pos += head + size
        data = data[pos:]


def write_document(port: int, path: str, token: str, megabytes: float) -> None:
    from pycrdt import Doc, Text, create_update_message

    ((sock, _),) = ws_connect_many(port, path, [token], batch=1)
    doc = Doc()
    text = doc.get("source", type=Text)
    chunk = ("Eigenvalues of symmetric matrices are real. " * 6000)[: 256 * 1024 - 64]
    updates = []
    subscription = doc.observe(lambda event: updates.append(event.update))
    for _ in range(int(megabytes * 1024 * 1024 / len(chunk))):
        text.insert(len(text), chunk)
    doc.unobserve(subscription)
    for update in updates:
        sock.sendall(mask_frame(create_update_message(update), 0x2))
    time.sleep(3)  # stored (and compacted) before the next reader comes
    sock.close()


async def measure_load(server: Server, args) -> dict:
    token = next(iter(server.tokens.values()))
    await server.setup(["e0"])
    write_document(server.port, server.path, token, args.load_mb)
    warm = [load_time(server.port, server.path, token) for _ in range(3)]
    result = {
        "server": server.kind,
        "document_bytes": warm[-1][1],
        "warm_ms": [round(t * 1000, 1) for t, _ in warm],
    }
    if server.kind == "ours":
        server.stop()
        server.start(args.max_bytes, compact_after=4)
        cold = load_time(server.port, server.path, token)
        result["cold_ms"] = round(cold[0] * 1000, 1)
        with contextlib.closing(sqlite3.connect(server.db)) as db:
            result["stored_log_rows"] = db.execute("select count(*) from crdt_updates").fetchone()[
                0
            ]
    print(json.dumps(result), flush=True)
    return result


# -- main ---------------------------------------------------------------------------------------


async def run(args) -> dict:
    shapes = [(n, 0) for n in args.editors]
    if args.readers:
        shapes.append((args.reader_editors, args.readers))
    results: dict = {"machine": machine(), "args": vars(args), "rooms": [], "load": []}
    for n_editors, n_readers in shapes:
        for kind in args.servers:
            workdir = Path(tempfile.mkdtemp(prefix=f"crdt-{kind}-"))
            users = [f"e{i}" for i in range(n_editors)] + [f"r{i}" for i in range(n_readers)]
            server = Server(kind, workdir, args.server_core, users, users[n_editors:])
            server.start(args.max_bytes)
            try:
                results["rooms"] += await measure_room(server, n_editors, n_readers, args)
            finally:
                server.stop()
    if args.load_mb:
        for kind in args.servers:
            workdir = Path(tempfile.mkdtemp(prefix=f"crdt-load-{kind}-"))
            server = Server(kind, workdir, args.server_core, ["e0"], [])
            server.start(args.max_bytes, compact_after=4)  # the log is compacted as it grows
            try:
                results["load"].append(await measure_load(server, args))
            finally:
                server.stop()
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


def table(results: dict) -> str:
    lines = [
        "| editors | readers | updates/s | server | deliveries/s | p50 ms | p99 ms | server CPU |",
        "|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in results["rooms"]:
        lines.append(
            f"| {r['editors']} | {r['readers']} | {r['rate']} | {r['server']} | "
            f"{r['deliveries_per_s']} ({r['delivered']}/{r['expected']}) | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['server_cpu']} % |"
        )
    for r in results["load"]:
        lines.append(f"\nload {r}")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ints = lambda text: [int(x) for x in text.split(",") if x]  # noqa: E731
    parser.add_argument("--editors", type=ints, default=[10, 50, 200])
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--reader-editors", type=int, default=5)
    parser.add_argument("--rates", type=ints, default=[20, 80, 320])
    parser.add_argument("--duration", type=float, default=6)
    parser.add_argument("--drain", type=float, default=3)
    parser.add_argument("--load-mb", type=float, default=2)
    parser.add_argument("--max-bytes", type=int, default=3 * 1024 * 1024)
    parser.add_argument("--servers", type=lambda t: t.split(","), default=["baseline", "ours"])
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--out")
    parser.add_argument("--serve-pycrdt", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.serve_pycrdt:
        serve_pycrdt(args.serve_pycrdt)
        return 0
    results = asyncio.run(run(args))
    print(table(results))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
