"""The shared documents in the study database: a snapshot per document, the log of updates
after it, and compaction.

An update is stored (:func:`append_updates`) in a transaction that also checks, with the
session row share-locked, that the session is still open and its sender still joined: ending
a session (which locks that row) and storing an update are ordered, so the export written at
the end has every update that was accepted, and none is accepted after it.

Compaction loads the snapshot and the log into a document and re-encodes it (never a
"squash" that could drop content), counts what each sender changed into
:class:`~jupyter_studysession.orm.CrdtContribution`, and deletes the folded updates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pycrdt import Doc
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ...orm import (
    CrdtContribution,
    CrdtDocument,
    CrdtUpdate,
    Participant,
    ParticipantState,
    SessionStatus,
    StudySession,
)
from .documents import replay

OPEN_STATUSES = (SessionStatus.scheduled, SessionStatus.active)


@dataclass
class StoredDocument:
    snapshot: bytes
    upto: int
    """The id of the last update folded into ``snapshot`` (0: none)."""
    log: list[tuple[int, str, bytes]]
    """``(id, username, update)`` after the snapshot, oldest first."""

    @property
    def last_id(self) -> int:
        return self.log[-1][0] if self.log else self.upto

    @property
    def size(self) -> int:
        return len(self.snapshot) + sum(len(u) for _, _, u in self.log)


async def read_document(
    db: AsyncSession, session_id: str, name: str, *, lock: bool = False
) -> StoredDocument:
    """The stored snapshot and the updates after it (``lock``: the snapshot row, for
    compaction)."""
    query = select(CrdtDocument).where(
        CrdtDocument.session_id == session_id, CrdtDocument.name == name
    )
    if lock:
        query = query.with_for_update()
    row = await db.scalar(query)
    snapshot, upto = (row.snapshot, row.snapshot_upto) if row is not None else (b"", 0)
    log = await db.execute(
        select(CrdtUpdate.id, CrdtUpdate.username, CrdtUpdate.data)
        .where(CrdtUpdate.session_id == session_id, CrdtUpdate.name == name, CrdtUpdate.id > upto)
        .order_by(CrdtUpdate.id)
    )
    return StoredDocument(bytes(snapshot), upto, [(i, u, bytes(d)) for i, u, d in log])


@dataclass(frozen=True)
class Verdict:
    """Whether a user's updates may be stored now; ``reason`` is the ``code`` told otherwise."""

    allowed: bool
    reason: str = ""
    final: bool = False
    """The user may not even read any more (removed): close their connections."""


async def writers(db: AsyncSession, session_id: str, usernames: Sequence[str]) -> dict:
    """Verdict per username, read with the session row share-locked (see the module doc)."""
    status = await db.scalar(
        select(StudySession.status).where(StudySession.id == session_id).with_for_update(read=True)
    )
    if status is None:
        return {u: Verdict(False, "session_deleted", final=True) for u in usernames}
    if status not in OPEN_STATUSES:
        return {u: Verdict(False, "session_ended") for u in usernames}
    states = dict(
        (
            await db.execute(
                select(Participant.username, Participant.state).where(
                    Participant.session_id == session_id, Participant.username.in_(usernames)
                )
            )
        ).all()
    )
    verdicts = {}
    for name in usernames:
        state = states.get(name)
        if state == ParticipantState.joined:
            verdicts[name] = Verdict(True)
        elif state == ParticipantState.left:
            verdicts[name] = Verdict(False, "not_joined")
        else:  # removed, or never joined (staff read only)
            verdicts[name] = Verdict(False, "not_joined", final=state == ParticipantState.removed)
    return verdicts


async def append_updates(
    db: AsyncSession,
    session_id: str,
    name: str,
    updates: Sequence[tuple[str, bytes]],
    now: datetime,
) -> dict[str, Verdict]:
    """Store the ``(username, update)`` pairs whose sender may write now, in order; return
    the verdict for each sender. One transaction (the caller's)."""
    verdicts = await writers(db, session_id, sorted({u for u, _ in updates}))
    rows = [
        CrdtUpdate(session_id=session_id, name=name, username=u, data=d, created_at=now)
        for u, d in updates
        if verdicts[u].allowed
    ]
    db.add_all(rows)
    await db.flush()
    return verdicts


async def compact_document(db: AsyncSession, session_id: str, name: str, now: datetime) -> Doc:
    """Fold the update log into the snapshot, in the caller's transaction: the document is
    loaded and re-encoded, the senders' contributions counted, the folded updates deleted.
    Returns the document."""
    await _ensure_row(db, session_id, name, now)
    stored = await read_document(db, session_id, name, lock=True)
    doc, counts = replay(name, stored.snapshot, [(u, d) for _, u, d in stored.log])
    if not stored.log:
        return doc
    snapshot = doc.get_update()
    row = await db.get(CrdtDocument, (session_id, name))
    row.snapshot, row.snapshot_upto = snapshot, stored.last_id
    row.size, row.compacted_at = len(snapshot), now
    for username in counts.updates:
        contribution = await db.get(CrdtContribution, (session_id, name, username))
        if contribution is None:
            contribution = CrdtContribution(
                session_id=session_id,
                name=name,
                username=username,
                inserted=0,
                deleted=0,
                updates=0,
            )
            db.add(contribution)
        contribution.inserted += counts.inserted[username]
        contribution.deleted += counts.deleted[username]
        contribution.updates += counts.updates[username]
    await db.execute(
        delete(CrdtUpdate).where(
            CrdtUpdate.session_id == session_id,
            CrdtUpdate.name == name,
            CrdtUpdate.id <= stored.last_id,
        )
    )
    return doc


async def _ensure_row(db: AsyncSession, session_id: str, name: str, now: datetime) -> None:
    """The snapshot row exists (inserted once, whichever replica compacts first)."""
    values = {
        "session_id": session_id,
        "name": name,
        "snapshot": b"",
        "snapshot_upto": 0,
        "size": 0,
        "compacted_at": now,
    }
    if db.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    await db.execute(insert(CrdtDocument).values(**values).on_conflict_do_nothing())
