"""Chat fan-out in one session room, side by side with a bare Tornado broadcast server.

    python benchmarks/chat_fanout.py [--sizes 100,500,1000] [--rate 10] [--duration 10]
                                     [--burst 2000] [--out results.json]

For each room size N and each server (``baseline``: a bare Tornado websocket server defined in
this file that calls ``write_message`` once per client; ``ours``: ``jupyter server`` with the
extension, a temporary SQLite database and the in-process bus) the script:

1. starts the server as a subprocess pinned to one core (``--server-core``);
2. for ``ours``: creates N+1 users with their own tokens (``UserTokensIdentityProvider``), a
   session (REST, as the host), invites and joins the N participants (REST, concurrently),
   starts the session (the REST API caps a room at 500: the script raises the cap of its
   session in its own temporary database);
3. starts ``--client-procs`` client processes pinned to the other core, each holding its share
   of the N websockets (a minimal websocket client on ``epoll``, so that the clients cost less
   per frame than the server); every client subscribes to ``session:<id>`` with its own token;
4. latency: the host sends ``chat.send`` at ``--rate`` messages/s for ``--duration`` s; each
   text carries its send time (``time.time()``, one clock for all processes on this machine);
   every delivery's latency is receive time - send time; p50/p99 over all deliveries;
5. throughput: the host sends ``--burst`` messages as fast as the server acknowledges them
   (``--window`` ops in flight over ``--senders`` connections); deliveries/s = deliveries /
   (last delivery - first send);
6. server CPU (psutil ``cpu_times`` delta / wall time; 100 % = one core) per phase, server RSS
   after setup and peak (sampled every 50 ms); the client side's CPU, to show it is not the
   bottleneck.

Only 127.0.0.1; every phase is bounded in count and time; subprocesses are stopped on exit,
Ctrl-C or failure. ``--profile DIR`` records the server of ``ours`` at the largest N with
py-spy (if installed; ``--py-spy PATH``), one file per phase (setup, connect, rate, burst);
``--summarize FILE`` prints the top functions of one.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import multiprocessing
import os
import platform
import secrets
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from array import array
from datetime import datetime, timezone
from pathlib import Path

HOST = "127.0.0.1"
MARK = b"bench|"  # chat texts are "bench|<send time>|<index>|"

# -- the baseline: a bare Tornado websocket broadcast ---------------------------------------------


def serve_baseline(port: int) -> None:
    """Receivers connect to ``/recv``, the sender to ``/send``. Each message from the sender is
    turned into one event envelope shaped like ours (same fields, similar size), sent with
    ``write_message`` to every receiver, then acknowledged to the sender."""
    from tornado import ioloop, web, websocket

    receivers: set[websocket.WebSocketHandler] = set()
    seq = 0

    class Receiver(websocket.WebSocketHandler):
        def open(self):
            receivers.add(self)

        def on_close(self):
            receivers.discard(self)

    class Sender(websocket.WebSocketHandler):
        def on_message(self, message):
            nonlocal seq
            op = json.loads(message)
            seq += 1
            now = datetime.now(timezone.utc).isoformat()
            event = {
                "channel": "session:baseline",
                "seq": seq,
                "type": "chat.message",
                "data": {
                    "message": {
                        "id": uuid.uuid4().hex,
                        "session_id": "baseline",
                        "sender": {
                            "username": "host",
                            "display_name": "Host",
                            "initials": "H",
                            "color": "#1f77b4",
                            "avatar_url": None,
                        },
                        "text": op.get("text", ""),
                        "created_at": now,
                        "edited_at": None,
                        "deleted_at": None,
                    }
                },
            }
            text = json.dumps(event)
            for receiver in list(receivers):
                with contextlib.suppress(websocket.WebSocketClosedError):
                    receiver.write_message(text)
            self.write_message(json.dumps({"re": op.get("id"), "ok": True, "data": None}))

    class Health(web.RequestHandler):
        def get(self):
            self.write("ok")

    app = web.Application([(r"/recv", Receiver), (r"/send", Sender), (r"/health", Health)])
    app.listen(port, address=HOST)
    signal.signal(signal.SIGTERM, lambda *_: ioloop.IOLoop.current().add_callback_from_signal(stop))

    def stop():
        ioloop.IOLoop.current().stop()

    ioloop.IOLoop.current().start()


# -- a minimal websocket client (client processes) --------------------------------------------


def mask_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One masked client frame (RFC 6455 §5.3)."""
    key = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = bytes([0x80 | opcode, 0x80 | size])
    elif size <= 0xFFFF:
        header = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8, "big")
    stream = (key * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(size, "big")
    return header + key + masked


def parse_frames(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Complete server frames (unmasked) in ``data`` as (opcode, payload), and the rest."""
    frames = []
    pos, end = 0, len(data)
    while end - pos >= 2:
        size = data[pos + 1] & 0x7F
        head = 2
        if size == 126:
            if end - pos < 4:
                break
            size, head = int.from_bytes(data[pos + 2 : pos + 4], "big"), 4
        elif size == 127:
            if end - pos < 10:
                break
            size, head = int.from_bytes(data[pos + 2 : pos + 10], "big"), 10
        if end - pos < head + size:
            break
        frames.append((data[pos] & 0x0F, data[pos + head : pos + head + size]))
        pos += head + size
    return frames, data[pos:]


def handshake_request(port: int, path: str, token: str | None) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if token:
        lines.append(f"Authorization: token {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_until(sock: socket.socket, data: bytes, done) -> bytes:
    while not done(data):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return data


def ws_connect_many(port: int, path: str, tokens: list, batch: int = 100) -> list[tuple]:
    """Websocket handshakes, ``batch`` at a time in parallel (one at a time, each would wait
    for the other side's delayed ACK); returns (socket, bytes received after the headers)."""
    conns = []
    for i in range(0, len(tokens), batch):
        socks = []
        for token in tokens[i : i + batch]:
            sock = socket.create_connection((HOST, port), timeout=120)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(handshake_request(port, path, token))
            socks.append(sock)
        for sock in socks:
            data = read_until(sock, b"", lambda d: b"\r\n\r\n" in d)
            head, _, rest = data.partition(b"\r\n\r\n")
            status = head.split(b"\r\n", 1)[0]
            if not status.startswith(b"HTTP/1.1 101"):
                raise ConnectionError(f"handshake on {path}: {status.decode(errors='replace')}")
            conns.append((sock, rest))
    return conns


def client_main(
    pipe, port: int, path: str, tokens: list, channel: str | None, heartbeat: float, core
) -> None:
    """One client process: connect and subscribe its websockets, then count deliveries and
    their latencies until told to stop, sending each socket a ``heartbeat`` op every
    ``heartbeat`` seconds (0: never) like a browser tab. Commands on ``pipe``: reset, stats,
    latencies, stop."""
    pin(core)
    try:
        conns = ws_connect_many(port, path, tokens)
        if channel:
            subscribe = json.dumps({"id": "sub", "op": "subscribe", "channel": channel}).encode()
            for sock, _ in conns:
                sock.sendall(mask_frame(subscribe))
            for i, (sock, rest) in enumerate(conns):
                acked = None
                while acked is None:
                    frames, rest = parse_frames(rest)
                    for opcode, payload in frames:
                        if opcode == 0x1 and b'"re"' in payload:
                            acked = json.loads(payload)
                    if acked is None:
                        chunk = sock.recv(65536)
                        if not chunk:
                            raise ConnectionError("closed while subscribing")
                        rest += chunk
                if not acked.get("ok"):
                    raise RuntimeError(f"subscribe failed: {acked}")
                conns[i] = (sock, rest)
        pipe.send(("ready", len(conns)))
    except Exception as err:
        pipe.send(("error", f"{type(err).__name__}: {err}"))
        return
    receive_loop(pipe, conns, heartbeat)


def receive_loop(pipe, conns: list[tuple], heartbeat: float) -> None:
    """Count deliveries and their latencies. Kept lean (no call per frame): the client side
    must cost less per delivery than the server it measures. Heartbeats go out evenly spread,
    in the order the sockets subscribed."""
    beat = mask_frame(json.dumps({"id": "hb", "op": "heartbeat"}).encode())
    order = [sock for sock, _ in conns]
    step = heartbeat / len(order) if heartbeat > 0 and order else None
    next_beat, beat_index = time.time(), 0
    poller = select.epoll()
    socks, recv, pending = {}, {}, {}
    for sock, rest in conns:
        sock.setblocking(False)
        socks[sock.fileno()] = sock
        recv[sock.fileno()] = sock.recv
        pending[sock.fileno()] = rest  # nothing is sent before the first chat message
        poller.register(sock.fileno(), select.EPOLLIN)
    control = pipe.fileno()
    poller.register(control, select.EPOLLIN)
    now_ = time.time
    latencies = array("d")
    count, first, last, closed, other = 0, None, None, 0, 0
    while True:
        if step is not None:
            now = now_()
            while now >= next_beat:
                with contextlib.suppress(OSError):
                    order[beat_index].send(beat)
                beat_index = (beat_index + 1) % len(order)
                next_beat += step
        for fd, _ in poller.poll(0.05 if step is not None else 1.0):
            if fd == control:
                try:
                    command = pipe.recv()
                except EOFError:  # the benchmark is gone
                    command = "stop"
                if command == "reset":
                    latencies = array("d")
                    count, first, last, other = 0, None, None, 0
                    pipe.send("ok")
                elif command == "stats":
                    pipe.send(
                        {
                            "count": count,
                            "first": first,
                            "last": last,
                            "closed": closed,
                            "other": other,
                        }
                    )
                elif command == "latencies":
                    pipe.send(latencies.tobytes())
                elif command == "stop":
                    for sock in socks.values():
                        sock.close()
                    return
                continue
            try:
                data = recv[fd](1 << 18)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            now = now_()
            if not data:
                poller.unregister(fd)
                closed += 1
                continue
            if pending[fd]:
                data = pending[fd] + data
            n, pos = len(data), 0
            while n - pos >= 2:  # server frames: unmasked
                size = data[pos + 1] & 0x7F
                if size < 126:
                    head = 2
                elif size == 126:
                    if n - pos < 4:
                        break
                    head, size = 4, (data[pos + 2] << 8) | data[pos + 3]
                else:
                    if n - pos < 10:
                        break
                    head, size = 10, int.from_bytes(data[pos + 2 : pos + 10], "big")
                end = pos + head + size
                if end > n:
                    break
                opcode = data[pos] & 0x0F
                if opcode == 0x1:
                    i = data.find(MARK, pos + head, end)
                    if i >= 0:
                        j = data.find(b"|", i + 6, end)
                        latencies.append((now - float(data[i + 6 : j])) * 1000)
                        count += 1
                        if first is None:
                            first = now
                        last = now
                    else:
                        other += 1
                elif opcode == 0x9:  # ping: answer, or the server drops us
                    with contextlib.suppress(OSError):
                        socks[fd].send(mask_frame(data[pos + head : end], 0xA))
                elif opcode == 0x8:
                    closed += 1
                pos = end
            pending[fd] = data[pos:] if pos < n else b""


# -- the sender (main process) ----------------------------------------------------------------


class Sender:
    """The host's websockets (several: the server allows 20 ops/s per connection)."""

    def __init__(self, url: str, token: str | None, session_id: str | None):
        self.url = url
        self.token = token
        self.session_id = session_id
        self.conns: list = []
        self.acks: dict[int, asyncio.Future] = {}
        self.readers: list[asyncio.Task] = []
        self.next_id = 0
        self.rate_limited = 0
        self.errors: list[dict] = []
        self.ack_ms: list[float] = []

    async def connect(self, count: int) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        headers = {"Authorization": f"token {self.token}"} if self.token else {}
        for _ in range(count):
            conn = await websocket_connect(HTTPRequest(self.url, headers=headers))
            self.conns.append(conn)
            self.readers.append(asyncio.ensure_future(self._read(conn)))

    async def _read(self, conn) -> None:
        while True:
            message = await conn.read_message()
            if message is None:
                return
            frame = json.loads(message)
            future = self.acks.pop(frame.get("re"), None) if "re" in frame else None
            if future is not None and not future.done():
                future.set_result(frame)

    async def send(self, conn_index: int, index: int, timeout: float = 300) -> dict:
        """Send chat message ``index`` now (its text carries the send time); its ack."""
        while True:
            self.next_id += 1
            ref = self.next_id
            future = asyncio.get_running_loop().create_future()
            self.acks[ref] = future
            sent = time.time()
            text = f"bench|{sent:.6f}|{index}|"
            op = {"id": ref, "op": "chat.send", "session_id": self.session_id, "text": text}
            await self.conns[conn_index].write_message(json.dumps(op))
            ack = await asyncio.wait_for(future, timeout)
            self.ack_ms.append((time.time() - sent) * 1000)
            if ack.get("ok"):
                return ack
            if ack["error"]["code"] == "rate_limited":
                self.rate_limited += 1
                await asyncio.sleep(0.05)
                continue
            self.errors.append(ack["error"])
            return ack

    def close(self) -> None:
        for task in self.readers:
            task.cancel()
        for conn in self.conns:
            conn.close()


# -- servers ----------------------------------------------------------------------------------


def pin(core) -> None:
    if core is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {core})


def server_preexec(core) -> None:
    """In the server's process before exec: pin it, and have it terminated if the benchmark
    dies without stopping it (Linux)."""
    pin(core)
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


OURS_CONFIG = """\
c = get_config()  # noqa: F821
c.ServerApp.ip = {host!r}
c.ServerApp.port = {port}
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
c.ServerApp.allow_root = True
c.ServerApp.root_dir = {root!r}
c.ServerApp.log_level = "WARN"
c.ServerApp.jpserver_extensions = {{"jupyter_studysession": True}}
c.ServerApp.allow_unauthenticated_access = False
c.ServerApp.identity_provider_class = "jupyter_studysession.tokens.UserTokensIdentityProvider"
c.IdentityProvider.token = {server_token!r}
c.UserTokensIdentityProvider.user_tokens = {tokens!r}
c.StudySessionApp.db_url = {db_url!r}
c.StudySessionApp.bus_url = ""
c.StudySessionApp.cleanup_interval_seconds = 0
c.StudySessionApp.session_create_limit = "1000/hour"
c.StudySessionApp.write_limit = "1000000/minute"
c.StudySessionApp.chat_limit = "1000000/minute"
"""


class Server:
    """A server subprocess pinned to one core; stopped (TERM, then KILL) by :meth:`stop`."""

    def __init__(
        self,
        kind: str,
        workdir: Path,
        core,
        users: dict[str, str],
        *,
        extra_config: str = "",
        launcher: list[str] | None = None,
        env: dict[str, str] | None = None,
    ):
        """``extra_config``: lines appended to the server's config file; ``launcher``: the
        command that runs ``jupyter_server`` (instead of ``python -m jupyter_server``), given
        the config argument; ``env``: variables set for the server."""
        self.kind = kind
        self.port = free_port()
        self.workdir = workdir
        self.log_path = workdir / f"{kind}.log"
        self.users = users  # username -> token
        self.db_path = workdir / "studysession.sqlite"
        env, env_overrides = dict(os.environ), env or {}
        if kind == "baseline":
            argv = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--serve-baseline",
                str(self.port),
            ]
        else:
            for name in ("config", "data", "runtime", "root"):
                (workdir / name).mkdir(exist_ok=True)
            config = workdir / "config" / "jupyter_server_config.py"
            config.write_text(
                OURS_CONFIG.format(
                    host=HOST,
                    port=self.port,
                    root=str(workdir / "root"),
                    server_token=secrets.token_hex(16),
                    tokens={token: name for name, token in users.items()},
                    db_url=f"sqlite+aiosqlite:///{self.db_path}",
                )
                + extra_config
            )
            env.update(
                JUPYTER_CONFIG_DIR=str(workdir / "config"),
                JUPYTER_DATA_DIR=str(workdir / "data"),
                JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
                JUPYTER_PLATFORM_DIRS="1",
            )
            env.pop("JUPYTER_STUDYSESSION_DB_URL", None)
            env.pop("JUPYTER_STUDYSESSION_BUS_URL", None)
            env.update(env_overrides)
            launch = launcher or [sys.executable, "-m", "jupyter_server"]
            argv = [*launch, f"--config={config}"]
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            argv,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
            preexec_fn=(lambda: server_preexec(core)),
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def wait_ready(self, timeout: float = 90) -> None:
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError

        client = AsyncHTTPClient()
        deadline = time.monotonic() + timeout
        url, headers = f"{self.base}/health", {}
        if self.kind == "ours":
            url = f"{self.base}/studysession/api/me"
            headers = {"Authorization": f"token {self.users['host']}"}
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited: see {self.tail()}")
            try:
                await client.fetch(url, headers=headers, request_timeout=5)
                return
            except (OSError, HTTPClientError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.kind} server not ready: {self.tail()}") from None
                await asyncio.sleep(0.2)

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-3000:]
        return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


