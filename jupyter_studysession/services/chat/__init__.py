"""Session chat: REST handlers, websocket ops and the manager behind both."""
