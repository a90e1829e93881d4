/**
 * The typed client of the realtime protocol (`docs/realtime.md`): one
 * websocket to `<baseUrl>studysession/api/ws` that reconnects by itself,
 * resumes every subscribed channel where it left off and answers ops with
 * promises.
 *
 * ```ts
 * const client = new RealtimeClient();
 * client.connect();
 * const sub = client.subscribe(`session:${id}`, {
 *   event: event => { ... },
 *   subscribed: status => { if (status.reset) { reloadOverRest(); } }
 * });
 * await client.request('chat.send', { session_id: id, text: 'Hi' });
 * sub.dispose();
 * ```
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import {
  DEFAULT_BACKOFF,
  IBackoffOptions,
  backoffDelay
} from './realtimeBackoff';
import {
  DISCONNECTED_CODE,
  DISPOSED_CODE,
  type IRealtimeEvents,
  type OpName,
  type OpPayload,
  type OpResult,
  type RealtimeEvent,
  RealtimeError,
  TIMEOUT_CODE,
  parseServerFrame
} from './realtimeProtocol';
import {
  IChannelListener,
  ISubscriptionStatus,
  RealtimeSubscription,
  SequenceTracker
} from './realtimeSubscription';

export * from './realtimeBackoff';
export * from './realtimeProtocol';
export * from './realtimeSubscription';

/** The websocket's path, relative to the base URL. */
export const REALTIME_PATH = 'studysession/api/ws';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface IRealtimeClientOptions {
  /** The server to connect to; the page's own by default. */
  settings?: ServerConnection.ISettings;
  /** The WebSocket constructor; the settings' one (the browser's) by default. */
  WebSocket?: typeof WebSocket;
  /** How long an op waits for its ack (ms); 10 s by default. */
  requestTimeoutMs?: number;
  /**
   * How often to send `heartbeat` while open (ms). By default every 15 s, or
   * as often as the server's heartbeat acks ask (`interval_seconds`).
   */
  heartbeatIntervalMs?: number;
  /** Reconnection delays; `DEFAULT_BACKOFF` by default. */
  backoff?: Partial<IBackoffOptions>;
  /** The random source of the jitter; `Math.random` by default. */
  random?: () => number;
}

/** An op waiting for its ack. */
interface IPendingOp {
  op: string;
  frame: string;
  resolve: (data: unknown) => void;
  reject: (error: RealtimeError) => void;
  timer: ReturnType<typeof setTimeout>;
  /** The socket it was sent on; `null` while it waits for one. */
  sentOn: WebSocket | null;
}

interface IHolder {
  listener: IChannelListener;
  settled: boolean;
  resolve: (status: ISubscriptionStatus) => void;
  reject: (error: RealtimeError) => void;
}

/** One channel the client follows, whatever the number of listeners. */
interface IChannelEntry {
  name: string;
  holders: Map<RealtimeSubscription, IHolder>;
  sequence: SequenceTracker;
  /** The ack on the current socket; `null` until then. */
  status: ISubscriptionStatus | null;
  /** Whether the server acknowledged it once (later ones are resumes). */
  everSubscribed: boolean;
  /** Tells the current subscribe request from stale ones. */
  generation: number;
  /** Retries of a subscribe that failed for a passing reason. */
  failures: number;
  retryTimer: ReturnType<typeof setTimeout> | null;
}

const OPEN = 1; // WebSocket.OPEN, the same in browsers and `ws`

/** Error codes after which a subscribe is tried again on the same socket. */
const TRANSIENT_CODES = new Set([
  TIMEOUT_CODE,
  'rate_limited',
  'internal_error'
]);

/**
 * The realtime connection of one browser tab.
 *
 * Nothing happens until `connect()`; from then on the client keeps a socket
 * open (reconnecting with backoff) until it is disposed. Ops and
 * subscriptions may be made at any time: they wait for the socket.
 */
