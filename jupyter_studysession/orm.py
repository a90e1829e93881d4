"""The database tables, in one module (SQLAlchemy 2, typed mappings).

Every timestamp is stored as UTC and read back timezone-aware (see :class:`UTCDateTime`).
Schema changes go through Alembic migrations in ``alembic/versions``; never by hand.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as naive
    UTC and given its zone back when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; use UTC-aware times")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
        float: Float,
    }


class SessionType(str, enum.Enum):
    solo = "solo"
    one_on_one = "one_on_one"
    group = "group"


class SessionStatus(str, enum.Enum):
    scheduled = "scheduled"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class SessionRole(str, enum.Enum):
    host = "host"
    co_host = "co_host"
    participant = "participant"


class ParticipantState(str, enum.Enum):
    invited = "invited"
    joined = "joined"
    left = "left"
    removed = "removed"


def _enum(cls: type[enum.Enum]) -> String:
    """Enums are stored as their lowercase string values (portable, readable in SQL)."""
    return String(max(len(m.value) for m in cls))


class User(Base):
    """Everyone the server has identified, kept so that names show up for invitees too."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(255), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(255))
    initials: Mapped[str | None] = mapped_column(String(16))
    color: Mapped[str | None] = mapped_column(String(32))
    avatar_url: Mapped[str | None] = mapped_column(String(1024))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime | None]


