"""The shared pomodoro timer of a session room (REST and websocket)."""