class Spy:
    """py-spy recording the server during one phase (raw collapsed stacks, for flame graphs)."""

    def __init__(self, py_spy: str, pid: int, path: Path):
        self.proc = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                "250",
                "--nonblocking",
                "--threads",
                "-o",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @classmethod
    async def start(cls, args, profile: bool, server: Server, name: str) -> Spy | None:
        if not (profile and args.py_spy):
            return None
        spy = cls(args.py_spy, server.proc.pid, Path(args.profile) / f"{name}.txt")
        await asyncio.sleep(1)  # attached before the phase starts
        return spy

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        import psutil

        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.05):
            with contextlib.suppress(Exception):
                self.peak = max(self.peak, self.process.memory_info().rss)


def cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        with contextlib.suppress(Exception):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


# -- setup of ours over REST ------------------------------------------------------------------


async def api(server: Server, user: str, path: str, method: str = "GET", body=None) -> dict:
    from tornado.httpclient import AsyncHTTPClient

    response = await AsyncHTTPClient().fetch(
        f"{server.base}/studysession/api/{path}",
        method=method,
        body=json.dumps(body if body is not None else {}) if method != "GET" else None,
        headers={
            "Authorization": f"token {server.users[user]}",
            "Content-Type": "application/json",
        },
        request_timeout=120,
    )
    return json.loads(response.body) if response.body else {}


