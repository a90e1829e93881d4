"""A call in a session room, end to end: real server, real websocket signalling, a real media
worker process, and real aiortc participants sending numbered frames and a tone."""

from __future__ import annotations

import asyncio
import os
import signal
import time

AUDIBLE = 0.05  # the tone's RMS is about 0.21


def advancing(tab, other: str, source: str = "camera") -> bool:
    frames = tab.peer.reception(other, source).frames
    return len(frames) > 10 and frames[-1] > frames[0] + 5 and frames == sorted(frames)


async def still(tab, other: str, source: str, seconds: float = 1.0) -> bool:
    """Nothing more of ``other``'s ``source`` reaches ``tab`` for ``seconds``."""
    got = tab.peer.reception(other, source)
    await asyncio.sleep(0.5)  # what was already on the way
    before = (len(got.frames), len(got.energies))
    await asyncio.sleep(seconds)
    return (len(got.frames), len(got.energies)) == before


async def test_three_participants_each_receive_the_other_two_video_and_audio(
    media_room, ss_fetch, until
):
    room, tabs = await media_room("alice", "bob", "carol")
    for user, tab in tabs.items():
        for other in tabs:
            if other == user:
                continue
            await until(lambda t=tab, o=other: advancing(t, o))
            since = time.monotonic()
            await until(
                lambda t=tab, o=other, s=since: (
                    len(t.peer.reception(o, "audio").energy_since(s)) > 10
                )
            )
            assert min(tab.peer.reception(other, "audio").energy_since(since)[3:]) > AUDIBLE
    call = await ss_fetch("bob", f"sessions/{room}/call")
    assert call.status == 200
    assert {m["username"] for m in call.body["members"]} == {"alice", "bob", "carol"}
    assert all(m["audio"] and m["video"] and not m["screen"] for m in call.body["members"])
    assert {e["member"]["username"] for e in tabs["alice"].got("rtc.member")} >= {"bob", "carol"}


async def test_only_joined_participants_of_an_active_session_with_video_can_be_in_its_call(
    make_room, make_video_room, call_tab, ss_create_session, until
):
    room = await make_video_room()
    # invited, outsider, staff who did not join
    cases = {"dave": "not_participant", "erin": "session_not_found", "prof": "not_joined"}
    for user, code in cases.items():
        tab = await call_tab(user, room, subscribe=False)
        ack = await tab.join(room)
        assert not ack["ok"] and ack["error"]["code"] == code, (user, ack)
    not_in_call = await call_tab("alice", room)
    ack = await not_in_call.op("rtc.answer", session_id=room, sdp="v=0")
    assert ack["error"]["code"] == "not_in_call"
    scheduled = await ss_create_session("alice", joined=["bob"], settings={"tools": ["video"]})
    tab = await call_tab("bob", scheduled)
    ack = await tab.join(scheduled)
    assert ack["error"]["code"] == "session_not_active"
    without_video = await make_room()  # the default tools: chat, timer, notes
    tab = await call_tab("bob", without_video)
    assert (await tab.join(without_video))["error"]["code"] == "video_off"


async def test_a_participant_removed_mid_call_is_cut_off_at_once(media_room, ss_fetch, until):
    room, tabs = await media_room("alice", "bob", "carol")
    reply = await ss_fetch(
        "alice", f"sessions/{room}/participants/carol", method="PATCH", body={"state": "removed"}
    )
    assert reply.status == 200, reply.body
    ended = await until(lambda: tabs["carol"].got("rtc.ended"))
    assert ended[0]["reason"] == "removed"
    assert await until(lambda: tabs["bob"].got("rtc.left", username="carol"))
    assert await still(tabs["carol"], "bob", "camera")
    assert await still(tabs["carol"], "alice", "audio")
    assert await still(tabs["bob"], "carol", "camera")
    again = await tabs["carol"].op("rtc.join", session_id=room)
    assert again["error"]["code"] == "session_not_found"  # a private session, no longer theirs


async def test_mute_stops_audio_energy_at_the_receivers_until_unmuted(media_room, until):
    room, tabs = await media_room("alice", "bob")
    heard = tabs["alice"].peer.reception("bob", "audio")
    ack = await tabs["bob"].op("rtc.state", session_id=room, audio=False)
    assert ack["ok"] and ack["data"]["audio"] is False
    await asyncio.sleep(0.5)
    since = time.monotonic()
    await asyncio.sleep(1.0)
    assert max(heard.energy_since(since), default=0.0) < 0.001  # bob's tone still goes out
    await tabs["bob"].op("rtc.state", session_id=room, audio=True)
    since = time.monotonic()
    await until(lambda: len([e for e in heard.energy_since(since) if e > AUDIBLE]) > 5)
    assert await until(lambda: tabs["alice"].got("rtc.member"))


