"""Video and voice in the room: the ``rtc.*`` ops, the call, recordings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from .base import Request, Response, Username

Sdp = Annotated[str, StringConstraints(min_length=1, max_length=60000)]


class RtcSessionOp(Request):
    session_id: str


class JoinCallOp(RtcSessionOp):
    """``rtc.join``: enter the session's call. The flags say what the participant sends
    (microphone, camera) and whether it wants others' video (``false``: audio-only mode)."""

    audio: bool = True
    video: bool = True
    receive_video: bool = True


class AnswerOp(RtcSessionOp):
    """``rtc.answer``: the answer to the server's last offer (``rtc.join``'s ack or an
    ``rtc.offer`` event)."""

    sdp: Sdp


class CandidateOp(RtcSessionOp):
    """``rtc.candidate``: a trickled ICE candidate of the participant (``""``: no more)."""

    candidate: Annotated[str, StringConstraints(max_length=1000)]
    sdp_mid: Annotated[str, StringConstraints(max_length=32)] | None = None


class SetCallStateOp(RtcSessionOp):
    """``rtc.state``: microphone, camera, screen share, audio-only; fields left out stay."""

    audio: bool | None = None
    video: bool | None = None
    screen: bool | None = None
    receive_video: bool | None = None


class CallMemberOp(RtcSessionOp):
    """``rtc.mute`` (ask to mute) and ``rtc.stop_share``: a host acts on ``username``."""

    username: Username


class DescribeCallMember(Response):
    username: str
    display_name: str
    audio: bool = Field(description="Microphone on (not muted).")
    video: bool = Field(description="Camera on.")
    screen: bool = Field(description="Sharing the screen.")
    receive_video: bool = Field(description="False in audio-only mode.")
    joined_at: datetime


class DescribeRecordingFile(Response):
    name: str
    username: str
    track: str = Field(description="audio, camera or screen")
    size_bytes: int
    duration_seconds: float


class DescribeRecording(Response):
    id: str
    session_id: str
    started_by: str
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str | None = Field(
        description="Why it stopped: host, session_ended, call_ended, disk_full, "
        "size_limit, write_failed or media_failed; null while recording."
    )
    duration_seconds: float | None = Field(description="Length; null while recording.")
    size_bytes: int
    deleted_at: datetime | None = Field(description="When retention deleted its files.")
    files: list[DescribeRecordingFile]


class DescribeCall(Response):
    session_id: str
    available: bool = Field(description="Whether this server offers video and voice.")
    members: list[DescribeCallMember]
    recording: DescribeRecording | None = Field(description="The recording in progress.")
    ice_servers: list[dict] = Field(
        default_factory=list, description="STUN/TURN servers for the browser's connection."
    )


class ListRecordings(Response):
    items: list[DescribeRecording]
