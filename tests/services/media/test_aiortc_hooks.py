"""The private aiortc parts the media server relies on, checked against the pinned version, and
the media worker on its own (no Jupyter server): if aiortc changes, these fail first."""

from __future__ import annotations

import asyncio
from importlib.metadata import version

from aiortc import RTCPeerConnection
from aiortc.rtcconfiguration import RTCBundlePolicy, RTCConfiguration

from jupyter_studysession.services.media.client import MediaWorkerClient
from jupyter_studysession.services.media.forward import (
    on_keyframe_request,
    tap_encoded_frames,
)
from jupyter_studysession.services.media.network import (
    PortRangeEventLoop,
    parse_ports,
    use_host_addresses,
)
from jupyter_studysession.services.media.room import MediaRoom
from jupyter_studysession.services.media.synthetic import StampedVideoTrack, SyntheticPeer


def test_aiortc_is_the_pinned_version():
    assert version("aiortc") == "1.16.0", "re-check forward.py's hooks, then update the pin"


async def connect_pair():
    """Two loopback peers: ``sender`` sends stamped video to ``receiver``."""
    config = RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
    sender, receiver = RTCPeerConnection(config), RTCPeerConnection(config)
    sender.addTrack(StampedVideoTrack(fps=15))
    receiver.addTransceiver("video", direction="recvonly")
    await receiver.setLocalDescription(await receiver.createOffer())
    await sender.setRemoteDescription(receiver.localDescription)
    await sender.setLocalDescription(await sender.createAnswer())
    return sender, receiver


async def test_a_tapped_receiver_hands_over_encoded_frames_and_decodes_none(until):
    sender, receiver = await connect_pair()
    frames = []
    transceiver = receiver.getTransceivers()[0]
    tap_encoded_frames(transceiver.receiver, lambda codec, frame: frames.append((codec, frame)))
    await receiver.setRemoteDescription(sender.localDescription)
    await until(lambda: len(frames) > 10)
    codec, frame = frames[0]
    assert codec.name == "VP8" and not frame.data[0] & 1  # the first frame is a keyframe
    assert transceiver.receiver.track._queue.empty()  # nothing was decoded
    await sender.close()
    await receiver.close()  # stopping still ends the (idle) decoder thread


async def test_a_keyframe_request_reaches_the_hook_of_the_sender(until):
    sender, receiver = await connect_pair()
    asked = []
    on_keyframe_request(sender.getTransceivers()[0].sender, lambda: asked.append(True))
    await receiver.setRemoteDescription(sender.localDescription)
    incoming = receiver.getTransceivers()[0].receiver
    await until(lambda: incoming.getSynchronizationSources())
    await incoming._send_rtcp_pli(incoming.getSynchronizationSources()[0].source)
    await until(lambda: asked)
    await sender.close()
    await receiver.close()


async def test_ice_candidates_use_only_the_given_addresses_and_no_stun_server_by_default():
    use_host_addresses(["127.0.0.1"])  # conftest restores aioice afterwards
    room = MediaRoom(lambda *args, **kwargs: None)
    assert room._configuration.iceServers == []  # aiortc's default is a public STUN server
    offer = await room.join("alice")
    candidates = [line for line in offer["sdp"].splitlines() if "a=candidate" in line]
    assert candidates and all(" 127.0.0.1 " in c and "typ host" in c for c in candidates)
    await room.close()


def test_the_worker_loop_binds_udp_only_in_the_configured_range():
    loop = PortRangeEventLoop(parse_ports("45000-45003"))
    try:

        async def bind():
            transport, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
            )
            port = transport.get_extra_info("sockname")[1]
            transport.close()
            return port

        assert all(45000 <= loop.run_until_complete(bind()) <= 45003 for _ in range(5))
    finally:
        loop.close()


async def test_a_worker_stops_recording_by_itself_when_the_disk_is_nearly_full(tmp_path, until):
    events = []
    worker = MediaWorkerClient(
        "test",
        {"ice_addresses": ["127.0.0.1"]},
        on_event=events.append,
        on_exit=lambda code: events.append({"event": "exit"}),
    )
    await worker.start()
    peer = SyntheticPeer("alice")  # on loopback (conftest)
    try:
        offer = await worker.request("join", username="alice")
        await worker.request("answer", username="alice", sdp=await peer.accept(offer))
        await worker.request(
            "record_start",
            recording_id="r1",
            directory=str(tmp_path / "r1"),
            max_bytes=10**9,
            min_free_bytes=10**18,  # more than any disk has
        )
        stopped = await until(lambda: [e for e in events if e["event"] == "recording_stopped"])
        assert stopped[0]["reason"] == "disk_full" and stopped[0]["recording_id"] == "r1"
        assert (await worker.request("stats"))["alice"]["received"]["camera"] > 0  # goes on
    finally:
        await peer.close()
        await worker.stop()
    assert {"event": "exit"} not in events  # a requested stop is not a failure
