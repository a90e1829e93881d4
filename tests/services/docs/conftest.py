"""The shared documents' tests run on a server with small limits, so that they are reached
with little traffic."""

from __future__ import annotations

import pytest

LIMITS = {
    "doc_max_bytes": 64 * 1024,
    "doc_update_max_bytes": 16 * 1024,
    "doc_update_limit": "200/minute",
    "doc_compact_after_updates": 20,
    "doc_recheck_seconds": 0,  # the tests re-check by hand
}


@pytest.fixture
def jp_server_config(ss_server_config):
    ss_server_config["StudySessionApp"].update(LIMITS)
    return ss_server_config


@pytest.fixture
def docs(ss_app):
    """The server's :class:`~jupyter_studysession.services.docs.manager.DocRoomManager`."""
    return ss_app.services.docs