async def test_the_host_can_mute_someone_and_stop_their_screen_share(media_room, call_tab, until):
    room, tabs = await media_room("alice", "bob", "carol")
    carol = tabs["carol"]
    denied = await carol.op("rtc.mute", session_id=room, username="bob")
    assert denied["error"]["code"] == "not_host"
    assert (await tabs["alice"].op("rtc.mute", session_id=room, username="bob"))["ok"]
    assert await until(lambda: tabs["bob"].got("rtc.mute_requested", by="alice"))
    await asyncio.sleep(0.5)
    since = time.monotonic()
    await asyncio.sleep(1.0)
    assert max(carol.peer.reception("bob", "audio").energy_since(since), default=0) < 0.001
    # a share: carol's camera track stands in for a screen (the server cannot tell)
    await tabs["bob"].op("rtc.state", session_id=room, screen=True)
    members = await until(
        lambda: [m for e in carol.got("rtc.member") if (m := e["member"])["screen"]]
    )
    assert members[-1]["username"] == "bob"
    stopped = await tabs["alice"].op("rtc.stop_share", session_id=room, username="bob")
    assert stopped["ok"], stopped
    assert await until(lambda: tabs["bob"].got("rtc.share_stopped", by="alice"))
    nothing = await tabs["alice"].op("rtc.stop_share", session_id=room, username="bob")
    assert nothing["error"]["code"] == "not_sharing"


async def test_leaving_the_call_stops_forwarding_and_tells_the_room(media_room, ss_app, until):
    room, tabs = await media_room("alice", "bob", "carol")
    assert (await tabs["bob"].op("rtc.leave", session_id=room))["ok"]
    assert await until(lambda: tabs["alice"].got("rtc.left", username="bob"))
    assert await still(tabs["alice"], "bob", "camera")
    assert await still(tabs["bob"], "carol", "camera")
    stats = await ss_app.services.media.backend.stats(room)
    assert "bob" not in stats
    assert all(not k.startswith("bob/") for peer in stats.values() for k in peer["forwarded"])
    assert advancing(tabs["alice"], "carol")


async def test_a_failing_media_process_ends_that_rooms_call_with_a_message_not_the_server(
    media_room, ss_app, ss_fetch, call_tab, until
):
    room, tabs = await media_room("alice", "bob")
    worker = ss_app.services.media.backend.workers[room]
    os.kill(worker.pid, signal.SIGKILL)
    for tab in tabs.values():
        ended = await until(lambda t=tab: t.got("rtc.ended"))
        assert ended[0]["reason"] == "media_failed"
        assert "media server failed" in ended[0]["message"]
    reply = await ss_fetch(
        "bob", f"sessions/{room}/messages", method="POST", body={"text": "still here"}
    )
    assert reply.status == 201, reply.body
    assert (await ss_fetch("bob", f"sessions/{room}/call")).body["members"] == []
    retry = await call_tab("bob", room)
    assert (await retry.join(room))["ok"]
    assert ss_app.services.media.backend.workers[room].pid != worker.pid


async def test_call_and_camera_time_go_to_the_analytics(media_room, ss_app, ss_clock, until):
    from jupyter_studysession.analytics.loaders import load_media_intervals
    from jupyter_studysession.analytics.measures import call_time
    from jupyter_studysession.analytics.source import AnalyticsSource

    room, tabs = await media_room("alice", "bob")
    ss_clock.advance(minutes=10)
    await tabs["bob"].op("rtc.state", session_id=room, video=False)
    ss_clock.advance(minutes=5)
    await tabs["bob"].op("rtc.leave", session_id=room)
    source = AnalyticsSource(ss_app.db_url)
    try:
        async with source.connect() as conn:
            intervals = await load_media_intervals(conn, session_id=room)
    finally:
        await source.engine.dispose()
    bob = call_time(intervals, as_of=ss_clock.now()).set_index("username").loc["bob"]
    assert (bob["call_minutes"], bob["camera_minutes"], bob["camera_share"]) == (15, 10, 10 / 15)


async def test_joining_from_a_second_tab_moves_the_call_there(media_room, call_tab, until):
    room, tabs = await media_room("alice", "bob")
    await tabs["alice"].op("rtc.leave", session_id=room)  # bob alone: his call is the room's
    second = await call_tab("bob", room)
    assert (await second.join(room))["ok"]
    ended = await until(lambda: tabs["bob"].got("rtc.ended"))
    assert ended[0]["reason"] == "joined_elsewhere"
    alice = await call_tab("alice", room)
    assert (await alice.join(room))["ok"]
    await until(lambda: len(second.peer.reception("alice", "camera").frames) > 5)
