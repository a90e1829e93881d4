/**
 * One tab's part in a session's call: its single peer connection to the
 * server's media server, its camera, microphone and screen, what it receives
 * of the others, and the call as the room sees it.
 *
 * The server makes every offer (at `rtc.join`, then `rtc.offer` events when
 * the room changes); the tab answers. Toggles need no renegotiation: tracks
 * are swapped in place (`replaceTrack`) and the server is told (`rtc.state`),
 * which stops forwarding what is off. Trickled ICE candidates go up as
 * `rtc.candidate`.
 */
import type { RealtimeEvent } from '../../common/realtimeProtocol';
import { Store, errorMessage } from '../../common/store';
import type { IRoomClient } from '../roomModel';
import type {
  ICall,
  ICallApi,
  ICallMember,
  ICallState,
  IOffer,
  IRecording,
  ISlot,
  Source
} from './callApi';
import {
  activeSpeaker,
  audioLevels,
  IAudioReport,
  mediaErrorMessage,
  upsertMember
} from './callState';
import { captureTrack, listInputs } from './devices';

/** What the tab receives of one other person. */
export interface IRemoteMedia {
  audio: MediaStream | null;
  camera: MediaStream | null;
  screen: MediaStream | null;
}

export interface ICallSnapshot {
  /** `idle`: not in the call (the room still shows who is). */
  readonly phase: 'idle' | 'joining' | 'in-call';
  /** Whether the server offers calls. */
  readonly available: boolean;
  /** Everyone in the call, as the server says. */
  readonly members: readonly ICallMember[];
  /** What this tab sends and wants. */
  readonly me: {
    audio: boolean;
    video: boolean;
    screen: boolean;
    audioOnly: boolean;
  };
  readonly camera: MediaStream | null;
  readonly screen: MediaStream | null;
  readonly remote: Readonly<Record<string, IRemoteMedia>>;
  /** Audio levels 0..1 by username (mine included), from `getStats`. */
  readonly levels: Readonly<Record<string, number>>;
  readonly speaker: string | null;
  readonly recording: IRecording | null;
  /** Something to tell the user (a refused camera, the host muted you, ...). */
  readonly notice: string | null;
  readonly devices: {
    audio: readonly MediaDeviceInfo[];
    video: readonly MediaDeviceInfo[];
  };
  readonly audioDevice: string | null;
  readonly videoDevice: string | null;
  readonly busy: boolean;
}

export interface ICallModelOptions {
  sessionId: string;
  me: string;
  client: IRoomClient;
  api: ICallApi;
  /** `navigator.mediaDevices` by default. */
  mediaDevices?: MediaDevices;
  /** How often audio levels are read (ms). */
  levelIntervalMs?: number;
}

export class CallModel extends Store<ICallSnapshot> {
  constructor(options: ICallModelOptions) {
    super({
      phase: 'idle',
      available: true,
      members: [],
      me: { audio: false, video: false, screen: false, audioOnly: false },
      camera: null,
      screen: null,
      remote: {},
      levels: {},
      speaker: null,
      recording: null,
      notice: null,
      devices: { audio: [], video: [] },
      audioDevice: null,
      videoDevice: null,
      busy: false
    });
    this.sessionId = options.sessionId;
    this.username = options.me;
    this._client = options.client;
    this._api = options.api;
    this._media = options.mediaDevices ?? globalThis.navigator?.mediaDevices;
    this._levelIntervalMs = options.levelIntervalMs ?? 300;
    this._subscription = this._client.subscribe(`session:${this.sessionId}`, {
      event: event => this._onEvent(event),
      subscribed: () => void this.reload()
    });
  }

  readonly sessionId: string;
  readonly username: string;

  /** Load the call as it is (who is in it, the recording). */
  async reload(): Promise<void> {
    try {
      const call: ICall = await this._api.getCall(this.sessionId);
      this.set({
        available: call.available,
        members: call.members,
        recording: call.recording
      });
      this._iceServers = call.ice_servers;
    } catch (error) {
      this.set({ notice: errorMessage(error) });
    }
  }

  /** Is `username` in the call, and with what on. */
  memberOf(username: string): ICallMember | undefined {
    return this.state.members.find(m => m.username === username);
  }

  // -- joining and leaving ---------------------------------------------------------