export class RealtimeClient {
  constructor(options: IRealtimeClientOptions = {}) {
    this._settings = options.settings ?? ServerConnection.makeSettings();
    this._WebSocket = options.WebSocket ?? this._settings.WebSocket;
    this._requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this._heartbeatIntervalMs = options.heartbeatIntervalMs ?? 15_000;
    this._followServerInterval = options.heartbeatIntervalMs === undefined;
    this._backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this._random = options.random ?? Math.random;
  }

  /** The websocket URL, with `?token=` when the settings carry a token to append. */
  get url(): string {
    const url = URLExt.join(this._settings.wsUrl, REALTIME_PATH);
    const token = this._settings.token;
    if (this._settings.appendToken && token !== '') {
      return `${url}?token=${encodeURIComponent(token)}`;
    }
    return url;
  }

  get connectionState(): ConnectionState {
    return this._state;
  }

  /** Emitted with the new state whenever it changes. */
  get connectionStateChanged(): ISignal<this, ConnectionState> {
    return this._stateChanged;
  }

  /** Failed connection attempts since the socket was last open. */
  get reconnectAttempt(): number {
    return this._attempt;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Whether the user has left this tab alone for a while; sent with each heartbeat. */
  get idle(): boolean {
    return this._idle;
  }
  set idle(idle: boolean) {
    this._idle = idle;
  }

  /** The last `seq` delivered on `channel`, `null` if none (or not followed). */
  lastSeq(channel: string): number | null {
    return this._channels.get(channel)?.sequence.lastSeq ?? null;
  }

  /** Start connecting; the client then stays connected until disposed. */
  connect(): void {
    if (this._isDisposed || this._started) {
      return;
    }
    this._started = true;
    this._open();
  }

  /**
   * Send an op and resolve with its ack's `data`.
   *
   * @throws {RealtimeError} (the promise rejects) on an error ack, when no
   *   ack comes within `timeoutMs`, when the socket drops after sending, or
   *   when the client is disposed. An op made while the socket is not open
   *   waits for it, within the same timeout. Follow channels with
   *   `subscribe()`: the events of a `subscribe` op sent here are dropped.
   */
  request<K extends OpName>(
    op: K,
    payload: OpPayload<K>,
    options: { timeoutMs?: number } = {}
  ): Promise<OpResult<K>> {
    return this._request(op, payload, options.timeoutMs) as Promise<
      OpResult<K>
    >;
  }

  /**
   * Follow `channel` (`session:<id>`, `user:<name>`, ...). Several listeners
   * of one channel share one server subscription.
   *
   * After a reconnect, the channel is subscribed again from the last `seq`
   * seen: the listener gets the missed events in order, once each, then
   * `subscribed` with `resumed: true` (and `reset: true` if some are lost).
   */
  subscribe(
    channel: string,
    listener: IChannelListener | ((event: RealtimeEvent) => void)
  ): RealtimeSubscription {
    const holder: IHolder = {
      listener: typeof listener === 'function' ? { event: listener } : listener,
      settled: false,
      resolve: () => undefined,
      reject: () => undefined
    };
    const ready = new Promise<ISubscriptionStatus>((resolve, reject) => {
      holder.resolve = resolve;
      holder.reject = reject;
    });
    const subscription = new RealtimeSubscription(channel, ready, s =>
      this._release(s)
    );
    if (this._isDisposed) {
      this._settle(holder, this._disposedError());
      return subscription;
    }
    let entry = this._channels.get(channel);
    if (entry === undefined) {
      entry = {
        name: channel,
        holders: new Map(),
        sequence: new SequenceTracker(),
        status: null,
        everSubscribed: false,
        generation: 0,
        failures: 0,
        retryTimer: null
      };
      this._channels.set(channel, entry);
      entry.holders.set(subscription, holder);
      if (this._isOpen()) {
        this._subscribeChannel(entry);
      }
    } else {
      entry.holders.set(subscription, holder);
      const status = entry.status;
      if (status !== null) {
        // already live: this listener continues from here
        void Promise.resolve().then(() => {
          if (!subscription.isDisposed && entry?.holders.has(subscription)) {
            this._settle(holder, status);
            this._call(() => holder.listener.subscribed?.(status));
          }
        });
      }
    }
    return subscription;
  }

  /** Close the socket for good: stop reconnecting, reject what is pending. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._retryTimer !== null) {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    const socket = this._socket;
    if (socket !== null) {
      this._detach(socket);
      socket.close();
    }
    const error = this._disposedError();
    for (const [id, pending] of this._pending) {
      this._pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    for (const entry of this._channels.values()) {
      this._clearRetry(entry);
      for (const holder of entry.holders.values()) {
        this._settle(holder, error);
      }
    }
    this._channels.clear();
    this._setState('closed');
    Signal.clearData(this);
  }

  // -- the socket --------------------------------------------------------------

  private _open(): void {
    this._retryTimer = null;
    if (this._isDisposed) {
      return;
    }
    this._setState('connecting');
    let socket: WebSocket;
    try {
      socket = new this._WebSocket(this.url);
    } catch {
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.onopen = () => this._onOpen(socket);
    socket.onmessage = event => this._onMessage(socket, event.data);
    socket.onclose = () => this._onClose(socket);
    // an error is always followed by a close, which does the work
    socket.onerror = () => undefined;
  }

  private _onOpen(socket: WebSocket): void {
    if (socket !== this._socket) {
      return;
    }
    this._attempt = 0;
    this._setState('open');
    this._startHeartbeat(socket);
    // channels first, so that the events caused by queued ops are received
    for (const entry of this._channels.values()) {
      this._subscribeChannel(entry);
    }
    for (const pending of this._pending.values()) {
      if (pending.sentOn === null) {
        this._send(pending);
      }
    }
    // presence counts the tab from its first heartbeat
    this._heartbeat(socket);
  }

  private _onClose(socket: WebSocket): void {
    if (socket !== this._socket) {
      return;
    }
    this._detach(socket);
    for (const [id, pending] of this._pending) {
      if (pending.sentOn === socket) {
        this._pending.delete(id);
        clearTimeout(pending.timer);
        pending.reject(
          new RealtimeError(
            `The connection closed before the answer to ${pending.op}.`,
            DISCONNECTED_CODE
          )
        );
      }
    }
    for (const entry of this._channels.values()) {
      entry.status = null;
      this._clearRetry(entry);
    }
    this._setState('closed');
    this._scheduleReconnect();
  }

  /** Forget `socket`: its later events are ignored. */
  private _detach(socket: WebSocket): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    // kept: closing a socket that is still connecting fails it, and `ws` (in
    // Node) throws an error event that nobody listens to
    socket.onerror = () => undefined;
    if (socket === this._socket) {
      this._socket = null;
    }
    if (this._heartbeatTimer !== null) {
      clearInterval(this._heartbeatTimer);
      this._heartbeatTimer = null;
    }
  }