async def create_room(server: Server, participants: list[str]) -> str:
    """A session hosted by ``host`` with every participant invited and joined, started."""
    session = await api(
        server,
        "host",
        "sessions",
        "POST",
        {"title": "Fan-out benchmark", "type": "group", "max_participants": 500},
    )
    sid = session["id"]
    for i in range(0, len(participants), 100):
        await api(
            server,
            "host",
            f"sessions/{sid}/invites",
            "POST",
            {"usernames": participants[i : i + 100]},
        )
    # The REST API caps a room at 500 (CreateSession.max_participants); the scale target is
    # 1,000, so the benchmark raises the cap in its own temporary database.
    with sqlite3.connect(server.db_path, timeout=30) as db:
        db.execute(
            "UPDATE study_sessions SET max_participants = ? WHERE id = ?",
            (len(participants) + 1, sid),
        )
    queue = asyncio.Queue()
    for name in participants:
        queue.put_nowait(name)

    async def joiner():
        while not queue.empty():
            await api(server, queue.get_nowait(), f"sessions/{sid}/join", "POST", {})

    await asyncio.gather(*(joiner() for _ in range(16)))
    await api(server, "host", f"sessions/{sid}/start", "POST", {})
    return sid


# -- one run: a server and a room size --------------------------------------------------------


