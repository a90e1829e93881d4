"""The event-loop monitor in a real server: a callback over the threshold is logged, named."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def jp_server_config(ss_server_config):
    # every step of every op takes longer than a microsecond: each is logged
    ss_server_config["StudySessionApp"]["slow_callback_seconds"] = 1e-6
    return ss_server_config


@pytest.fixture
def loop_log(ss_app, caplog):
    ss_app.log.addHandler(caplog.handler)
    caplog.set_level(logging.WARNING)
    yield caplog
    ss_app.log.removeHandler(caplog.handler)


def blocked_by(caplog) -> list[str]:
    prefix = "Event loop blocked for "
    return [
        r.getMessage().split(" by ", 1)[1]
        for r in caplog.records
        if r.getMessage().startswith(prefix)
    ]


async def test_a_slow_op_should_be_logged_with_its_name(ss_ws, ss_create_session, loop_log):
    sid = await ss_create_session("alice", joined=["bob"], start=True)
    ws = await ss_ws("bob")
    assert (await ws.op("subscribe", channel=f"session:{sid}"))["ok"] is True
    loop_log.clear()

    ack = await ws.op("chat.send", session_id=sid, text="hello")

    assert ack["ok"] is True, ack
    assert "op chat.send" in blocked_by(loop_log)


async def test_a_slow_request_should_be_logged_with_its_handler(ss_fetch, loop_log):
    reply = await ss_fetch("alice", "sessions", method="POST", body={"title": "Proofs"})

    assert reply.status == 201, reply.body
    assert any(what.startswith("POST Sessions") for what in blocked_by(loop_log))
