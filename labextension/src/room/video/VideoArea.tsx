import * as React from 'react';

import { useStore } from '../../common/hooks';
import type { ICallApi, ICallMember, IRecording } from './callApi';
import type { CallModel, ICallSnapshot } from './callModel';
import { formatDuration, tileOrder } from './callState';
import { CameraIcon, MicIcon, ScreenIcon } from './icons';

const NO_STORE = {
  subscribe: () => () => undefined,
  getSnapshot: () => null
};

/** The call's state, or null without a call (a hook that may take no model). */
export function useCall(model: CallModel | null): ICallSnapshot | null {
  const store = model ?? NO_STORE;
  return React.useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export interface IVideoAreaProps {
  model: CallModel;
  /** The session's host or a co-host: may mute others and stop a share. */
  canModerate: boolean;
  /** The session's host: may record. */
  canRecord: boolean;
  /** The session's settings allow screen sharing. */
  canShareScreen: boolean;
}

/**
 * The room's call: everyone's tiles (name, microphone and camera state, the
 * active speaker highlighted), a shared screen shown large, and the controls
 * (microphone, camera, audio only, screen, devices, record, leave).
 */
export function VideoArea(props: IVideoAreaProps): React.ReactElement {
  const { model } = props;
  const state = useStore(model);
  const me = model.username;
  const inCall = state.phase === 'in-call';
  const sharer = state.members.find(m => m.screen);
  const sharedScreen =
    sharer === undefined
      ? null
      : sharer.username === me
        ? state.screen
        : (state.remote[sharer.username]?.screen ?? null);
  return (
    <section
      className="jp-StudySession-roomUI jp-StudySession-video"
      aria-label="Video call"
      data-testid="studysession-video"
      data-phase={state.phase}
    >
      <div className="jp-StudySession-videoHeader">
        <h3 className="jp-StudySession-sectionTitle">
          Call{' '}
          <span className="jp-StudySession-muted">
            ({state.members.length} in the call)
          </span>
        </h3>
        {state.recording !== null && (
          <RecordingBadge recording={state.recording} />
        )}
      </div>
      {state.notice !== null && (
        <div className="jp-StudySession-banner" role="status">
          <span data-testid="studysession-video-notice">{state.notice}</span>
          <button
            type="button"
            className="jp-StudySession-linkButton"
            onClick={() => model.dismissNotice()}
          >
            Dismiss
          </button>
        </div>
      )}
      {!inCall ? (
        <JoinBar state={state} model={model} />
      ) : (
        <>
          {sharer !== undefined && (
            <div
              className="jp-StudySession-videoStage"
              data-testid="studysession-screen-share"
              data-username={sharer.username}
            >
              <MediaView stream={sharedScreen} muted />
              <span className="jp-StudySession-tileName">
                {sharer.display_name}'s screen
              </span>
              {props.canModerate && sharer.username !== me && (
                <button
                  type="button"
                  className="jp-StudySession-button jp-StudySession-tileAction"
                  onClick={() => void model.stopShareOf(sharer.username)}
                >
                  Stop their share
                </button>
              )}
            </div>
          )}
          <ul
            className={
              'jp-StudySession-tiles' + (sharer ? ' jp-mod-filmstrip' : '')
            }
          >
            {tileOrder(state.members, me).map(member => (
              <Tile
                key={member.username}
                member={member}
                mine={member.username === me}
                stream={
                  member.username === me
                    ? state.camera
                    : (state.remote[member.username]?.camera ?? null)
                }
                showVideo={!state.me.audioOnly || member.username === me}
                speaking={state.speaker === member.username}
                level={state.levels[member.username] ?? 0}
                canModerate={props.canModerate && member.username !== me}
                onMute={() => void model.askToMute(member.username)}
              />
            ))}
          </ul>
          {Object.entries(state.remote).map(([username, media]) =>
            media.audio ? (
              <AudioSink key={username} stream={media.audio} />
            ) : null
          )}
          <Controls {...props} state={state} />
        </>
      )}
    </section>
  );
}

function JoinBar(props: {
  state: ICallSnapshot;
  model: CallModel;
}): React.ReactElement {
  const { state, model } = props;
  if (!state.available) {
    return (
      <p className="jp-StudySession-muted">
        Video and voice are not available on this server.
      </p>
    );
  }
  const names = state.members.map(m => m.display_name).join(', ');
  return (
    <div className="jp-StudySession-videoJoin">
      <p className="jp-StudySession-muted">
        {names ? `In the call: ${names}.` : 'Nobody is in the call yet.'}
      </p>
      <button
        type="button"
        className="jp-StudySession-button jp-mod-accept"
        data-testid="studysession-call-join"
        disabled={state.busy}
        onClick={() => void model.join()}
      >
        {state.busy ? 'Joining…' : 'Join call'}
      </button>
      <button
        type="button"
        className="jp-StudySession-button"
        data-testid="studysession-call-join-audio"
        disabled={state.busy}
        onClick={() => void model.join({ audioOnly: true })}
      >
        Join with audio only
      </button>
    </div>
  );
}

function Controls(
  props: IVideoAreaProps & { state: ICallSnapshot }
): React.ReactElement {
  const { model, state } = props;
  const { me } = state;
  return (
    <div
      className="jp-StudySession-videoControls"
      role="toolbar"
      aria-label="Call controls"
    >
      <Toggle
        on={me.audio}
        label={me.audio ? 'Mute' : 'Unmute'}
        testid="studysession-call-mic"
        onClick={() => void model.setMicrophone(!me.audio)}
      >
        <MicIcon off={!me.audio} />
      </Toggle>
      <Toggle
        on={me.video}
        label={me.video ? 'Stop camera' : 'Start camera'}
        testid="studysession-call-camera"
        disabled={me.audioOnly}
        onClick={() => void model.setCamera(!me.video)}
      >
        <CameraIcon off={!me.video} />
      </Toggle>
      <label className="jp-StudySession-videoCheck">
        <input
          type="checkbox"
          checked={me.audioOnly}
          data-testid="studysession-call-audio-only"
          onChange={event => void model.setAudioOnly(event.target.checked)}
        />
        Audio only
      </label>
      {props.canShareScreen && (
        <Toggle
          on={me.screen}
          quietWhenOff
          label={me.screen ? 'Stop sharing' : 'Share screen'}
          testid="studysession-call-screen"
          onClick={() =>
            void (me.screen ? model.stopScreen() : model.shareScreen())
          }
        >
          <ScreenIcon />
        </Toggle>
      )}
      <DevicePicker
        label="Microphone"
        devices={state.devices.audio}
        value={state.audioDevice}
        onChange={id => void model.chooseDevice('audio', id)}
      />
      <DevicePicker
        label="Camera"
        devices={state.devices.video}
        value={state.videoDevice}
        onChange={id => void model.chooseDevice('video', id)}
      />
      {props.canRecord && (
        <button
          type="button"
          className="jp-StudySession-button"
          data-testid="studysession-call-record"
          onClick={() =>
            void (state.recording
              ? model.stopRecording()
              : model.startRecording())
          }
        >
          {state.recording ? 'Stop recording' : 'Record'}
        </button>
      )}
      <button
        type="button"
        className="jp-StudySession-button jp-mod-reject"
        data-testid="studysession-call-leave"
        onClick={() => void model.leave()}
      >
        Leave call
      </button>
    </div>
  );
}

function Toggle(props: {
  on: boolean;
  label: string;
  testid: string;
  disabled?: boolean;
  /** Off is the usual state (screen sharing): no warning colour. */
  quietWhenOff?: boolean;
  onClick(): void;
  children: React.ReactNode;
}): React.ReactElement {
  return (
    <button
      type="button"
      className={
        'jp-StudySession-button jp-StudySession-videoToggle' +
        (props.on ? ' jp-mod-on' : props.quietWhenOff ? '' : ' jp-mod-off')
      }
      aria-pressed={props.on}
      title={props.label}
      aria-label={props.label}
      data-testid={props.testid}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

function DevicePicker(props: {
  label: string;
  devices: readonly MediaDeviceInfo[];
  value: string | null;
  onChange(deviceId: string): void;
}): React.ReactElement | null {
  if (props.devices.length < 2) {
    return null;
  }
  return (
    <label className="jp-StudySession-videoDevice">
      <span className="jp-StudySession-visuallyHidden">{props.label}</span>
      <select
        value={props.value ?? props.devices[0]?.deviceId}
        onChange={event => props.onChange(event.target.value)}
      >
        {props.devices.map((device, index) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label || `${props.label} ${index + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}

function Tile(props: {
  member: ICallMember;
  mine: boolean;
  stream: MediaStream | null;
  showVideo: boolean;
  speaking: boolean;
  /** The audio level, 0..1 (in `data-level`, for tests and styles). */
  level: number;
  canModerate: boolean;
  onMute(): void;
}): React.ReactElement {
  const { member } = props;
  const video = member.video && props.showVideo && props.stream !== null;
  return (
    <li
      className={
        'jp-StudySession-tile' + (props.speaking ? ' jp-mod-speaking' : '')
      }
      data-testid="studysession-tile"
      data-username={member.username}
      data-audio={String(member.audio)}
      data-video={String(member.video)}
      data-level={props.level.toFixed(3)}
    >
      {video ? (
        <MediaView
          stream={props.stream}
          muted={props.mine}
          mirror={props.mine}
        />
      ) : (
        <div className="jp-StudySession-tileAvatar" aria-hidden="true">
          {member.display_name.slice(0, 1).toUpperCase()}
        </div>
      )}
      <span className="jp-StudySession-tileName">
        {member.display_name}
        {props.mine ? ' (you)' : ''}
        <span
          className="jp-StudySession-tileIcons"
          aria-label={`${member.audio ? 'microphone on' : 'muted'}, ${
            member.video ? 'camera on' : 'camera off'
          }`}
        >
          <MicIcon off={!member.audio} />
          <CameraIcon off={!member.video} />
        </span>
      </span>
      {props.canModerate && member.audio && (
        <button
          type="button"
          className="jp-StudySession-linkButton jp-StudySession-tileAction"
          onClick={props.onMute}
        >
          Mute
        </button>
      )}
    </li>
  );
}

/** A `<video>` playing a stream (muted: one's own camera, or a screen). */
function MediaView(props: {
  stream: MediaStream | null;
  muted?: boolean;
  mirror?: boolean;
}): React.ReactElement {
  const ref = React.useRef<HTMLVideoElement>(null);
  React.useEffect(() => {
    const element = ref.current;
    if (element !== null && element.srcObject !== props.stream) {
      element.srcObject = props.stream;
    }
  }, [props.stream]);
  return (
    <video
      ref={ref}
      autoPlay
      playsInline
      muted={props.muted}
      className={props.mirror ? 'jp-mod-mirror' : undefined}
    />
  );
}

/** Plays someone's audio (hidden). */
function AudioSink(props: { stream: MediaStream }): React.ReactElement {
  const ref = React.useRef<HTMLAudioElement>(null);
  React.useEffect(() => {
    if (ref.current !== null) {
      ref.current.srcObject = props.stream;
    }
  }, [props.stream]);
  return <audio ref={ref} autoPlay data-testid="studysession-call-audio" />;
}

function RecordingBadge(props: { recording: IRecording }): React.ReactElement {
  return (
    <span
      className="jp-StudySession-recording"
      role="status"
      data-testid="studysession-recording"
      title={`Recording since ${new Date(props.recording.started_at).toLocaleTimeString()}`}
    >
      ● Recording
    </span>
  );
}

/**
 * The session's recordings, for its summary: length and, for those who may
 * (the host, course staff), a download link per file.
 */
export function RecordingList(props: {
  sessionId: string;
  api: ICallApi;
  canDownload: boolean;
}): React.ReactElement | null {
  const { sessionId, api } = props;
  const [recordings, setRecordings] = React.useState<IRecording[]>([]);
  React.useEffect(() => {
    let live = true;
    api
      .listRecordings(sessionId)
      .then(items => live && setRecordings(items))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [sessionId, api]);
  if (recordings.length === 0) {
    return null;
  }
  return (
    <section
      className="jp-StudySession-roomUI jp-StudySession-recordings"
      data-testid="studysession-recordings"
    >
      <h4>Recordings</h4>
      <ul>
        {recordings.map(recording => (
          <li key={recording.id}>
            {new Date(recording.started_at).toLocaleString()},{' '}
            {recording.duration_seconds === null
              ? 'recording'
              : formatDuration(recording.duration_seconds)}
            {recording.deleted_at !== null && ' (files deleted)'}
            {props.canDownload && recording.deleted_at === null && (
              <ul>
                {recording.files.map(file => (
                  <li key={file.name}>
                    <a
                      href={api.fileUrl(sessionId, recording.id, file.name)}
                      download={file.name}
                    >
                      {file.name}
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