async def ask(pipe, command, timeout: float = 60):
    pipe.send(command)
    deadline = time.monotonic() + timeout
    while not pipe.poll():
        if time.monotonic() > deadline:
            raise TimeoutError(f"client did not answer {command!r}")
        await asyncio.sleep(0.005)
    return pipe.recv()


async def wait_deliveries(pipes, expected: int, quiet: float, limit: float) -> list[dict]:
    """Poll the clients until ``expected`` deliveries arrived, or none for ``quiet`` s, or
    ``limit`` s passed."""
    start = time.monotonic()
    seen, changed = -1, time.monotonic()
    while True:
        stats = [await ask(p, "stats") for p in pipes]
        total = sum(s["count"] for s in stats)
        now = time.monotonic()
        if total != seen:
            seen, changed = total, now
        if total >= expected or now - changed > quiet or now - start > limit:
            return stats
        await asyncio.sleep(0.1)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, math.ceil(q / 100 * len(values)) - 1))
    return values[k]


async def run_one(kind: str, n: int, args, workdir: Path, profile: bool) -> dict:
    users = {"host": secrets.token_hex(16)}
    participants = [f"u{i:04d}" for i in range(1, n + 1)]
    for name in participants:
        users[name] = secrets.token_hex(16)
    server = Server(kind, workdir, args.server_core, users)
    ctx = multiprocessing.get_context("spawn")
    procs, pipes = [], []
    sender = sampler = spy = None
    result: dict = {"server": kind, "n": n, "load_before": round(os.getloadavg()[0], 2)}
    try:
        await server.wait_ready()
        t, cpu0 = time.monotonic(), cpu_seconds([server.proc.pid])
        spy = await Spy.start(args, profile, server, f"{kind}-{n}-setup")
        if kind == "ours":
            sid = await create_room(server, participants)
            path, channel, send_path = "/studysession/api/ws", f"session:{sid}", None
        else:
            sid, path, channel, send_path = None, "/recv", None, "/send"
        result["setup_s"] = round(time.monotonic() - t, 1)
        result["setup_cpu_s"] = round(cpu_seconds([server.proc.pid]) - cpu0, 1)
        spy = spy and spy.stop()

        t, cpu0 = time.monotonic(), cpu_seconds([server.proc.pid])
        spy = await Spy.start(args, profile, server, f"{kind}-{n}-connect")
        tokens = [users[name] if kind == "ours" else None for name in participants]
        heartbeat = args.heartbeat if kind == "ours" else 0
        shares = [tokens[i :: args.client_procs] for i in range(args.client_procs)]
        for share in shares:
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=client_main,
                args=(child, server.port, path, share, channel, heartbeat, args.client_core),
                daemon=True,
            )
            proc.start()
            procs.append(proc)
            pipes.append(parent)
        for pipe in pipes:
            deadline = time.monotonic() + 300
            while not pipe.poll():
                if time.monotonic() > deadline:
                    raise TimeoutError("clients did not connect in time")
                await asyncio.sleep(0.05)
            state = pipe.recv()
            if state[0] != "ready":
                raise RuntimeError(f"client failed: {state[1]}")
        result["connect_s"] = round(time.monotonic() - t, 1)
        result["connect_cpu_s"] = round(cpu_seconds([server.proc.pid]) - cpu0, 1)
        spy = spy and spy.stop()

        url = f"ws://{HOST}:{server.port}" + (send_path or "/studysession/api/ws")
        sender = Sender(url, users["host"] if kind == "ours" else None, sid)
        await sender.connect(args.senders)
        await asyncio.sleep(1)

        import psutil

        result["rss_idle_mb"] = round(psutil.Process(server.proc.pid).memory_info().rss / 2**20, 1)
        cpu0 = cpu_seconds([server.proc.pid])
        await asyncio.sleep(2)  # N idle connections: pings, presence, timers
        result["idle_cpu_pct"] = round(100 * (cpu_seconds([server.proc.pid]) - cpu0) / 2, 1)
        sampler = RssSampler(server.proc.pid)
        sampler.start()
        client_pids = [p.pid for p in procs] + [os.getpid()]

        # latency at a fixed rate
        for pipe in pipes:
            await ask(pipe, "reset")
        sender.ack_ms = []
        spy = await Spy.start(args, profile, server, f"{kind}-{n}-rate")
        count = int(args.rate * args.duration)
        per_conn = max(1, math.ceil(args.rate / 15))  # stay under 20 ops/s per connection
        cpu0, client0, wall0 = (
            cpu_seconds([server.proc.pid]),
            cpu_seconds(client_pids),
            time.monotonic(),
        )
        start = time.monotonic() + 0.2
        sends = []
        for i in range(count):
            delay = start + i / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sends.append(asyncio.ensure_future(sender.send(i % min(per_conn, args.senders), i)))
        await asyncio.gather(*sends)
        stats = await wait_deliveries(pipes, count * n, quiet=3, limit=30)
        wall = time.monotonic() - wall0
        cpu, client_cpu = cpu_seconds([server.proc.pid]) - cpu0, cpu_seconds(client_pids) - client0
        spy = spy and spy.stop()
        latencies = array("d")
        for pipe in pipes:
            latencies.frombytes(await ask(pipe, "latencies"))
        values = list(latencies)
        result["rate"] = {
            "messages": count,
            "expected": count * n,
            "delivered": len(values),
            "p50_ms": round(percentile(values, 50), 2) if values else None,
            "p99_ms": round(percentile(values, 99), 2) if values else None,
            "max_ms": round(max(values), 2) if values else None,
            "ack_p50_ms": round(percentile(sender.ack_ms, 50), 2),
            "ack_p99_ms": round(percentile(sender.ack_ms, 99), 2),
            "server_cpu_pct": round(100 * cpu / wall, 1),
            "server_cpu_ms_per_msg": round(1000 * cpu / count, 2),
            "client_cpu_pct": round(100 * client_cpu / wall, 1),
            "closed": sum(s["closed"] for s in stats),
            "other_frames": sum(s["other"] for s in stats),  # heartbeat acks
        }

        # throughput: as fast as the server acks, a window of ops in flight
        for pipe in pipes:
            await ask(pipe, "reset")
        sender.ack_ms = []
        spy = await Spy.start(args, profile, server, f"{kind}-{n}-burst")
        next_index = 0
        first_send = time.time()
        cpu0, client0, wall0 = (
            cpu_seconds([server.proc.pid]),
            cpu_seconds(client_pids),
            time.monotonic(),
        )

        async def worker(conn_index: int) -> None:
            nonlocal next_index
            while next_index < args.burst:
                i = next_index
                next_index += 1
                await sender.send(conn_index, count + i)

        await asyncio.wait_for(
            asyncio.gather(*(worker(w % args.senders) for w in range(args.window))),
            args.burst_timeout,
        )
        acked = time.time()
        stats = await wait_deliveries(pipes, args.burst * n, quiet=5, limit=60)
        wall = time.monotonic() - wall0
        cpu, client_cpu = cpu_seconds([server.proc.pid]) - cpu0, cpu_seconds(client_pids) - client0
        spy = spy and spy.stop()
        delivered = sum(s["count"] for s in stats)
        last = max((s["last"] for s in stats if s["last"]), default=None)
        span = (last - first_send) if last else None
        result["burst"] = {
            "messages": args.burst,
            "expected": args.burst * n,
            "delivered": delivered,
            "seconds": round(span, 2) if span else None,
            "deliveries_per_s": round(delivered / span) if span else None,
            "messages_per_s": round(args.burst / (acked - first_send), 1),
            "ack_p50_ms": round(percentile(sender.ack_ms, 50), 2),
            "server_cpu_pct": round(100 * cpu / wall, 1),
            "server_cpu_ms_per_msg": round(1000 * cpu / args.burst, 2),
            "server_cpu_us_per_delivery": round(1e6 * cpu / delivered, 1) if delivered else None,
            "client_cpu_pct": round(100 * client_cpu / wall, 1),
            "client_cpu_us_per_delivery": (
                round(1e6 * client_cpu / delivered, 1) if delivered else None
            ),
            "closed": sum(s["closed"] for s in stats),
        }
        result["rss_peak_mb"] = round(max(sampler.peak, 0) / 2**20, 1)
        result["load_after"] = round(os.getloadavg()[0], 2)
        result["rate_limited_retries"] = sender.rate_limited
        result["op_errors"] = sender.errors[:5]
        return result
    except Exception as err:
        result["error"] = f"{type(err).__name__}: {err}"
        print(f"  {kind} N={n} failed: {result['error']}\n{server.tail()}", file=sys.stderr)
        return result
    finally:
        if spy is not None:
            spy.stop()
        if sampler is not None:
            sampler.halt.set()
        if sender is not None:
            sender.close()
        for pipe in pipes:
            with contextlib.suppress(Exception):
                pipe.send("stop")
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        server.stop()


