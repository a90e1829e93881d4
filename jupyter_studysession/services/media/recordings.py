"""Recordings at rest: where they are kept, how much room they may take and for how long
(:class:`RecordingStore`), and reading, downloading and pruning them
(:class:`RecordingArchive`). Starting and stopping them is the call's
(:class:`~.manager.MediaManager`)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from traitlets import Float, Unicode, default
from traitlets.config import LoggingConfigurable

from ...clock import Clock
from ...exceptions import NotFound
from ...identity import Identity
from ...models import DescribeRecording, DescribeRecordingFile, ListRecordings
from ...orm import Recording, RecordingFile
from ...store import Store
from ..sessions.access import hosted_session, room_session

MB = 1024 * 1024

RECORDING_STOP_MESSAGES = {
    "host": "The host stopped the recording.",
    "session_ended": "The recording stopped: the session ended.",
    "call_ended": "The recording stopped: everyone left the call.",
    "disk_full": "The recording stopped: the server's disk is full. The call goes on.",
    "size_limit": "The recording stopped: it reached the recordings' storage limit.",
    "write_failed": "The recording stopped: the server could not write it.",
    "media_failed": "The recording stopped: the room's media server failed.",
}


class RecordingStore(LoggingConfigurable):
    """The recordings' directory and limits: ``<root_dir>/<session id>/<recording id>/``, one
    WebM file per participant and track."""

    root_dir = Unicode(
        config=True,
        help="""Where recordings are written. Default: ``studysession/recordings`` in the
        Jupyter data directory (next to the default database).""",
    )

    @default("root_dir")
    def _default_root_dir(self):
        return str(Path(jupyter_data_dir()) / "studysession" / "recordings")

    quota_mb = Float(
        20 * 1024,
        min=0,
        config=True,
        help="""The most all kept recordings may take together (MiB). A recording stops when
        it would go over; none starts once it is reached.""",
    )
    min_free_mb = Float(
        1024,
        min=0,
        config=True,
        help="""Recording stops (with a message to the room; the session goes on) when the
        disk's free space falls under this many MiB, and none starts under it.""",
    )
    retention_days = Float(
        30,
        min=0,
        config=True,
        help="""Recordings' files are deleted this many days after they stopped (0: kept
        until deleted by hand). Their record (who, when, how long) stays for the
        analytics.""",
    )

    @property
    def root(self) -> Path:
        return Path(self.root_dir)

    def directory(self, session_id: str, recording_id: str) -> Path:
        return self.root / session_id / recording_id

    def free_bytes(self) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        return shutil.disk_usage(self.root).free

    def budget(self, used_bytes: int) -> tuple[int, str | None]:
        """The bytes a new recording may write, and why none if it may not start."""
        left = int(self.quota_mb * MB) - used_bytes
        if left <= 0:
            return 0, "The recordings' storage quota is used up; delete old recordings first."
        if self.free_bytes() < self.min_free_mb * MB:
            return 0, "The disk is almost full; recording cannot start."
        return left, None

    def files_on_disk(self, session_id: str, recording_id: str) -> list[dict]:
        """What a recording left on disk, for when its worker could not say (it died)."""
        found = []
        for path in sorted(self.directory(session_id, recording_id).glob("*.webm")):
            username, _, track = path.stem.rpartition("-")
            found.append(
                {
                    "name": path.name,
                    "username": username,
                    "track": track,
                    "size_bytes": path.stat().st_size,
                    "duration_seconds": 0.0,
                }
            )
        return found

    def delete_files(self, session_id: str, recording_id: str) -> None:
        shutil.rmtree(self.directory(session_id, recording_id), ignore_errors=True)

    def retention_cutoff(self, now: datetime) -> datetime | None:
        return now - timedelta(days=self.retention_days) if self.retention_days > 0 else None


async def used_bytes(db: AsyncSession) -> int:
    """What the kept recordings take (their files' sizes as recorded)."""
    return int(
        await db.scalar(
            select(func.coalesce(func.sum(Recording.size_bytes), 0)).where(
                Recording.deleted_at.is_(None)
            )
        )
        or 0
    )


def describe_recording(recording: Recording) -> DescribeRecording:
    duration = (
        (recording.stopped_at - recording.started_at).total_seconds()
        if recording.stopped_at
        else None
    )
    return DescribeRecording(
        id=recording.id,
        session_id=recording.session_id,
        started_by=recording.started_by,
        started_at=recording.started_at,
        stopped_at=recording.stopped_at,
        stop_reason=recording.stop_reason,
        duration_seconds=duration,
        size_bytes=recording.size_bytes,
        deleted_at=recording.deleted_at,
        files=[DescribeRecordingFile.model_validate(f) for f in recording.files],
    )


def add_files(recording: Recording, files: list[dict]) -> None:
    """Record what the worker wrote (names are unique per recording)."""
    known = {f.name for f in recording.files}
    for described in files:
        if described["name"] not in known:
            recording.files.append(RecordingFile(**described))
    recording.size_bytes = sum(f.size_bytes for f in recording.files)


class RecordingArchive:
    """The recordings of sessions, as stored: listed for the room, downloaded by the host and
    staff, deleted after the retention period."""

    def __init__(self, store: Store, clock: Clock, files: RecordingStore):
        self.store = store
        self.clock = clock
        self.files = files

    async def list_recordings(self, actor: Identity, session_id: str) -> ListRecordings:
        async with self.store.read() as db:
            await room_session(db, session_id, actor, purpose="see its recordings")
            rows = await db.scalars(
                select(Recording)
                .where(Recording.session_id == session_id)
                .order_by(Recording.started_at)
            )
            return ListRecordings(items=[describe_recording(r) for r in rows])

    async def recording_file(
        self, actor: Identity, session_id: str, recording_id: str, name: str
    ) -> Path:
        """The path of one file of a recording: for the session's host and course staff."""
        async with self.store.read() as db:
            if not actor.is_staff:
                await hosted_session(db, session_id, actor, host_only=True)
            else:
                await room_session(db, session_id, actor)
            recording = await db.get(Recording, recording_id)
            if recording is None or recording.session_id != session_id:
                raise NotFound("No such recording.", "recording_not_found")
            if recording.deleted_at is not None:
                raise NotFound("This recording's files were deleted.", "recording_deleted")
            if name not in {f.name for f in recording.files}:
                raise NotFound(f"The recording has no file {name!r}.", "file_not_found")
        path = self.files.directory(session_id, recording_id) / name
        if not path.is_file():
            raise NotFound("The file is missing on the server.", "file_not_found")
        return path

    async def prune_recordings(self) -> int:
        """Delete the files of recordings past the retention period; returns how many."""
        cutoff = self.files.retention_cutoff(self.clock.now())
        if cutoff is None:
            return 0
        async with self.store.transaction() as db:
            rows = list(
                await db.scalars(
                    select(Recording).where(
                        Recording.stopped_at < cutoff, Recording.deleted_at.is_(None)
                    )
                )
            )
            for recording in rows:
                self.files.delete_files(recording.session_id, recording.id)
                recording.deleted_at = self.clock.now()
        return len(rows)