  /** Enter the call: ask for the microphone (and camera), then connect. */
  async join(options: { audioOnly?: boolean } = {}): Promise<void> {
    if (this.state.phase !== 'idle') {
      return;
    }
    const audioOnly = options.audioOnly ?? false;
    this.set({ phase: 'joining', busy: true, notice: null });
    const notices: string[] = [];
    const audio = await this._capture('microphone', notices);
    const camera = audioOnly ? null : await this._capture('camera', notices);
    this._tracks.audio = audio;
    this._tracks.camera = camera;
    try {
      const { offer, call } = await this._client.request('rtc.join', {
        session_id: this.sessionId,
        audio: audio !== null,
        video: camera !== null,
        receive_video: !audioOnly
      });
      this._iceServers = call.ice_servers;
      this._pc = this._connect();
      this.set({
        phase: 'in-call',
        members: call.members,
        recording: call.recording,
        me: {
          audio: audio !== null,
          video: camera !== null,
          screen: false,
          audioOnly
        },
        camera: camera ? new MediaStream([camera]) : null,
        notice: notices.length ? notices.join(' ') : null
      });
      await this._negotiate(offer);
      void this._listDevices();
      this._levelsTimer = setInterval(
        () => void this._readLevels(),
        this._levelIntervalMs
      );
    } catch (error) {
      this._teardown();
      this.set({ notice: errorMessage(error) });
    } finally {
      this.set({ busy: false });
    }
  }

  async leave(): Promise<void> {
    if (this.state.phase === 'idle') {
      return;
    }
    this._teardown();
    try {
      await this._client.request('rtc.leave', { session_id: this.sessionId });
    } catch {
      // the server ends the call when the tab goes anyway
    }
  }

  // -- what this tab sends -----------------------------------------------------------

  async setMicrophone(on: boolean): Promise<void> {
    if (on && this._tracks.audio === null) {
      const track = await this._capture('microphone', []);
      if (track === null) {
        return;
      }
      this._tracks.audio = track;
      await this._sender('audio')?.replaceTrack(track);
    }
    if (this._tracks.audio !== null) {
      this._tracks.audio.enabled = on;
    }
    await this._tell({ audio: on }, { audio: on });
  }

  async setCamera(on: boolean): Promise<void> {
    if (on) {
      const track = await this._capture('camera', []);
      if (track === null) {
        return;
      }
      this._replace('camera', track);
      await this._sender('camera')?.replaceTrack(track);
      this.set({ camera: new MediaStream([track]) });
    } else {
      await this._sender('camera')?.replaceTrack(null);
      this._replace('camera', null);
      this.set({ camera: null });
    }
    await this._tell({ video: on }, { video: on });
  }

  /** Audio-only: no camera out, no video in (saves bandwidth). */
  async setAudioOnly(on: boolean): Promise<void> {
    if (on && this.state.me.video) {
      await this.setCamera(false);
    }
    await this._tell({ receive_video: !on }, { audioOnly: on });
  }

  async shareScreen(): Promise<void> {
    let track: MediaStreamTrack | undefined;
    try {
      const stream = await this._media.getDisplayMedia({ video: true });
      track = stream.getVideoTracks()[0];
    } catch (error) {
      this.set({ notice: mediaErrorMessage(error, 'screen') });
      return;
    }
    if (track === undefined) {
      return;
    }
    track.addEventListener('ended', () => void this.stopScreen());
    this._replace('screen', track);
    await this._sender('screen')?.replaceTrack(track);
    this.set({ screen: new MediaStream([track]) });
    await this._tell({ screen: true }, { screen: true });
  }

  async stopScreen(): Promise<void> {
    if (this._tracks.screen === null) {
      return;
    }
    await this._sender('screen')?.replaceTrack(null);
    this._replace('screen', null);
    this.set({ screen: null });
    await this._tell({ screen: false }, { screen: false });
  }

