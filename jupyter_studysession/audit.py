"""The audit trail: jupyter_events schemas in ``events/`` and one emitter for the managers."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from jupyter_events.schema_registry import SchemaRegistryException

EVENTS_DIR = Path(__file__).parent / "events"
SESSION_EVENT = "https://events.jupyter.org/jupyter_studysession/session/v1"


class Audit:
    """Emits audit events through a ``jupyter_events.EventLogger`` (the server's, usually).

    Managers call it after their transaction commits, so an event is never emitted for a change
    that was rolled back.
    """

    def __init__(self, event_logger=None):
        self.event_logger = event_logger
        if event_logger is not None:
            for schema in sorted(EVENTS_DIR.glob("*.yaml")):
                # a second app on the same server finds them registered already
                with contextlib.suppress(SchemaRegistryException):
                    event_logger.register_event_schema(schema)

    def session(self, action: str, session_id: str, actor: str, **data: Any) -> None:
        if self.event_logger is None:
            return
        payload = {"action": action, "session_id": session_id, "actor": actor}
        payload.update({k: v for k, v in data.items() if v is not None})
        self.event_logger.emit(schema_id=SESSION_EVENT, data=payload)
