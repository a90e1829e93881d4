"""The chat rate limit (``chat_limit``), shared by REST and the websocket."""

from __future__ import annotations

import pytest


@pytest.fixture
def jp_server_config(ss_server_config):
    ss_server_config["StudySessionApp"]["chat_limit"] = "3/minute"
    return ss_server_config


async def test_over_the_chat_limit_rest_should_get_429_and_the_websocket_an_error_ack(
    ss_fetch, ss_ws, make_room, ss_clock
):
    room = await make_room()
    path = f"sessions/{room}/messages"
    sent = []
    for n in range(3):
        ss_clock.advance(seconds=10)
        reply = await ss_fetch("carol", path, method="POST", body={"text": f"m{n}"})
        assert reply.status == 201, reply.body
        sent.append(reply.body["id"])

    refused = await ss_fetch("carol", path, method="POST", body={"text": "one too many"})
    assert (refused.status, refused.body["reason"]) == (429, "rate_limited")
    assert refused.headers["Retry-After"] == "40"  # when the first of the three expires

    carol = await ss_ws("carol")
    for op, payload in [
        ("chat.send", {"session_id": room, "text": "over the websocket"}),
        ("chat.edit", {"message_id": sent[0], "text": "edits count too"}),
    ]:
        ack = await carol.op(op, **payload)
        assert (ack["ok"], ack["error"]["code"]) == (False, "rate_limited"), (op, ack)

    other = await ss_fetch("dave", path, method="POST", body={"text": "per user"})
    assert other.status == 201
    ss_clock.advance(seconds=40)
    assert (await carol.op("chat.send", session_id=room, text="again"))["ok"] is True
    history = (await ss_fetch("carol", path)).body["items"]
    assert [m["text"] for m in history] == ["m0", "m1", "m2", "per user", "again"]


async def test_a_malformed_chat_limit_should_be_refused_at_configuration():
    from jupyter_studysession.app import StudySessionApp

    with pytest.raises(ValueError, match="invalid rate limit"):
        StudySessionApp(chat_limit="lots")
