"""Recording a call: host only, everyone told, WebM files that PyAV decodes and that last the
recorded time, downloads for the host and staff, limits that stop the recording and not the
call, files that survive a killed worker, retention."""

from __future__ import annotations

import asyncio
import io
import os
import signal

import av
import pytest

from jupyter_studysession.pytest_plugin import token_for


def decoded_seconds(data: bytes, kind: str) -> float:
    """How long the decodable frames of a WebM file's first ``kind`` stream last."""
    with av.open(io.BytesIO(data)) as container:
        times = [f.time for f in container.decode(**{kind: 0})]
    assert times, f"no {kind} frame decodes"
    return times[-1] - times[0]


@pytest.fixture
def download(jp_fetch):
    """``response = await download(user, room, recording_id, name)``: the raw HTTP response."""

    async def fetch(user, room, recording_id, name):
        return await jp_fetch(
            "studysession",
            "api",
            "sessions",
            room,
            "recordings",
            recording_id,
            "files",
            name,
            headers={"Authorization": f"token {token_for(user)}"},
            raise_error=False,
        )

    return fetch


async def test_a_recording_decodes_and_lasts_the_recorded_time(
    media_room, ss_fetch, ss_clock, download, until
):
    room, tabs = await media_room("alice", "bob", "carol")
    denied = await tabs["bob"].op("rtc.record_start", session_id=room)  # a co-host
    assert denied["error"]["code"] == "not_host"
    started = await tabs["alice"].op("rtc.record_start", session_id=room)
    assert started["ok"], started
    for tab in tabs.values():
        assert await until(lambda t=tab: t.got("recording.started"))
    call = await ss_fetch("carol", f"sessions/{room}/call")
    assert call.body["recording"]["id"] == started["data"]["id"]
    await asyncio.sleep(4)
    ss_clock.advance(seconds=4)
    stopped = await tabs["alice"].op("rtc.record_stop", session_id=room)
    assert stopped["ok"], stopped
    recording = stopped["data"]
    assert recording["stop_reason"] == "host" and recording["duration_seconds"] == 4
    names = {f["name"] for f in recording["files"]}
    assert {"bob-camera.webm", "bob-audio.webm", "carol-camera.webm"} <= names
    assert await until(lambda: tabs["carol"].got("recording.stopped", reason="host"))

    video = await download("alice", room, recording["id"], "bob-camera.webm")
    assert video.code == 200 and video.headers["Content-Type"] == "video/webm"
    assert 3 <= decoded_seconds(video.body, "video") <= 5
    audio = await download("prof", room, recording["id"], "bob-audio.webm")  # course staff
    assert audio.code == 200
    assert 3 <= decoded_seconds(audio.body, "audio") <= 5
    for user, status in {"bob": 403, "carol": 403, "erin": 404}.items():
        assert (await download(user, room, recording["id"], "bob-audio.webm")).code == status
    listed = await ss_fetch("carol", f"sessions/{room}/recordings")
    assert [r["id"] for r in listed.body["items"]] == [recording["id"]]


async def test_a_full_storage_stops_the_recording_with_a_message_not_the_call(
    media_room, ss_app, ss_fetch, until
):
    room, tabs = await media_room("alice", "bob")
    ss_app.services.media.recordings.quota_mb = 0.02  # about 20 KB
    assert (await tabs["alice"].op("rtc.record_start", session_id=room))["ok"]
    stopped = await until(lambda: tabs["bob"].got("recording.stopped"))
    assert stopped[0]["reason"] == "size_limit"
    assert "storage limit" in stopped[0]["message"]
    frames = len(tabs["bob"].peer.reception("alice", "camera").frames)
    await until(lambda: len(tabs["bob"].peer.reception("alice", "camera").frames) > frames + 10)
    session = await ss_fetch("bob", f"sessions/{room}")
    assert session.body["status"] == "active"
    refused = await tabs["alice"].op("rtc.record_start", session_id=room)
    assert refused["error"]["code"] == "recording_storage_full"


async def test_recorded_files_stay_readable_when_the_media_worker_is_killed(
    media_room, ss_app, download, until
):
    room, tabs = await media_room("alice", "bob")
    started = await tabs["alice"].op("rtc.record_start", session_id=room)
    await asyncio.sleep(3)
    os.kill(ss_app.services.media.backend.workers[room].pid, signal.SIGKILL)
    stopped = await until(lambda: tabs["alice"].got("recording.stopped"))
    assert stopped[0]["reason"] == "media_failed"
    names = {f["name"] for f in stopped[0]["recording"]["files"]}
    assert "bob-camera.webm" in names
    video = await download("alice", room, started["data"]["id"], "bob-camera.webm")
    assert decoded_seconds(video.body, "video") >= 1  # the last second may be lost


async def test_ending_the_session_stops_its_recording_and_its_call(media_room, ss_fetch, until):
    room, tabs = await media_room("alice", "bob")
    assert (await tabs["alice"].op("rtc.record_start", session_id=room))["ok"]
    assert (await ss_fetch("alice", f"sessions/{room}/end", method="POST")).status == 200
    for tab in tabs.values():
        assert (await until(lambda t=tab: t.got("rtc.ended")))[0]["reason"] == "session_ended"
    assert await until(lambda: tabs["bob"].got("recording.stopped", reason="session_ended"))
    listed = await ss_fetch("alice", f"sessions/{room}/recordings")
    assert listed.body["items"][0]["stop_reason"] == "session_ended"


async def test_recordings_past_retention_lose_their_files_but_stay_listed(
    media_room, ss_app, ss_clock, download, ss_fetch
):
    room, tabs = await media_room("alice", "bob")
    started = await tabs["alice"].op("rtc.record_start", session_id=room)
    await asyncio.sleep(1.5)
    await tabs["alice"].op("rtc.record_stop", session_id=room)
    ss_clock.advance(days=29)
    assert await ss_app.services.media.archive.prune_recordings() == 0
    ss_clock.advance(days=2)
    assert await ss_app.services.media.archive.prune_recordings() == 1
    gone = await download("alice", room, started["data"]["id"], "bob-camera.webm")
    assert gone.code == 404
    listed = await ss_fetch("alice", f"sessions/{room}/recordings")
    assert listed.body["items"][0]["deleted_at"] is not None


async def test_a_session_set_to_auto_record_records_its_call_from_the_first_member(
    make_video_room, call_tab, until
):
    room = await make_video_room(auto_record=True)
    tab = await call_tab("carol", room)
    assert (await tab.join(room))["ok"]
    started = await until(lambda: tab.got("recording.started"))
    assert started[0]["by"] == "alice" and started[0]["recording"]["started_by"] == "alice"