  private _scheduleReconnect(): void {
    if (this._isDisposed) {
      return;
    }
    this._setState('closed');
    const delay = backoffDelay(this._attempt, this._backoff, this._random);
    this._attempt += 1;
    this._retryTimer = setTimeout(() => this._open(), delay);
  }

  private _startHeartbeat(socket: WebSocket): void {
    if (this._heartbeatTimer !== null) {
      clearInterval(this._heartbeatTimer);
    }
    this._heartbeatTimer = setInterval(
      () => this._heartbeat(socket),
      this._heartbeatIntervalMs
    );
  }

  private _heartbeat(socket: WebSocket): void {
    this.request('heartbeat', { idle: this._idle }).then(
      result => {
        const seconds = result?.interval_seconds;
        const ms = typeof seconds === 'number' ? seconds * 1000 : NaN;
        if (
          this._followServerInterval &&
          ms >= 1000 &&
          ms !== this._heartbeatIntervalMs &&
          socket === this._socket
        ) {
          this._heartbeatIntervalMs = ms;
          this._startHeartbeat(socket);
        }
      },
      (error: unknown) => {
        // no answer: the connection is dead even if the socket does not know it yet
        if (
          error instanceof RealtimeError &&
          error.code === TIMEOUT_CODE &&
          socket === this._socket
        ) {
          this._onClose(socket);
          socket.close();
        }
        // an error ack (a rate limit, ...) still says the server is there
      }
    );
  }

