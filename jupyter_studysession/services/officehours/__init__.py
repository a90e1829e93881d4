"""Office hours: schedules, staff on duty, and the help queue (REST, websocket ops, managers)."""
