"""Every session state change is emitted as a jupyter_events audit event, after the commit."""

import io
import json
import logging

from jupyter_studysession.audit import SESSION_EVENT


async def test_lifecycle_emits_audit_events(ss_fetch, jp_serverapp):
    sink = io.StringIO()
    jp_serverapp.event_logger.register_handler(logging.StreamHandler(sink))
    sid = (
        await ss_fetch(
            "alice", "sessions", method="POST", body={"title": "Audited", "invite": ["bob"]}
        )
    ).body["id"]
    await ss_fetch("bob", f"sessions/{sid}/join", method="POST")
    await ss_fetch("alice", f"sessions/{sid}/start", method="POST")
    await ss_fetch("alice", f"sessions/{sid}/end", method="POST")
    refused = await ss_fetch("bob", f"sessions/{sid}/start", method="POST")
    assert refused.status == 403

    events = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert {e["__schema__"] for e in events} == {SESSION_EVENT}
    assert [(e["action"], e["actor"]) for e in events] == [
        ("created", "alice"),
        ("invited", "alice"),
        ("joined", "bob"),
        ("started", "alice"),
        ("ended", "alice"),
    ]
    assert all(e["session_id"] == sid for e in events)
    assert events[1]["usernames"] == ["bob"]
    assert events[-1]["status"] == "completed"
