"""Shared notes and whiteboard: one pycrdt document per session and name, served with the
y-websocket protocol (docs/room.md has the protocol, the limits and the close codes)."""
