"""What forwarding through a student's own server costs, side by side with going straight to
the study service, on one real course hub.

    python benchmarks/hub_forwarding.py [--requests 300] [--pings 300] [--out results.json]

Starts the course hub of ``jupyter-config/jupyterhub_config.py`` (JupyterHub, configurable-http
proxy, the study service on SQLite, alice's server) as the hub tests do, then, alternating the
two paths request by request so that load from elsewhere hits both alike:

- REST: ``GET studysession/api/me`` as alice, ``direct`` (``/services/study/...`` with her
  token) and ``forwarded`` (``/user/alice/studysession/api/me``: her server forwards it with its
  own hub token); both go through the proxy.
- websocket: one connection per path, ``heartbeat`` ops answered by the service, round trip per
  op.

Prints and writes p50/p95/p99 in milliseconds per path.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hub.conftest import _start, _stop  # noqa: E402  (the hub tests' starter)


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    cut = statistics.quantiles(ms, n=100)
    return {"p50": round(cut[49], 2), "p95": round(cut[94], 2), "p99": round(cut[98], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pings", type=int, default=300)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    import requests
    import websocket

    with tempfile.TemporaryDirectory() as tmp:
        hub = _start(Path(tmp), f"sqlite+aiosqlite:///{tmp}/study.sqlite")
        try:
            hub.start_server("alice")
            token = hub.token_for("alice")
            headers = {"Authorization": f"token {token}"}
            urls = {
                "direct": hub.url + "services/study/studysession/api/",
                "forwarded": hub.url + "user/alice/studysession/api/",
            }
            rest: dict[str, list[float]] = {name: [] for name in urls}
            with requests.Session() as http:
                for url in urls.values():  # warm up: connections, caches
                    for _ in range(10):
                        http.get(url + "me", headers=headers).raise_for_status()
                for _ in range(args.requests):
                    for name, url in urls.items():
                        start = time.perf_counter()
                        http.get(url + "me", headers=headers).raise_for_status()
                        rest[name].append(time.perf_counter() - start)

            sockets = {
                name: websocket.create_connection(
                    url.replace("http", "ws", 1) + "ws",
                    header=[f"Authorization: token {token}"],
                    timeout=20,
                )
                for name, url in urls.items()
            }
            ws: dict[str, list[float]] = {name: [] for name in urls}
            try:
                for i in range(args.pings):
                    for name, sock in sockets.items():
                        start = time.perf_counter()
                        sock.send(json.dumps({"id": i, "op": "heartbeat"}))
                        while json.loads(sock.recv()).get("re") != i:
                            pass
                        ws[name].append(time.perf_counter() - start)
                    time.sleep(0.05)  # the service allows 20 ops/s per connection
            finally:
                for sock in sockets.values():
                    sock.close()
        finally:
            _stop(hub.process)

    results = {
        "rest_me_ms": {name: percentiles(samples) for name, samples in rest.items()},
        "ws_heartbeat_ms": {name: percentiles(samples) for name, samples in ws.items()},
        "requests": args.requests,
        "pings": args.pings,
    }
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