  /** Use another microphone or camera. */
  async chooseDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    this.set(
      kind === 'audio' ? { audioDevice: deviceId } : { videoDevice: deviceId }
    );
    if (kind === 'audio' && this._tracks.audio !== null) {
      const track = await this._capture('microphone', []);
      if (track !== null) {
        track.enabled = this.state.me.audio;
        this._replace('audio', track);
        await this._sender('audio')?.replaceTrack(track);
      }
    } else if (kind === 'video' && this.state.me.video) {
      await this.setCamera(true);
    }
  }

  // -- a host's actions ------------------------------------------------------------

  askToMute(username: string): Promise<void> {
    return this._op(() =>
      this._client.request('rtc.mute', { session_id: this.sessionId, username })
    );
  }

  stopShareOf(username: string): Promise<void> {
    return this._op(() =>
      this._client.request('rtc.stop_share', {
        session_id: this.sessionId,
        username
      })
    );
  }

  startRecording(): Promise<void> {
    return this._op(async () => {
      const recording = await this._client.request('rtc.record_start', {
        session_id: this.sessionId
      });
      this.set({ recording });
    });
  }

  stopRecording(): Promise<void> {
    return this._op(async () => {
      await this._client.request('rtc.record_stop', {
        session_id: this.sessionId
      });
      this.set({ recording: null });
    });
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    void this.leave();
    this._subscription.dispose();
    super.dispose();
  }

  // -- internals -------------------------------------------------------------------

  private async _capture(
    kind: 'microphone' | 'camera',
    notices: string[]
  ): Promise<MediaStreamTrack | null> {
    const device =
      kind === 'microphone' ? this.state.audioDevice : this.state.videoDevice;
    try {
      return await captureTrack(this._media, kind, device);
    } catch (error) {
      const message = mediaErrorMessage(error, kind);
      notices.push(message);
      if (notices.length === 1 && this.state.phase === 'in-call') {
        this.set({ notice: message });
      }
      return null;
    }
  }

  private _connect(): RTCPeerConnection {
    const pc = new RTCPeerConnection({ iceServers: this._iceServers });
    pc.addEventListener('icecandidate', event => {
      void this._client
        .request('rtc.candidate', {
          session_id: this.sessionId,
          candidate: event.candidate?.candidate ?? '',
          sdp_mid: event.candidate?.sdpMid ?? null
        })
        .catch(() => undefined);
    });
    pc.addEventListener('track', () => this._updateRemote());
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' && this._pc === pc) {
        this.set({
          notice:
            'The connection to the media server failed (a firewall may block it; see the documentation on TURN). Leave and join the call again.'
        });
      }
    });
    return pc;
  }

  /** Apply an offer of the server and answer it; offers are applied in order. */
  private _negotiate(offer: IOffer): Promise<void> {
    this._negotiation = this._negotiation.then(async () => {
      const pc = this._pc;
      if (pc === null) {
        return;
      }
      this._slots = new Map(offer.slots.map(slot => [slot.mid, slot]));
      this._publish = offer.publish;
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      for (const source of ['audio', 'camera', 'screen'] as Source[]) {
        const transceiver = this._transceiver(source);
        if (transceiver !== null) {
          transceiver.direction = 'sendonly';
          await transceiver.sender.replaceTrack(this._tracks[source]);
        }
      }
      await pc.setLocalDescription(await pc.createAnswer());
      await this._client.request('rtc.answer', {
        session_id: this.sessionId,
        sdp: pc.localDescription!.sdp
      });
      this._updateRemote();
    });
    this._negotiation = this._negotiation.catch(error =>
      this.set({ notice: errorMessage(error) })
    );
    return this._negotiation;
  }

  private _transceiver(source: Source): RTCRtpTransceiver | null {
    const mid = this._publish?.[source];
    return this._pc?.getTransceivers().find(t => t.mid === mid) ?? null;
  }

  private _sender(source: Source): RTCRtpSender | null {
    return this._transceiver(source)?.sender ?? null;
  }

  private _replace(source: Source, track: MediaStreamTrack | null): void {
    const old = this._tracks[source];
    if (old !== null && old !== track) {
      old.stop();
    }
    this._tracks[source] = track;
  }

  /** Rebuild who-sends-what from the transceivers and the latest slots. */
  private _updateRemote(): void {
    const pc = this._pc;
    if (pc === null) {
      return;
    }
    const remote: Record<string, IRemoteMedia> = {};
    for (const transceiver of pc.getTransceivers()) {
      const slot: ISlot | undefined = this._slots.get(transceiver.mid ?? '');
      if (slot === undefined || transceiver.currentDirection === 'inactive') {
        continue;
      }
      const track = transceiver.receiver.track;
      let stream = this._streams.get(track);
      if (stream === undefined) {
        stream = new MediaStream([track]);
        this._streams.set(track, stream);
      }
      const media = (remote[slot.username] ??= {
        audio: null,
        camera: null,
        screen: null
      });
      media[slot.source] = stream;
    }
    this.set({ remote });
  }

  private async _readLevels(): Promise<void> {
    const pc = this._pc;
    if (pc === null) {
      return;
    }
    const reports: IAudioReport[] = [];
    (await pc.getStats()).forEach(report => reports.push(report));
    const levels = audioLevels(
      reports,
      this._slots,
      this.username,
      this.state.me.audio
    );
    this.set({ levels, speaker: activeSpeaker(levels, this.state.speaker) });
  }

  private async _listDevices(): Promise<void> {
    const devices = await listInputs(this._media);
    if (devices !== null) {
      this.set({ devices });
    }
  }

  /** Tell the server, then show it. */
  private async _tell(
    change: ICallState,
    mine: Partial<ICallSnapshot['me']>
  ): Promise<void> {
    this.set({ me: { ...this.state.me, ...mine } });
    if (this.state.phase !== 'in-call') {
      return;
    }
    await this._op(async () => {
      const member = await this._client.request('rtc.state', {
        session_id: this.sessionId,
        ...change
      });
      this.set({ members: upsertMember(this.state.members, member) });
    });
  }

  private async _op(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.set({ notice: errorMessage(error) });
    }
  }

  private _onEvent(event: RealtimeEvent): void {
    switch (event.type) {
      case 'rtc.offer':
        void this._negotiate(event.data);
        break;
      case 'rtc.ended':
        this._teardown();
        this.set({ notice: event.data.message });
        break;
      case 'rtc.mute_requested':
        if (this._tracks.audio !== null) {
          this._tracks.audio.enabled = false;
        }
        this.set({
          me: { ...this.state.me, audio: false },
          notice: `${event.data.by} muted your microphone. Unmute it when you want to speak.`
        });
        break;
      case 'rtc.share_stopped':
        void this._sender('screen')?.replaceTrack(null);
        this._replace('screen', null);
        this.set({
          screen: null,
          me: { ...this.state.me, screen: false },
          notice: `${event.data.by} stopped your screen share.`
        });
        break;
      case 'rtc.member':
        this.set({
          members: upsertMember(this.state.members, event.data.member)
        });
        break;
      case 'rtc.left': {
        const { [event.data.username]: _gone, ...remote } = this.state.remote;
        this.set({
          members: this.state.members.filter(
            m => m.username !== event.data.username
          ),
          remote
        });
        break;
      }
      case 'recording.started':
        this.set({
          recording: event.data.recording,
          notice: `${event.data.by} started recording the call.`
        });
        break;
      case 'recording.stopped':
        this.set({ recording: null, notice: event.data.message });
        break;
      case 'session.ended':
      case 'session.cancelled':
        this._teardown();
        this.set({ members: [] });
        break;
      default:
        break;
    }
  }

  private _teardown(): void {
    if (this._levelsTimer !== null) {
      clearInterval(this._levelsTimer);
      this._levelsTimer = null;
    }
    this._pc?.close();
    this._pc = null;
    for (const source of ['audio', 'camera', 'screen'] as Source[]) {
      this._replace(source, null);
    }
    this._streams = new WeakMap();
    this._slots = new Map();
    this._publish = null;
    this.set({
      phase: 'idle',
      camera: null,
      screen: null,
      remote: {},
      levels: {},
      speaker: null,
      members: this.state.members.filter(m => m.username !== this.username),
      me: { audio: false, video: false, screen: false, audioOnly: false }
    });
  }

  private readonly _client: IRoomClient;
  private readonly _api: ICallApi;
  private readonly _media: MediaDevices;
  private readonly _levelIntervalMs: number;
  private readonly _subscription: { dispose(): void };
  private _iceServers: RTCIceServer[] = [];
  private _pc: RTCPeerConnection | null = null;
  private _tracks: Record<Source, MediaStreamTrack | null> = {
    audio: null,
    camera: null,
    screen: null
  };
  private _slots = new Map<string, ISlot>();
  private _publish: Record<Source, string> | null = null;
  private _streams = new WeakMap<MediaStreamTrack, MediaStream>();
  private _negotiation: Promise<void> = Promise.resolve();
  private _levelsTimer: ReturnType<typeof setInterval> | null = null;
}
