"""The ground truth of a demo course, computed from its plan (what the generator intended),
never read back from the database: tests compare what the server recorded, and what the
analytics compute from it, with these numbers.

Definitions (the analytics use exactly these):

- **minutes present** of a user in a session: the length of the union of their attendance
  intervals in that session, clipped to ``[started_at, ended_at]``, in minutes (a float). The
  plan's side of it is :func:`~.model.present_intervals`: joined, with a tab on the session,
  while it is active; a tab back within the grace period continues the same interval.
- **wait** of a queue entry: ``admitted_at - joined_at`` (the time it was enqueued), in
  minutes; ``null`` for an entry never admitted.
- **no-show**: the entry's outcome is ``no_show``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..orm import SessionStatus, TimerPhase
from ..services.timer.manager import TimerState, settle
from .model import TIMEZONE, CoursePlan, EntryPlan, SessionPlan, present_intervals

DEFINITIONS = {
    "minutes": "length of the union of the user's attendance intervals in the session, "
    "clipped to [started_at, ended_at], in minutes",
    "wait_minutes": "admitted_at - joined_at (enqueued) in minutes; null if never admitted",
    "no_show": "the queue entry's outcome is no_show",
    "attendance": "one row per completed session and user who joined it (the host included), "
    "minutes 0.0 for someone who joined but never had the session open",
    "sessions_completed": "ended by a person or by the cleanup (sessions_auto_ended)",
    "sessions_abandoned": "scheduled, never started, nobody joined: deleted by the cleanup",
}


def iso(when: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``."""
    if when is None:
        return None
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def minutes_present(plan: CoursePlan, session: SessionPlan) -> dict[str, float]:
    """Minutes present by username, for everyone who joined the (completed) session."""
    minutes: dict[str, float] = {}
    for att in session.attendance:
        spans = present_intervals(att, session.started_at, session.ended_at, plan.grace)
        seconds = sum((b - a).total_seconds() for a, b in spans)
        minutes[att.who.username] = minutes.get(att.who.username, 0.0) + seconds / 60
    return minutes


def focus_minutes(session: SessionPlan) -> float:
    """Minutes the shared timer spent in focus (the default 25/5/15 x 4 pomodoro), by the
    timer's own rules: started, paused and resumed as planned, stopped at the end."""
    if session.timer is None:
        return 0.0
    state = TimerState.new()
    state.running, state.phase = True, TimerPhase.focus
    state.phase_started_at = session.timer.started_at
    for pause, resume in session.timer.pauses:
        settle(state, pause)  # the time until the pause counts...
        state.phase_started_at = resume  # ...the pause itself counts nowhere
    settle(state, session.ended_at)
    return state.focus_seconds / 60


def status(session: SessionPlan) -> str:
    if session.outcome in ("completed", "auto_ended"):
        return SessionStatus.completed.value
    return session.outcome  # cancelled, or abandoned (deleted)


def _entry(entry: EntryPlan, officehours_id: str | None) -> dict:
    wait = None
    if entry.admitted_at is not None:
        wait = (entry.admitted_at - entry.joined_at).total_seconds() / 60
    outcome = "left" if entry.admitted_at is None else "no_show" if entry.no_show else "helped"
    return {
        "entry_id": entry.id,
        "officehours_id": officehours_id,
        "username": entry.who.username,
        "joined_at": iso(entry.joined_at),
        "admitted_at": iso(entry.admitted_at),
        "admitted_by": entry.admitted_by.username if entry.admitted_by else None,
        "session_id": entry.room.id if entry.room else None,
        "wait_minutes": wait,
        "no_show": entry.no_show and entry.admitted_at is not None,
        "outcome": outcome,
    }


def ground_truth(plan: CoursePlan) -> dict:
    """The course's ground truth as JSON-ready data (call it once the plan has run, so the
    ids are known)."""
    sessions, attendance = [], []
    for session in plan.sessions:
        held = session.outcome in ("completed", "auto_ended")
        messages = [m for m in session.messages if m.deleted_at is None]
        sessions.append(
            {
                "session_id": session.id,
                "key": session.key,
                "kind": session.kind,
                "title": session.title,
                "status": status(session),
                "outcome": session.outcome,
                "host": session.host.username,
                "group_id": session.group.id if session.group else None,
                "scheduled_at": iso(session.scheduled_at),
                "started_at": iso(session.started_at) if held else None,
                "ended_at": iso(session.ended_at) if held else None,
                "ended_by": ("system" if session.outcome == "auto_ended" else session.host.username)
                if held
                else None,
                "messages": len(messages),
                "messages_deleted": len(session.messages) - len(messages),
                "goals": len(session.goals),
                "goals_done": sum(1 for g in session.goals if g.done_at is not None),
                "focus_minutes": focus_minutes(session) if held else 0.0,
            }
        )
        if held:
            attendance += [
                {"session_id": session.id, "username": name, "minutes": minutes}
                for name, minutes in minutes_present(plan, session).items()
            ]
    entries = [e for slot in plan.officehours.slots for e in slot.entries]
    waits = [_entry(e, plan.officehours.id) for e in entries]
    held = [s for s in sessions if s["status"] == "completed"]
    return {
        "seed": plan.seed,
        "students": len(plan.students),
        "weeks": plan.weeks,
        "timezone": TIMEZONE,
        "period": {"from": iso(plan.start), "to": iso(plan.end)},
        "definitions": DEFINITIONS,
        "people": [
            {"username": p.username, "display_name": p.display_name, "role": p.course_role.value}
            for p in [*plan.staff, *plan.students]
        ],
        "sessions": sessions,
        "attendance": attendance,
        "queue_waits": waits,
        "groups": [
            {
                "group_id": g.id,
                "name": g.name,
                "members": [m.username for m in g.members],
                "sessions": sum(1 for s in plan.sessions if s.group is g),
            }
            for g in plan.groups
        ],
        "scenarios": {
            name: [{"session_id": s.id, "username": u} if u else s.id for s, u in found]
            for name, found in plan.scenarios.items()
        },
        "counts": {
            "sessions_completed": len(held),
            "sessions_cancelled": sum(1 for s in sessions if s["status"] == "cancelled"),
            "sessions_abandoned": sum(1 for s in sessions if s["status"] == "abandoned"),
            "sessions_auto_ended": sum(1 for s in sessions if s["outcome"] == "auto_ended"),
            "sessions_by_kind": {
                kind: sum(1 for s in held if s["kind"] == kind)
                for kind in ("review", "study", "group", "office_hours")
            },
            "messages": sum(s["messages"] for s in sessions),
            "messages_deleted": sum(s["messages_deleted"] for s in sessions),
            "group_messages": sum(len(g.messages) for g in plan.groups),
            "goals": sum(s["goals"] for s in sessions),
            "goals_done": sum(s["goals_done"] for s in sessions),
            "focus_minutes": sum(s["focus_minutes"] for s in sessions),
            "attendance_rows": len(attendance),
            "queue_entries": len(waits),
            "queue_helped": sum(1 for w in waits if w["outcome"] == "helped"),
            "queue_no_shows": sum(1 for w in waits if w["no_show"]),
            "queue_left": sum(1 for w in waits if w["outcome"] == "left"),
            "groups": len(plan.groups),
            "group_members": sum(len(g.members) for g in plan.groups),
        },
    }