def summarize(path: str, top: int = 30) -> str:
    """Self and inclusive shares of the functions in a py-spy raw profile (main thread and
    others together; ``--threads`` puts the thread's name first in each stack)."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames, samples = stack.split(";"), int(count)
        total += samples
        own[frames[-1]] = own.get(frames[-1], 0) + samples
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + samples
    lines = [f"{total} samples", "-- self"]
    for frame, samples in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * samples / total:5.1f}%  {frame}")
    lines.append("-- inclusive")
    for frame, samples in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"{100 * samples / total:5.1f}%  {frame}")
    return "\n".join(lines)


# -- side by side with a base version ---------------------------------------------------------


def extract(ref: str, into: Path) -> None:
    """The package of git ``ref`` (``git archive``), extracted into ``into``."""
    repo = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", ref, "jupyter_studysession"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def side_by_side(args, run_one, table, name: str) -> int:
    """``await run_one(label, pythonpath, args, workdir)`` for the package of ``args.base_ref``
    (if given: extracted, then first on the server's ``PYTHONPATH``; same venv), then for this
    checkout, one after the other in this process tree; each result printed as JSON, then
    ``table(results)``; everything written to ``args.out``. Exit status 1 if a run failed."""
    info = machine()
    print(f"machine: {info}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
        runs: list[tuple[str, str | None]] = []
        if args.base_ref:
            base = Path(tmp) / "base-src"
            base.mkdir()
            extract(args.base_ref, base)
            runs.append((f"base {args.base_ref}", str(base)))
        runs.append(("this checkout", None))
        for label, pythonpath in runs:
            workdir = Path(tmp) / label.replace(" ", "-")
            workdir.mkdir()
            print(f"-- {label}", flush=True)
            results.append(asyncio.run(run_one(label, pythonpath, args, workdir)))
            print(json.dumps(results[-1]), flush=True)
    print()
    print(table(results))
    if args.out:
        Path(args.out).write_text(
            json.dumps({"machine": info, "args": vars(args), "results": results}, indent=1)
        )
    return 0 if all("error" not in r for r in results) else 1


# -- report -----------------------------------------------------------------------------------


def machine() -> dict:
    from importlib.metadata import version

    import tornado

    model = ""
    with contextlib.suppress(Exception):
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    mem = ""
    with contextlib.suppress(Exception):
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory": mem,
        "python": platform.python_version(),
        "tornado": tornado.version,
        "jupyter_server": version("jupyter_server"),
        "sqlalchemy": version("sqlalchemy"),
        "sqlite": sqlite3.sqlite_version,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "git": git_state(),
    }


def git_state() -> str:
    """The commit measured, and whether the package had uncommitted changes."""
    repo = Path(__file__).resolve().parent.parent
    with contextlib.suppress(Exception):
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "jupyter_studysession"],
            capture_output=True,
            text=True,
        ).stdout
        return head + (" + uncommitted changes" if dirty.strip() else "")
    return ""


def fmt(value, spec="") -> str:
    return "-" if value is None else format(value, spec)


def table(results: list[dict]) -> str:
    head = (
        "|    N | server   | p50 ms | p99 ms | max ms | delivered | deliveries/s | msgs/s "
        "| CPU% rate | CPU% burst | RSS MB idle/peak | client CPU% burst |"
    )
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    for r in results:
        rate, burst = r.get("rate", {}), r.get("burst", {})
        lines.append(
            f"| {r['n']:>4} | {r['server']:<8} | {fmt(rate.get('p50_ms'), '>6.1f')} "
            f"| {fmt(rate.get('p99_ms'), '>6.1f')} | {fmt(rate.get('max_ms'), '>6.1f')} "
            f"| {fmt(rate.get('delivered')):>9} | {fmt(burst.get('deliveries_per_s'), ',')!s:>12} "
            f"| {fmt(burst.get('messages_per_s')):>6} | {fmt(rate.get('server_cpu_pct')):>9} "
            f"| {fmt(burst.get('server_cpu_pct')):>10} "
            f"| {fmt(r.get('rss_idle_mb')):>7} / {fmt(r.get('rss_peak_mb')):<6} "
            f"| {fmt(burst.get('client_cpu_pct')):>17} |"
            + (f" {r['error']}" if "error" in r else "")
        )
    return "\n".join(lines)


async def run_all(args, sizes: list[int], kinds: list[str]) -> list[dict]:
    pin(args.client_core)
    main_task = asyncio.current_task()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    results = []
    root = Path(tempfile.mkdtemp(prefix="chat-fanout-"))
    try:
        for n in sizes:
            for kind in kinds:
                workdir = root / f"{kind}-{n}"
                workdir.mkdir()
                print(f"-- {kind}, N={n}", flush=True)
                profile = bool(args.profile) and kind == "ours" and n == max(sizes)
                result = await run_one(kind, n, args, workdir, profile)
                print(f"   {json.dumps(result)}", flush=True)
                results.append(result)
    finally:
        if args.keep_tmp:
            print(f"work files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return results


def main(args) -> int:
    sizes = [int(s) for s in args.sizes.split(",") if s]
    kinds = [k for k in args.servers.split(",") if k]
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        args.py_spy = args.py_spy or shutil.which("py-spy")
        if not args.py_spy:
            print("py-spy not found: no profile (pip install py-spy)", file=sys.stderr)
    info = machine()
    print(f"machine: {info}")
    try:
        results = asyncio.run(run_all(args, sizes, kinds))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted: servers and clients stopped", file=sys.stderr)
        return 130
    print()
    print(table(results))
    if args.out:
        Path(args.out).write_text(
            json.dumps({"machine": info, "args": vars(args), "results": results}, indent=2)
        )
        print(f"\nwrote {args.out}")
    return 0 if all("error" not in r for r in results) else 1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,500,1000", help="room sizes N, comma-separated")
    parser.add_argument("--servers", default="baseline,ours", help="baseline,ours")
    parser.add_argument("--rate", type=float, default=10, help="messages/s in the latency run")
    parser.add_argument("--duration", type=float, default=10, help="seconds of the latency run")
    parser.add_argument("--burst", type=int, default=2000, help="messages in the throughput run")
    parser.add_argument("--burst-timeout", type=float, default=180)
    parser.add_argument(
        "--senders",
        type=int,
        default=16,
        help="host websockets that send (the server allows 20 ops/s each)",
    )
    parser.add_argument("--window", type=int, default=64, help="ops in flight in the burst")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=15,
        help="seconds between a client's presence heartbeats to ours, as a browser tab (0: none)",
    )
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument(
        "--profile",
        default=None,
        help="directory: py-spy profiles of ours at the largest N, one per phase",
    )
    parser.add_argument("--py-spy", default=None, help="path of the py-spy executable")
    parser.add_argument("--keep-tmp", action="store_true")
    parser.add_argument(
        "--summarize",
        default=None,
        metavar="PROFILE",
        help="print the top functions of a py-spy raw profile and exit",
    )
    parser.add_argument("--serve-baseline", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if len(cores) < 2 or args.server_core not in cores or args.client_core not in cores:
        print(
            f"cannot pin to cores {args.server_core}/{args.client_core} (have {cores}): "
            "not pinning",
            file=sys.stderr,
        )
        args.server_core = args.client_core = None
    return args


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.summarize:
        print(summarize(arguments.summarize))
        sys.exit(0)
    if arguments.serve_baseline is not None:
        serve_baseline(arguments.serve_baseline)
        sys.exit(0)

    sys.exit(main(arguments))
