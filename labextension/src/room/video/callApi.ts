/**
 * The wire types of a session's call: the `rtc.*` ops and events (added to
 * the realtime protocol by declaration merging) and its REST calls (the call
 * as it is, recordings and their files). See `docs/realtime.md` and
 * `docs/media.md`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { serverAPI, sessionPath } from '../../common/api';

/** One person in the call, as everyone sees them. */
export interface ICallMember {
  username: string;
  display_name: string;
  /** Microphone on (not muted). */
  audio: boolean;
  /** Camera on. */
  video: boolean;
  /** Sharing the screen. */
  screen: boolean;
  /** False in audio-only mode. */
  receive_video: boolean;
  joined_at: string;
}

export interface IRecordingFile {
  name: string;
  username: string;
  track: 'audio' | 'camera' | 'screen';
  size_bytes: number;
  duration_seconds: number;
}

export interface IRecording {
  id: string;
  session_id: string;
  started_by: string;
  started_at: string;
  stopped_at: string | null;
  stop_reason: string | null;
  duration_seconds: number | null;
  size_bytes: number;
  deleted_at: string | null;
  files: IRecordingFile[];
}

/** `GET sessions/<id>/call`. */
export interface ICall {
  session_id: string;
  available: boolean;
  members: ICallMember[];
  recording: IRecording | null;
  ice_servers: RTCIceServer[];
}

/** What a participant sends: the transceivers to publish on, by source. */
export type Source = 'audio' | 'camera' | 'screen';

/** A track of someone else, on the transceiver `mid`. */
export interface ISlot {
  mid: string;
  username: string;
  source: Source;
}

/** The server's offer (the ack of `rtc.join`, or an `rtc.offer` event). */
export interface IOffer {
  sdp: string;
  type: 'offer';
  publish: Record<Source, string>;
  slots: ISlot[];
}

/** What a participant sends and wants; fields left out stay as they are. */
export interface ICallState {
  audio?: boolean;
  video?: boolean;
  screen?: boolean;
  receive_video?: boolean;
}

declare module '../../common/realtimeProtocol' {
  interface IRealtimeOps {
    'rtc.join': {
      payload: {
        session_id: string;
        audio: boolean;
        video: boolean;
        receive_video: boolean;
      };
      result: { offer: IOffer; call: ICall };
    };
    'rtc.answer': {
      payload: { session_id: string; sdp: string };
      result: null;
    };
    'rtc.candidate': {
      payload: {
        session_id: string;
        candidate: string;
        sdp_mid: string | null;
      };
      result: null;
    };
    'rtc.state': {
      payload: { session_id: string } & ICallState;
      result: ICallMember;
    };
    'rtc.leave': { payload: { session_id: string }; result: null };
    'rtc.mute': {
      payload: { session_id: string; username: string };
      result: null;
    };
    'rtc.stop_share': {
      payload: { session_id: string; username: string };
      result: null;
    };
    'rtc.record_start': { payload: { session_id: string }; result: IRecording };
    'rtc.record_stop': { payload: { session_id: string }; result: IRecording };
  }

  interface IRealtimeEvents {
    /** To the one tab in the call: answer it with `rtc.answer`. */
    'rtc.offer': IOffer & { session_id: string };
    /** To the one tab: its call is over, and why. */
    'rtc.ended': { session_id: string; reason: string; message: string };
    /** To the one tab: a host muted it. */
    'rtc.mute_requested': { session_id: string; by: string };
    /** To the one tab: a host stopped its screen share. */
    'rtc.share_stopped': { session_id: string; by: string };
    /** To the room (ephemeral): someone joined or changed what they send. */
    'rtc.member': { member: ICallMember };
    /** To the room (ephemeral): someone left the call. */
    'rtc.left': { username: string; reason: string };
    'recording.started': { recording: IRecording; by: string };
    'recording.stopped': {
      recording: IRecording;
      reason: string;
      message: string;
    };
  }
}

/** The REST calls of the call. */
export interface ICallApi {
  getCall(sessionId: string): Promise<ICall>;
  listRecordings(sessionId: string): Promise<IRecording[]>;
  /** Where a recording's file downloads from (the host and staff may). */
  fileUrl(sessionId: string, recordingId: string, name: string): string;
}

export function createCallApi(
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): ICallApi {
  const { call } = serverAPI(settings);
  return {
    getCall: id => call<ICall>(sessionPath(id, '/call')),
    listRecordings: async id =>
      (await call<{ items: IRecording[] }>(sessionPath(id, '/recordings')))
        .items,
    fileUrl: (id, recordingId, name) =>
      URLExt.join(
        settings.baseUrl,
        'studysession/api',
        sessionPath(
          id,
          `/recordings/${encodeURIComponent(recordingId)}/files/${encodeURIComponent(name)}`
        )
      )
  };
}