class StudySession(Base):
    __tablename__ = "study_sessions"
    __table_args__ = (
        # one session per occurrence of a series: materialising twice is harmless
        Index("uq_study_sessions_series_occurrence", "series_id", "occurrence_start", unique=True),
        Index(
            "uq_study_sessions_host_username_idempotency_key",
            "host_username",
            "idempotency_key",
            unique=True,
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(_enum(SessionType))
    subject: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(default=list)
    max_participants: Mapped[int] = mapped_column(Integer)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(_enum(SessionStatus), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    host_username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    # the study group this is a session of; no foreign key, so that SQLite can add the column
    # in place (deleting a group clears it in the same transaction)
    group_id: Mapped[str | None] = mapped_column(String(32), index=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(index=True)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration_minutes: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    # recurrence (services/schedules): the series this session is an occurrence of, the start
    # its rule gave it (the unique key of the occurrence), whether it was edited on its own;
    # and the iCalendar SEQUENCE, bumped whenever its time or title changes or it is cancelled
    series_id: Mapped[str | None] = mapped_column(ForeignKey("session_series.id"))
    occurrence_start: Mapped[datetime | None]
    occurrence_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # the host's idempotency key of the request that created it (see idempotency.py)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))

    host: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )


class Participant(Base):
    """A user's membership of one session: role and state. Intervals record the attendance."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("session_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    role: Mapped[str] = mapped_column(_enum(SessionRole))
    state: Mapped[str] = mapped_column(_enum(ParticipantState))
    invited_by: Mapped[str | None] = mapped_column(String(255))
    invited_at: Mapped[datetime | None]
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    session: Mapped[StudySession] = relationship(back_populates="participants")
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class AttendanceInterval(Base):
    """One stretch of time a user was present in an active session. ``left_at`` is open (NULL)
    while they are still there."""

    __tablename__ = "attendance_intervals"
    __table_args__ = (Index("ix_attendance_intervals_session_user", "session_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class InviteLink(Base):
    """An expiring, revocable invitation. Only a SHA-256 digest of the token is stored."""

    __tablename__ = "invite_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class SessionSummary(Base):
    """What a completed session achieved; written in the same transaction that ends it."""

    __tablename__ = "session_summaries"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    participant_count: Mapped[int]
    message_count: Mapped[int]
    goals_done: Mapped[int]
    goals_total: Mapped[int]
    duration_minutes: Mapped[int]
    focus_minutes: Mapped[int] = mapped_column(Integer, default=0)
    break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    ended_by: Mapped[str] = mapped_column(String(255))
    attendance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # what the chat and the goals came to, by the configured summariser (summarizer.py)
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # what it covered of its study notebook (services/follow/coverage.py), if it had one
    coverage: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # the shared documents as the session ended (their files: DocumentExport)
    notes_characters: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    whiteboard_shapes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]


class ChatMessage(Base):
    """A chat message in a session room or a study group (exactly one of the two). Deleted
    messages keep their row as a tombstone."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_session_created", "session_id", "created_at"),
        Index("ix_chat_messages_group_created", "group_id", "created_at"),
        CheckConstraint("(session_id IS NULL) <> (group_id IS NULL)", name="one_conversation"),
        # a sender's idempotency key names one message (see idempotency.py)
        Index("uq_chat_messages_sender_idempotency_key", "sender", "idempotency_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # a message belongs to exactly one conversation: a session room or a study group
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE")
    )
    group_id: Mapped[str | None] = mapped_column(ForeignKey("study_groups.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(ForeignKey("users.username"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(64))


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (
        Index("uq_goals_created_by_idempotency_key", "created_by", "idempotency_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(64))


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "username", "read_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class ChannelSequence(Base):
    """The last sequence number given out on a durable realtime channel."""

    __tablename__ = "channel_sequences"

    channel: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class OutboxEvent(Base):
    """A durable realtime event, written in the transaction of the change it reports.

    Clients that reconnect replay ``seq > since`` for each channel, so nothing is lost.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (UniqueConstraint("channel", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)


class TimerPhase(str, enum.Enum):
    idle = "idle"
    focus = "focus"
    short_break = "short_break"
    long_break = "long_break"


class SessionTimer(Base):
    """The shared pomodoro timer of a session. The server is the authority: the remaining time
    is ``remaining_seconds`` as of ``phase_started_at`` when running, frozen when paused.
    ``focus_seconds`` and ``break_seconds`` accumulate what the room actually spent."""

    __tablename__ = "session_timers"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    focus_minutes: Mapped[float]
    short_break_minutes: Mapped[float]
    long_break_minutes: Mapped[float]
    cycles: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(_enum(TimerPhase))
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    running: Mapped[bool] = mapped_column(Boolean, default=False)
    phase_started_at: Mapped[datetime | None]
    remaining_seconds: Mapped[float]
    focus_seconds: Mapped[float] = mapped_column(default=0.0)
    break_seconds: Mapped[float] = mapped_column(default=0.0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(255))


class PresencePreference(Base):
    """What a user chose about their presence: a manual status, and privacy."""

    __tablename__ = "presence_preferences"

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    status: Mapped[str | None] = mapped_column(String(16))
    appear_offline: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_activity: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


# -- office hours -------------------------------------------------------------------------


class EntryStatus(str, enum.Enum):
    waiting = "waiting"
    stepped_out = "stepped_out"
    admitted = "admitted"
    in_progress = "in_progress"
    finished = "finished"


class EntryOutcome(str, enum.Enum):
    helped = "helped"
    no_show = "no_show"
    left = "left"
    removed = "removed"


class OfficeHours(Base):
    """Course-wide office hours: a weekly schedule, one-off slots, and a help queue.

    ``manual_open`` (when not NULL) overrides the schedule until ``manual_until`` (the next
    schedule boundary after it was set; NULL: until staff change it again). ``next_ticket``
    orders the queue: each entry takes one when it joins or goes back to the end.
    """

    __tablename__ = "office_hours"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    weekly_slots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    one_off_slots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    manual_open: Mapped[bool | None] = mapped_column(Boolean)
    manual_until: Mapped[datetime | None]
    next_ticket: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class StaffDuty(Base):
    """A staff member on duty in an office hours' queue (the row goes when they go off)."""

    __tablename__ = "staff_duties"

    officehours_id: Mapped[str] = mapped_column(
        ForeignKey("office_hours.id", ondelete="CASCADE"), primary_key=True
    )
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    since: Mapped[datetime]


class QueueEntry(Base):
    """A student's place in a help queue, with every timestamp of its life (kept forever:
    instructors analyse them)."""

    __tablename__ = "queue_entries"
    __table_args__ = (Index("ix_queue_entries_queue_status", "officehours_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    officehours_id: Mapped[str] = mapped_column(ForeignKey("office_hours.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    question: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(_enum(EntryStatus))
    ticket: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(index=True)
    stepped_out_at: Mapped[datetime | None]
    admitted_at: Mapped[datetime | None]
    admitted_by: Mapped[str | None] = mapped_column(String(255))
    session_id: Mapped[str | None] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    finished_by: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str | None] = mapped_column(_enum(EntryOutcome))
    almost_up_notified: Mapped[bool] = mapped_column(Boolean, default=False)


# -- study groups -------------------------------------------------------------------------


class GroupRole(str, enum.Enum):
    admin = "admin"
    member = "member"


class GroupMemberState(str, enum.Enum):
    invited = "invited"
    joined = "joined"


class StudyGroup(Base):
    """A study group: members, a persistent chat, sessions, and the place it reached."""

    __tablename__ = "study_groups"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(String(100))
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    max_members: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    # the "last place": {notebook_path, section, cell}, who set it, when, in which session
    last_place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_place_at: Mapped[datetime | None]
    last_place_by: Mapped[str | None] = mapped_column(String(255))
    last_place_session_id: Mapped[str | None] = mapped_column(String(32))


class GroupMember(Base):
    """A user's membership of a group: invited (may join a private group) or joined."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(
        ForeignKey("study_groups.id", ondelete="CASCADE"), index=True
    )
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    role: Mapped[str] = mapped_column(_enum(GroupRole))
    state: Mapped[str] = mapped_column(_enum(GroupMemberState))
    invited_by: Mapped[str | None] = mapped_column(String(255))
    invited_at: Mapped[datetime | None]
    joined_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class GroupInviteLink(Base):
    """An expiring, revocable invitation to a group. Only a SHA-256 digest of the token is
    stored."""

    __tablename__ = "group_invite_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    group_id: Mapped[str] = mapped_column(
        ForeignKey("study_groups.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


# -- schedules: recurrence, reminders, calendar ----------------------------------------------


class SessionSeries(Base):
    """A recurring session: an RFC 5545 RRULE expanded in an IANA time zone from ``starts_at``
    (the first occurrence), so every occurrence keeps its wall-clock time across daylight-saving
    changes. Occurrences are materialised as ordinary sessions up to ``materialised_until``;
    ``template`` holds their fields (a ``CreateSession`` without time, recurrence or invitees).
    Editing "all following" splits a series: this one gets an UNTIL, a new one (``split_from``
    this) starts at the edited occurrence."""

    __tablename__ = "session_series"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    host_username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    rrule: Mapped[str] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    template: Mapped[dict[str, Any]] = mapped_column(default=dict)
    invitees: Mapped[list[str]] = mapped_column(default=list)
    materialised_until: Mapped[datetime | None] = mapped_column(index=True)
    split_from: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReminderSent(Base):
    """That the reminder ``minutes_before`` a session's start went out. Inserted in the
    transaction of its notifications: a second replica's insert conflicts, so each reminder
    is delivered once."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("session_id", "minutes_before"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    minutes_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]


class CalendarToken(Base):
    """A user's calendar feed token (one per user; rotating replaces it, revoking deletes it).
    Only a SHA-256 digest is stored."""

    __tablename__ = "calendar_tokens"

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class HubShare(Base):
    """A share of a session host's server on JupyterHub that the study service granted
    (``services/shares``). The row is written before the grant and deleted after the revoke,
    so a crash in between leaves a row that the next sync settles."""

    __tablename__ = "hub_shares"
    __table_args__ = (UniqueConstraint("owner", "server_name", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    server_name: Mapped[str] = mapped_column(String(255), default="")
    username: Mapped[str] = mapped_column(String(255))
    granted_at: Mapped[datetime]


# -- study notebooks: follow the leader, record the places ----------------------------------


class StudyNotebook(Base):
    """A session's study notebook and who leads through it (one row per session that has
    one). ``server`` is NULL for this Jupyter server. ``lead_epoch`` grows by one whenever the
    lead changes hands, so a place sent under an older lead is recognised and refused."""

    __tablename__ = "study_notebooks"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    server: Mapped[str | None] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(1024))
    set_by: Mapped[str | None] = mapped_column(String(255))
    set_at: Mapped[datetime | None]
    leader: Mapped[str | None] = mapped_column(String(255))
    lead_epoch: Mapped[int] = mapped_column(Integer, default=0)
    lead_since: Mapped[datetime | None]
    # the leader's last recorded place (a NotebookPlace) and when it was reached
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    place_at: Mapped[datetime | None]


class PlaceRecord(Base):
    """One place the leader reached in an active session: the record of its progress, from
    which the coverage and the analytics' section times are computed."""

    __tablename__ = "place_records"
    __table_args__ = (Index("ix_place_records_session_at", "session_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime]
    notebook_path: Mapped[str] = mapped_column(String(1024))
    cell_id: Mapped[str | None] = mapped_column(String(100))
    cell_index: Mapped[int] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(String(200))
    section_index: Mapped[int | None] = mapped_column(Integer)


# -- media: call time, camera time, recordings ------------------------------------------


class MediaInterval(Base):
    """One stretch of a participant's call: ``kind`` ``call`` (in the call), ``camera``
    (camera on) or ``screen`` (sharing). ``ended_at`` is open (NULL) while it lasts."""

    __tablename__ = "media_intervals"
    __table_args__ = (Index("ix_media_intervals_session_user", "session_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class Recording(Base):
    """A recording of a session's call. Its files live under the recordings directory; the
    row stays after retention deletes them (``deleted_at``), for the analytics."""

    __tablename__ = "recordings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    started_by: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    # host, session_ended, disk_full, size_limit, write_failed, media_failed, call_ended
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None]
    files: Mapped[list[RecordingFile]] = relationship(
        back_populates="recording",
        cascade="all, delete-orphan",
        order_by="RecordingFile.name",
        lazy="selectin",
    )


class RecordingFile(Base):
    """One WebM file of a recording: one participant's track (audio, camera or screen)."""

    __tablename__ = "recording_files"
    __table_args__ = (UniqueConstraint("recording_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    recording_id: Mapped[str] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    username: Mapped[str] = mapped_column(String(255))
    track: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    recording: Mapped[Recording] = relationship(back_populates="files")


class CrdtDocument(Base):
    """A session's shared document (``notes`` or ``whiteboard``, services/docs): a compacted
    snapshot (a Yjs update of the whole document) that folds in every :class:`CrdtUpdate` up to
    ``snapshot_upto``. The row is locked while compacting, so replicas compact one at a time."""

    __tablename__ = "crdt_documents"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)
    snapshot_upto: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    compacted_at: Mapped[datetime]


class CrdtUpdate(Base):
    """One Yjs update of a shared document, stored before any other peer sees it; who sent it
    (for "characters inserted per participant"). Folded into the snapshot by compaction."""

    __tablename__ = "crdt_updates"
    __table_args__ = (
        Index("ix_crdt_updates_document", "session_id", "name", "id"),
        # ids only grow, even after compaction deleted the highest (the snapshot folds in
        # every update up to an id)
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class CrdtContribution(Base):
    """What one user did to a shared document, counted when their updates are compacted:
    characters inserted and deleted (notes), shapes added and removed (whiteboard)."""

    __tablename__ = "crdt_contributions"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(255), primary_key=True)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    updates: Mapped[int] = mapped_column(Integer, default=0)


class DocumentExport(Base):
    """A shared document as a file, written when its session ended (``notes.md``,
    ``whiteboard.svg``)."""

    __tablename__ = "document_exports"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    filename: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
