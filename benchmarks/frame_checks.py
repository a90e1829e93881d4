"""What the input checks cost per websocket frame: a ``chat.send`` frame parsed as before
(``json.loads`` and lax ``model_validate``) and as now (size first, nesting and NUL checks,
strict validation of the re-serialised payload), side by side in one process.

    python benchmarks/frame_checks.py [--number 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import timeit

from jupyter_studysession.jsoninput import read_json, validate
from jupyter_studysession.models import SendMessageOp

FRAME = json.dumps(
    {"id": 17, "op": "chat.send", "session_id": "a" * 32, "text": "hello world " * 20}
)


def payload(envelope: dict) -> dict:
    return {k: v for k, v in envelope.items() if k not in ("id", "op")}


def lax() -> SendMessageOp:
    return SendMessageOp.model_validate(payload(json.loads(FRAME)))


def checked() -> SendMessageOp:
    envelope = read_json(FRAME, max_bytes=64 * 1024, reason="bad_json", what="The message")
    return validate(SendMessageOp, json.dumps(payload(envelope)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for _ in range(args.rounds):  # interleaved, so load from others affects both
        for name, parse in (("lax (before)", lax), ("checked (now)", checked)):
            best = min(timeit.repeat(parse, number=args.number, repeat=3)) / args.number
            print(f"{name:14} {best * 1e6:6.1f} µs per frame")


if __name__ == "__main__":
    main()