  private _isOpen(): boolean {
    return this._socket !== null && this._state === 'open';
  }

  private _setState(state: ConnectionState): void {
    if (state !== this._state) {
      this._state = state;
      this._stateChanged.emit(state);
    }
  }

  // -- ops -------------------------------------------------------------------

  private _request(
    op: string,
    payload: object,
    timeoutMs: number | undefined
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) =>
      this._sendOp(op, payload, timeoutMs, resolve, reject)
    );
  }

  /**
   * Send an op; `resolve` or `reject` is called when its ack arrives, right
   * away (the promise of `request` waits for a microtask; the channels'
   * bookkeeping does not).
   */
  private _sendOp(
    op: string,
    payload: object,
    timeoutMs: number | undefined,
    resolve: (data: unknown) => void,
    reject: (error: RealtimeError) => void
  ): void {
    if (this._isDisposed) {
      reject(this._disposedError());
      return;
    }
    const id = ++this._nextId;
    const timeout = timeoutMs ?? this._requestTimeoutMs;
    const timer = setTimeout(() => {
      this._pending.delete(id);
      reject(
        new RealtimeError(
          `No answer to ${op} within ${timeout} ms.`,
          TIMEOUT_CODE
        )
      );
    }, timeout);
    const pending: IPendingOp = {
      op,
      frame: JSON.stringify({ ...payload, id, op }),
      resolve,
      reject,
      timer,
      sentOn: null
    };
    this._pending.set(id, pending);
    if (this._isOpen()) {
      this._send(pending);
    }
  }

  private _send(pending: IPendingOp): void {
    const socket = this._socket;
    if (socket === null || socket.readyState !== OPEN) {
      return; // sent when the next socket opens
    }
    socket.send(pending.frame);
    pending.sentOn = socket;
  }

  private _onMessage(socket: WebSocket, data: unknown): void {
    if (socket !== this._socket) {
      return;
    }
    const frame = parseServerFrame(data);
    if (frame === null) {
      return; // not part of the protocol this client speaks
    }
    if (frame.kind === 'ack') {
      const { ack } = frame;
      const pending =
        typeof ack.re === 'number' ? this._pending.get(ack.re) : undefined;
      if (pending === undefined) {
        return; // its op timed out already
      }
      this._pending.delete(ack.re as number);
      clearTimeout(pending.timer);
      if (ack.ok) {
        pending.resolve(ack.data ?? null);
      } else {
        pending.reject(RealtimeError.fromAck(ack.error));
      }
      return;
    }
    const { event } = frame;
    const entry = this._channels.get(event.channel);
    if (entry === undefined || !entry.sequence.accept(event.seq)) {
      return; // unsubscribed meanwhile, or already delivered
    }
    if (event.type === 'subscription.ended') {
      // access ended (removed, left, deleted): over, as if refused
      const data = event.data as IRealtimeEvents['subscription.ended'];
      this._end(entry, new RealtimeError(data.message, data.reason));
      return;
    }
    for (const holder of [...entry.holders.values()]) {
      this._call(() => holder.listener.event(event as RealtimeEvent));
    }
  }

  // -- channels --------------------------------------------------------------

  private _subscribeChannel(entry: IChannelEntry): void {
    this._clearRetry(entry);
    const generation = ++entry.generation;
    const since = entry.sequence.lastSeq;
    const resumed = entry.everSubscribed;
    const payload =
      since === null ? { channel: entry.name } : { channel: entry.name, since };
    const subscribed = (data: unknown): void => {
      if (!this._isCurrent(entry, generation)) {
        return;
      }
      const result = data as OpResult<'subscribe'>;
      entry.sequence.acknowledge(result.seq);
      const status: ISubscriptionStatus = {
        channel: entry.name,
        seq: entry.sequence.lastSeq ?? result.seq,
        reset: result.reset,
        resumed
      };
      entry.status = status;
      entry.everSubscribed = true;
      entry.failures = 0;
      for (const holder of [...entry.holders.values()]) {
        this._settle(holder, status);
        this._call(() => holder.listener.subscribed?.(status));
      }
    };
    const refused = (error: RealtimeError): void => {
      if (!this._isCurrent(entry, generation)) {
        return;
      }
      if (error.code === DISCONNECTED_CODE || error.code === DISPOSED_CODE) {
        return; // subscribed again when the next socket opens
      }
      if (TRANSIENT_CODES.has(error.code)) {
        const delay =
          error.retryAfter !== null
            ? error.retryAfter * 1000
            : backoffDelay(entry.failures, this._backoff, this._random);
        entry.failures += 1;
        entry.retryTimer = setTimeout(() => {
          entry.retryTimer = null;
          if (this._isCurrent(entry, generation) && this._isOpen()) {
            this._subscribeChannel(entry);
          }
        }, delay);
        return;
      }
      this._end(entry, error); // refused for good
    };
    // handled synchronously, so that the replayed events, the ack and the
    // live events reach listeners in the order they came
    this._sendOp('subscribe', payload, undefined, subscribed, refused);
  }

  /** The channel is over: forget it, and tell its listeners why. */
  private _end(entry: IChannelEntry, error: RealtimeError): void {
    this._channels.delete(entry.name);
    this._clearRetry(entry);
    for (const holder of [...entry.holders.values()]) {
      this._settle(holder, error);
      this._call(() => holder.listener.failed?.(error));
    }
    entry.holders.clear();
  }

  private _isCurrent(entry: IChannelEntry, generation: number): boolean {
    return (
      !this._isDisposed &&
      this._channels.get(entry.name) === entry &&
      entry.generation === generation
    );
  }

  private _release(subscription: RealtimeSubscription): void {
    const entry = this._channels.get(subscription.channel);
    const holder = entry?.holders.get(subscription);
    if (entry === undefined || holder === undefined) {
      return;
    }
    entry.holders.delete(subscription);
    this._settle(
      holder,
      new RealtimeError('The subscription was disposed.', DISPOSED_CODE)
    );
    if (entry.holders.size > 0) {
      return;
    }
    this._channels.delete(entry.name);
    this._clearRetry(entry);
    if (this._isOpen()) {
      this.request('unsubscribe', { channel: entry.name }).catch(
        () => undefined // the server forgets it with the socket anyway
      );
    }
  }

  private _clearRetry(entry: IChannelEntry): void {
    if (entry.retryTimer !== null) {
      clearTimeout(entry.retryTimer);
      entry.retryTimer = null;
    }
  }

  private _settle(
    holder: IHolder,
    outcome: ISubscriptionStatus | RealtimeError
  ): void {
    if (holder.settled) {
      return;
    }
    holder.settled = true;
    if (outcome instanceof RealtimeError) {
      holder.reject(outcome);
    } else {
      holder.resolve(outcome);
    }
  }

  /** Call a listener; what it throws goes where Lumino sends a slot's errors. */
  private _call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      Signal.getExceptionHandler()(
        error instanceof Error ? error : new Error(String(error))
      );
    }
  }

  private _disposedError(): RealtimeError {
    return new RealtimeError('The realtime client is disposed.', DISPOSED_CODE);
  }

  private readonly _settings: ServerConnection.ISettings;
  private readonly _WebSocket: typeof WebSocket;
  private readonly _requestTimeoutMs: number;
  private _heartbeatIntervalMs: number;
  private readonly _followServerInterval: boolean;
  private _idle = false;
  private readonly _backoff: IBackoffOptions;
  private readonly _random: () => number;
  private readonly _stateChanged = new Signal<this, ConnectionState>(this);
  private readonly _pending = new Map<number, IPendingOp>();
  private readonly _channels = new Map<string, IChannelEntry>();
  private _state: ConnectionState = 'closed';
  private _socket: WebSocket | null = null;
  private _started = false;
  private _isDisposed = false;
  private _attempt = 0;
  private _nextId = 0;
  private _retryTimer: ReturnType<typeof setTimeout> | null = null;
  private _heartbeatTimer: ReturnType<typeof setInterval> | null = null;
}
