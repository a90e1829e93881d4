"""Session goals: a shared, ordered checklist in the room (REST and websocket)."""
