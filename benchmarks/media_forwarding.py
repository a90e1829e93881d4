"""The media server's cost, side by side with aiortc's naive relay, in one run.

    python benchmarks/media_forwarding.py [--sizes 2,4,8,15] [--fps 15,30] [--listeners 50]
        [--duration 10] [--warmup 3] [--relay-max-streams 12] [--out results.json]

Each scenario runs against two media workers, one after the other, in the same run:

- ``forwarding``: the package's worker (``jupyter_studysession.services.media.worker``), which
  forwards each publisher's encoded frames to its subscribers;
- ``relay``: the same worker with ``benchmarks/relay_baseline.py``'s room, which lets aiortc
  decode each track and ``MediaRelay`` feed every subscriber's sender, which encodes again.

Participants are real aiortc peers in load-generator processes (``benchmarks/media_load.py``)
that publish pre-encoded 640x360 VP8 + Opus at the frame rate and take encoded frames out of
their receivers (no decoding), so the load generators cost little per stream. The worker is
pinned to core 0 and the generators to core 1 with ``--pin`` (on a shared machine, leave them
free: the default). Worker CPU is
psutil's user + system time over ``--duration`` s after ``--warmup`` s (100 % = one core).

Scenarios: a room of N with every camera and microphone on (N x (N - 1) forwarded audio+video
streams) for each size and frame rate; one publisher fanned out to 1 and to 8 subscribers; 2
speakers and ``--listeners`` listeners; a room of 8 audio-only; a room of 4 recording. Relay
runs are skipped above ``--relay-max-streams`` video streams: it saturates a core long before.
Latency (p50/p95/p99) is arrival time at the subscriber minus the frame's due time at the
publisher (one clock); join-to-first-frame is from the join request to the first video frame
of each publisher already in the room.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import json
import math
import os
import pickle
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy
import psutil

from jupyter_studysession.services.media.client import MediaWorkerClient
from jupyter_studysession.services.media.synthetic import draw_stamp

HERE = Path(__file__).resolve().parent
LOOP_FRAMES = 90
WIDTH, HEIGHT, BITRATE = 640, 360, 800_000


def encode_media(path: Path) -> None:
    """90 stamped 640x360 frames as VP8 (each as a delta frame and as a key frame) and one
    second of a tone as Opus packets, pickled for the load generators."""
    time_base = fractions.Fraction(1, 90000)

    def encoder(keyframes_only: bool):
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height, codec.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        codec.bit_rate, codec.time_base = BITRATE, time_base
        codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
        codec.gop_size = 1 if keyframes_only else 10**6
        return codec

    delta, key = encoder(False), encoder(True)
    video = []
    for i in range(LOOP_FRAMES):
        frame = draw_stamp(WIDTH, HEIGHT, i, 0)
        frame.pts, frame.time_base = i * 3000, time_base
        pair = [bytes(p) for codec in (delta, key) for p in codec.encode(frame)]
        video.append((pair[0], pair[-1]))
    opus = av.CodecContext.create("libopus", "w")
    opus.sample_rate, opus.layout, opus.format = 48000, "stereo", "s16"
    audio = []
    for i in range(50):
        t = (numpy.arange(960) + i * 960) / 48000
        wave = (10000 * numpy.sin(2 * math.pi * 440 * t)).astype(numpy.int16)
        frame = av.AudioFrame.from_ndarray(
            numpy.repeat(wave, 2).reshape(1, -1), format="s16", layout="stereo"
        )
        frame.sample_rate, frame.pts = 48000, i * 960
        audio.extend(bytes(p) for p in opus.encode(frame))
    path.write_bytes(pickle.dumps({"video": video, "audio": audio}))


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def busy(times) -> float:
    return times.user + times.system


def pin(pid: int | None, core: int | None) -> None:
    if pid is not None and core is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, {core % (os.cpu_count() or 1)})


class Run:
    """One scenario against one worker: start, join everyone, measure, stop."""

    def __init__(self, args, media: Path, server: str, scenario: dict, tmp: Path):
        self.args, self.media, self.server, self.scenario, self.tmp = (
            args,
            media,
            server,
            scenario,
            tmp,
        )
        self.join_at: dict[str, float] = {}
        self.owner: dict[str, MediaWorkerClient] = {}
        self._tasks: set[asyncio.Task] = set()

    def _on_event(self, event: dict) -> None:
        if event.get("event") == "offer":
            task = asyncio.ensure_future(self._renegotiate(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _renegotiate(self, event: dict) -> None:
        name = event.pop("username")
        answer = await self.owner[name].request("accept", name=name, offer=event)
        await self.worker.request("answer", username=name, sdp=answer["sdp"])

    async def _join(self, name: str, publish: bool, state: dict) -> None:
        generator = self.owner[name]
        await generator.request("add_peer", name=name, publish=publish)
        self.join_at[name] = time.time()
        offer = await self.worker.request("join", username=name, state=state)
        answer = await generator.request("accept", name=name, offer=offer)
        await self.worker.request("answer", username=name, sdp=answer["sdp"])

    async def __call__(self) -> dict:
        s, args = self.scenario, self.args
        config = {"ice_addresses": ["127.0.0.1"], "max_peers": 64, "log_level": "ERROR"}
        if self.server == "relay":
            config["room_class"] = "relay_baseline:RelayRoom"
        env_path = os.environ.get("PYTHONPATH", "")
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env_path]))
        self.worker = MediaWorkerClient(
            self.server, config, on_event=self._on_event, on_exit=lambda code: None
        )
        await self.worker.start()
        pin(self.worker.pid, args.worker_core)
        epoch = time.time()
        generators = [
            MediaWorkerClient(
                f"load{i}",
                {
                    "media": str(self.media),
                    "fps": s["fps"],
                    "epoch": epoch,
                    "ice_addresses": ["127.0.0.1"],
                    "log_level": "ERROR",
                },
                on_event=lambda event: None,
                on_exit=lambda code: None,
                command=[sys.executable, str(HERE / "media_load.py")],
            )
            for i in range(args.generators)
        ]
        try:
            for generator in generators:
                await generator.start()
                pin(generator.pid, args.generator_core)
            people = [(f"p{i}", True) for i in range(s["publishers"])] + [
                (f"l{i}", False) for i in range(s["listeners"])
            ]
            for i, (name, _) in enumerate(people):
                self.owner[name] = generators[i % len(generators)]
            state = {"audio": True, "video": not s.get("audio_only", False)}
            for name, publish in people:
                flags = state if publish else {"audio": False, "video": False}
                await self._join(name, publish, flags)
            if s.get("record"):
                await self.worker.request(
                    "record_start",
                    recording_id="bench",
                    directory=str(self.tmp / f"rec-{self.server}-{s['name']}"),
                    max_bytes=10**12,
                    min_free_bytes=0,
                )
            await asyncio.sleep(args.warmup)
            process = psutil.Process(self.worker.pid)
            loads = [psutil.Process(g.pid) for g in generators]
            cpu0, t0 = process.cpu_times(), time.time()
            gen0 = sum(busy(p.cpu_times()) for p in loads)
            await asyncio.sleep(args.duration)
            cpu1, t1 = process.cpu_times(), time.time()
            gen1 = sum(busy(p.cpu_times()) for p in loads)
            stats = await self.worker.request("stats")
            reports = {}
            for generator in generators:
                reports.update(await generator.request("report", since=t0, until=t1))
            rss = process.memory_info().rss
        finally:
            for generator in generators:
                await generator.stop()
            await self.worker.stop()
        cpu = 100 * (busy(cpu1) - busy(cpu0)) / (t1 - t0)
        result = self._summarise(cpu, t1 - t0, reports, rss)
        result["generators_cpu_percent"] = round(100 * (gen1 - gen0) / (t1 - t0), 1)
        result["worker_frames_received"] = sum(sum(p["received"].values()) for p in stats.values())
        result["worker_frames_dropped"] = sum(p["dropped"] for p in stats.values())
        result["connections"] = sorted({p["connection"] for p in stats.values()})
        return result

    def _summarise(self, cpu: float, seconds: float, reports: dict, rss: int) -> dict:
        s = self.scenario
        video_fps, audio_streams, latencies, first = [], 0, [], []
        for name, report in reports.items():
            for source, arrivals in report["received"].items():
                if source.endswith("/camera"):
                    video_fps.append(len(arrivals) / seconds)
                    latencies += [lat for lat in arrivals if lat is not None]
                elif arrivals:
                    audio_streams += 1
            for source, at in report["first"].items():
                publisher = source.split("/")[0]
                if source.endswith("/camera") and self.join_at[publisher] < self.join_at[name]:
                    first.append(at - self.join_at[name])
        video_streams = sum(1 for f in video_fps if f > 0)
        expected_video = (
            0 if s.get("audio_only") else s["publishers"] * (s["publishers"] - 1 + s["listeners"])
        )
        streams = video_streams if not s.get("audio_only") else audio_streams
        return {
            "server": self.server,
            "scenario": s["name"],
            "fps": s["fps"],
            "publishers": s["publishers"],
            "listeners": s["listeners"],
            "streams": streams,
            "expected_video_streams": expected_video,
            "cpu_percent": round(cpu, 1),
            "cpu_per_stream": round(cpu / streams, 2) if streams else None,
            "cpu_per_sender": round(cpu / s["publishers"], 2),
            # when the machine could not keep up (fewer frames delivered than sent), the cost
            # of a stream at the nominal frame rate, assuming cost grows with frames
            "cpu_per_stream_at_nominal_fps": round(
                cpu / streams * s["fps"] / statistics.mean(video_fps), 2
            )
            if streams and video_fps and statistics.mean(video_fps) > 0
            else None,
            "delivered_fps_mean": round(statistics.mean(video_fps), 1) if video_fps else None,
            "delivered_fps_min": round(min(video_fps), 1) if video_fps else None,
            "latency_ms": {
                q: round(1000 * v, 1) if (v := percentile(latencies, q)) is not None else None
                for q in (50, 95, 99)
            },
            "first_frame_ms": {
                q: round(1000 * v) if (v := percentile(first, q)) is not None else None
                for q in (50, 95)
            },
            "publisher_max_late_ms": round(
                1000 * max((r["late"] for r in reports.values()), default=0), 1
            ),
            "worker_rss_mb": round(rss / 2**20),
        }


def scenarios(args) -> list[dict]:
    found = []
    for fps in args.fps:
        for n in args.sizes:
            found.append({"name": f"room of {n}", "fps": fps, "publishers": n, "listeners": 0})
    for k in (1, 8):
        found.append({"name": f"1 to {k}", "fps": 30, "publishers": 1, "listeners": k})
    found.append(
        {
            "name": f"2 speakers, {args.listeners} listeners",
            "fps": 15,
            "publishers": 2,
            "listeners": args.listeners,
        }
    )
    found.append(
        {
            "name": "room of 8, audio only",
            "fps": 15,
            "publishers": 8,
            "listeners": 0,
            "audio_only": True,
        }
    )
    found.append(
        {"name": "room of 4, recording", "fps": 30, "publishers": 4, "listeners": 0, "record": True}
    )
    return found


def video_streams(s: dict) -> int:
    return 0 if s.get("audio_only") else s["publishers"] * (s["publishers"] - 1 + s["listeners"])


async def main(args) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        media = tmp / "media.pickle"
        encode_media(media)
        for scenario in scenarios(args):
            for server in args.servers:
                if server == "relay" and video_streams(scenario) > args.relay_max_streams:
                    continue
                if server == "relay" and (scenario.get("record") or scenario.get("audio_only")):
                    continue
                try:
                    result = await Run(args, media, server, scenario, tmp)()
                except Exception as err:  # the machine could not hold the scenario: say so
                    result = {"server": server, "scenario": scenario["name"], "error": repr(err)}
                print(json.dumps(result), flush=True)
                results.append(result)
    return results


def table(results: list[dict]) -> str:
    lines = [
        "| scenario | fps | server | streams | worker CPU % | % per stream (at nominal fps) | "
        "delivered fps (mean/min) | latency p50/p95/p99 ms | first frame p50/p95 ms | "
        "generators CPU % |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['scenario']} | | {r['server']} | failed: {r['error']} |")
            continue
        lat, first = r["latency_ms"], r["first_frame_ms"]
        lines.append(
            f"| {r['scenario']} | {r['fps']} | {r['server']} | {r['streams']}"
            f"/{r['expected_video_streams']} | {r['cpu_percent']} | {r['cpu_per_stream']} "
            f"({r['cpu_per_stream_at_nominal_fps']}) | "
            f"{r['delivered_fps_mean']}/{r['delivered_fps_min']} | "
            f"{lat[50]}/{lat[95]}/{lat[99]} | {first[50]}/{first[95]} | "
            f"{r['generators_cpu_percent']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ints = lambda text: [int(x) for x in text.split(",")]  # noqa: E731
    parser.add_argument("--sizes", type=ints, default=[2, 4, 8, 15])
    parser.add_argument("--fps", type=ints, default=[15, 30])
    parser.add_argument("--listeners", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--servers", type=lambda t: t.split(","), default=["forwarding", "relay"])
    parser.add_argument("--relay-max-streams", type=int, default=12)
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--worker-core", type=int, default=0)
    parser.add_argument("--generator-core", type=int, default=1)
    parser.add_argument("--pin", action="store_true", help="pin the worker and generators")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not args.pin:
        args.worker_core = args.generator_core = None
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    load_before = os.getloadavg()
    results = asyncio.run(main(args))
    print(table(results))
    print(f"uptime load before: {load_before}, after: {os.getloadavg()}")
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "started": started,
                    "machine": f"{platform.processor() or platform.machine()}, "
                    f"{os.cpu_count()} cores, {platform.python_version()}",
                    "load_before": load_before,
                    "load_after": os.getloadavg(),
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "results": results,
                },
                indent=1,
            )
        )
