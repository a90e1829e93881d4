"""The columns of every analytics frame: one :class:`Schema` per table, in one place.

Each loader builds its frame with :meth:`Schema.frame`, so a frame always has exactly these
columns, in this order, with these dtypes, even when it is empty. The same objects document
the frames: the loaders' docstrings end with :meth:`Schema.markdown`, and so do the tables in
``docs/analytics.md`` (a test checks they agree).

Dtypes: ``string`` (``pd.StringDtype``, missing is ``<NA>``), ``boolean`` and ``Int64``
(nullable), ``float64`` (missing is ``NaN``), and ``datetime64[ns, UTC]`` for every timestamp
(timezone-aware UTC, missing is ``NaT``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

UTC_TIMESTAMP = "datetime64[ns, UTC]"


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    doc: str


@dataclass(frozen=True)
class Schema:
    """A frame's name, one line about a row, and its columns."""

    name: str
    row: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def dtypes(self) -> dict[str, str]:
        return {c.name: c.dtype for c in self.columns}

    def frame(self, rows: Iterable[Sequence]) -> pd.DataFrame:
        """A frame of ``rows`` (tuples in column order) with exactly this schema."""
        raw = pd.DataFrame.from_records(list(rows), columns=self.names)
        return self.coerce(raw)

    def coerce(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame``'s columns of this schema, in order, converted to their dtypes."""
        out = {}
        for column in self.columns:
            values = frame[column.name]
            if column.dtype == UTC_TIMESTAMP:
                out[column.name] = pd.to_datetime(values, utc=True).astype(UTC_TIMESTAMP)
            elif column.dtype == "float64":
                out[column.name] = pd.to_numeric(values, errors="coerce").astype("float64")
            else:
                out[column.name] = values.astype(column.dtype)
        return pd.DataFrame(out, index=frame.index)

    def empty(self) -> pd.DataFrame:
        return self.frame([])

    def markdown(self) -> str:
        """The schema as a Markdown table (the form used in docstrings and the docs)."""
        lines = [f"One row per {self.row}.", "", "| column | dtype | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | `{c.dtype}` | {c.doc} |" for c in self.columns]
        return "\n".join(lines)


def document(schema: Schema):
    """Decorator: append ``schema``'s table to the function's docstring (``help()`` shows it)."""

    def decorate(function):
        function.__doc__ = f"{(function.__doc__ or '').rstrip()}\n\n{schema.markdown()}\n"
        function.schema = schema
        return function

    return decorate


def _c(name: str, dtype: str, doc: str) -> Column:
    return Column(name, dtype, doc)


TS = UTC_TIMESTAMP

SESSIONS = Schema(
    "sessions",
    "study session",
    (
        _c("session_id", "string", "the session's id"),
        _c("title", "string", "its title"),
        _c("type", "string", "`solo`, `one_on_one` or `group`"),
        _c("subject", "string", "its subject, if any"),
        _c("status", "string", "`scheduled`, `active`, `completed` or `cancelled`"),
        _c("is_public", "boolean", "listed for everyone"),
        _c("host", "string", "the host's username"),
        _c("group_id", "string", "the study group it belongs to, if any"),
        _c("series_id", "string", "the recurring series it is an occurrence of, if any"),
        _c("max_participants", "Int64", "its capacity"),
        _c("created_at", TS, "when it was created"),
        _c("scheduled_at", TS, "when it was planned to start, if scheduled"),
        _c("started_at", TS, "when it started (NaT: never)"),
        _c("ended_at", TS, "when it ended (NaT: not ended)"),
        _c("ended_by", "string", "who ended it (`system`: the cleanup); from the summary"),
        _c("starting_notebook", "string", "`settings.starting_point.notebook_path`, if set"),
        _c("starting_section", "string", "`settings.starting_point.section`, if set"),
        _c("starting_cell", "string", "`settings.starting_point.cell` (as text), if set"),
    ),
)

PARTICIPANTS = Schema(
    "participants",
    "user's membership of a session",
    (
        _c("session_id", "string", "the session"),
        _c("username", "string", "the member"),
        _c("role", "string", "`host`, `co_host` or `participant`"),
        _c("state", "string", "`invited`, `joined`, `left` or `removed` (now)"),
        _c("invited_by", "string", "who invited them, if anyone"),
        _c("invited_at", TS, "when they were invited"),
        _c("joined_at", TS, "when they last joined"),
        _c("left_at", TS, "when they last left"),
    ),
)

INTERVALS = Schema(
    "intervals",
    "attendance interval (a stretch of presence, as recorded)",
    (
        _c("interval_id", "Int64", "the interval's id"),
        _c("session_id", "string", "the session"),
        _c("username", "string", "who was present"),
        _c("joined_at", TS, "when the stretch began"),
        _c("left_at", TS, "when it ended (NaT: still present)"),
    ),
)

MESSAGES = Schema(
    "messages",
    "chat message of a session or a study group",
    (
        _c("message_id", "string", "the message's id"),
        _c("session_id", "string", "its session (or `<NA>` in a group chat)"),
        _c("group_id", "string", "its study group (or `<NA>` in a session)"),
        _c("sender", "string", "its author"),
        _c("created_at", TS, "when it was sent"),
        _c("edited_at", TS, "when it was last edited"),
        _c("deleted_at", TS, "when it was deleted (a tombstone)"),
        _c("length", "Int64", "its length in characters (0 once deleted)"),
        _c("text", "string", "its text: only with `content=True`, else `<NA>`"),
    ),
)

GOALS = Schema(
    "goals",
    "goal of a session",
    (
        _c("goal_id", "string", "the goal's id"),
        _c("session_id", "string", "its session"),
        _c("title", "string", "its title"),
        _c("position", "Int64", "its place in the list (0 first)"),
        _c("done", "boolean", "whether it is done"),
        _c("created_by", "string", "who added it"),
        _c("created_at", TS, "when it was added"),
        _c("done_at", TS, "when it was marked done"),
    ),
)

TIMERS = Schema(
    "timers",
    "session's shared timer (sessions that never used it have none)",
    (
        _c("session_id", "string", "the session"),
        _c("phase", "string", "`idle`, `focus`, `short_break` or `long_break` (last saved)"),
        _c("running", "boolean", "whether it was running when last saved"),
        _c("cycle", "Int64", "the focus period it is in"),
        _c("focus_length_minutes", "float64", "the configured focus period"),
        _c("focus_minutes", "float64", "time spent in focus so far"),
        _c("break_minutes", "float64", "time spent in breaks so far"),
        _c("updated_at", TS, "when it last changed"),
        _c("updated_by", "string", "who changed it last"),
    ),
)

SUMMARIES = Schema(
    "summaries",
    "ended session's stored summary (written when it ended)",
    (
        _c("session_id", "string", "the session"),
        _c("ended_by", "string", "who ended it (`system`: the cleanup)"),
        _c("duration_minutes", "Int64", "its length in whole minutes"),
        _c("participant_count", "Int64", "how many people were present"),
        _c("message_count", "Int64", "chat messages (not deleted)"),
        _c("goals_done", "Int64", "goals done"),
        _c("goals_total", "Int64", "goals"),
        _c("focus_minutes", "Int64", "shared-timer focus minutes"),
        _c("created_at", TS, "when it was written"),
        _c("text", "string", "the summariser's text (from the chat): only with `content=True`"),
    ),
)

OFFICE_HOURS = Schema(
    "officehours",
    "office hours (deleted ones included)",
    (
        _c("officehours_id", "string", "its id"),
        _c("title", "string", "its title"),
        _c("created_by", "string", "who created it"),
        _c("created_at", TS, "when"),
        _c("deleted_at", TS, "when it was deleted (NaT: it exists)"),
    ),
)

QUEUE_ENTRIES = Schema(
    "queue_entries",
    "student's entry in an office-hours help queue",
    (
        _c("entry_id", "string", "the entry's id"),
        _c("officehours_id", "string", "the office hours"),
        _c("username", "string", "the student"),
        _c("topic", "string", "the topic they chose, if any"),
        _c("status", "string", "`waiting`, `stepped_out`, `admitted`, `in_progress`, `finished`"),
        _c("outcome", "string", "`helped`, `no_show`, `left`, `removed` (once finished)"),
        _c("joined_at", TS, "when they joined the queue (enqueued)"),
        _c("admitted_at", TS, "when staff admitted them (NaT: never)"),
        _c("admitted_by", "string", "the staff member who admitted them"),
        _c("started_at", TS, "when they opened the room"),
        _c("finished_at", TS, "when the entry finished"),
        _c("finished_by", "string", "who finished it"),
        _c("session_id", "string", "the private room they were admitted into"),
        _c("question", "string", "their question: only with `content=True`, else `<NA>`"),
    ),
)

GROUPS = Schema(
    "groups",
    "study group",
    (
        _c("group_id", "string", "its id"),
        _c("name", "string", "its name"),
        _c("subject", "string", "its subject, if any"),
        _c("is_public", "boolean", "open to anyone"),
        _c("max_members", "Int64", "its capacity"),
        _c("created_by", "string", "who created it"),
        _c("created_at", TS, "when"),
        _c("last_place_notebook", "string", "where it got to: the notebook, if set"),
        _c("last_place_at", TS, "when the last place was set"),
    ),
)

GROUP_MEMBERS = Schema(
    "group_members",
    "user's membership of a study group",
    (
        _c("group_id", "string", "the group"),
        _c("username", "string", "the member"),
        _c("role", "string", "`admin` or `member`"),
        _c("state", "string", "`invited` or `joined`"),
        _c("joined_at", TS, "when they joined (NaT: invited only)"),
    ),
)

PLACES = Schema(
    "places",
    "place the leader of a session reached in its study notebook (a change of cell or heading)",
    (
        _c("session_id", "string", "the session"),
        _c("username", "string", "the leader"),
        _c("at", TS, "when they got there"),
        _c("notebook_path", "string", "the study notebook (a path on the server)"),
        _c("cell_id", "string", "the active cell's id"),
        _c("cell_index", "Int64", "the active cell's index (0 first)"),
        _c("section", "string", "the heading the cell sits under (`<NA>`: none)"),
        _c("section_index", "Int64", "which heading of the notebook that is (1 first)"),
    ),
)

MEDIA_INTERVALS = Schema(
    "media_intervals",
    "stretch of a participant's call: in the call, camera on, or sharing the screen",
    (
        _c("interval_id", "Int64", "the interval's id"),
        _c("session_id", "string", "the session"),
        _c("username", "string", "the participant"),
        _c("kind", "string", "`call` (in the call), `camera` (camera on) or `screen` (sharing)"),
        _c("started_at", TS, "when it began"),
        _c("ended_at", TS, "when it ended (NaT: still going)"),
    ),
)

RECORDINGS = Schema(
    "recordings",
    "recording of a session's call",
    (
        _c("recording_id", "string", "the recording's id"),
        _c("session_id", "string", "the session"),
        _c("started_by", "string", "who started it (the host)"),
        _c("started_at", TS, "when it started"),
        _c("stopped_at", TS, "when it stopped (NaT: still recording)"),
        _c("minutes", "float64", "its length (NaN while recording)"),
        _c(
            "stop_reason",
            "string",
            "`host`, `session_ended`, `call_ended`, `disk_full`, `size_limit`, "
            "`write_failed` or `media_failed`",
        ),
        _c("size_bytes", "Int64", "the size of its files"),
        _c("files", "Int64", "how many files (one per participant and track)"),
        _c("deleted_at", TS, "when retention deleted its files (NaT: kept)"),
    ),
)

CONTRIBUTIONS = Schema(
    "contributions",
    "(session, shared document, user): what the user changed in it",
    (
        _c("session_id", "string", "the session"),
        _c("document", "string", "`notes` or `whiteboard`"),
        _c("username", "string", "who changed it"),
        _c("inserted", "Int64", "characters inserted (notes) or shapes drawn (whiteboard)"),
        _c("deleted", "Int64", "characters deleted (notes) or shapes removed (whiteboard)"),
        _c("updates", "Int64", "updates stored (about one per keystroke or stroke)"),
    ),
)

ALL = (
    SESSIONS,
    PARTICIPANTS,
    INTERVALS,
    MESSAGES,
    GOALS,
    TIMERS,
    SUMMARIES,
    OFFICE_HOURS,
    QUEUE_ENTRIES,
    GROUPS,
    GROUP_MEMBERS,
    PLACES,
    MEDIA_INTERVALS,
    RECORDINGS,
    CONTRIBUTIONS,
)
