/**
 * A subscription to a realtime channel as its listener sees it, and the
 * sequence numbers that tell missed events from duplicates when it resumes.
 */
import type { RealtimeError, RealtimeEvent } from './realtimeProtocol';

/** A channel's (re)subscription, as acknowledged by the server. */
export interface ISubscriptionStatus {
  channel: string;
  /** The last `seq` delivered on the channel. */
  seq: number;
  /** Events were lost (pruned by the server): reload the state over REST. */
  reset: boolean;
  /** Whether this continues an earlier subscription (after a reconnect). */
  resumed: boolean;
}

/** What a subscription tells. Only `event` is required. */
export interface IChannelListener {
  /**
   * Each event of the channel, in order, once. Events of types this client
   * does not know may arrive too: ignore them.
   */
  event(event: RealtimeEvent): void;
  /** After the server acknowledged each (re)subscription. */
  subscribed?(status: ISubscriptionStatus): void;
  /** The server refused the channel; the subscription is over. */
  failed?(error: RealtimeError): void;
}

/** One listener's hold on a channel; dispose it to stop listening. */
export class RealtimeSubscription {
  constructor(
    readonly channel: string,
    ready: Promise<ISubscriptionStatus>,
    private readonly _release: (subscription: RealtimeSubscription) => void
  ) {
    this.ready = ready;
    // a refused channel also reaches `listener.failed`: no unhandled rejection
    ready.catch(() => undefined);
  }

  /**
   * Resolves with the first acknowledged subscription; rejects with a
   * `RealtimeError` if the server refuses the channel (`forbidden`, ...) or
   * the subscription or client is disposed first.
   */
  readonly ready: Promise<ISubscriptionStatus>;

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._release(this);
  }

  private _isDisposed = false;
}

/**
 * The last sequence number seen on one channel, which tells new events from
 * the ones already delivered.
 */
export class SequenceTracker {
  /** `null` until the first durable event or subscribe ack. */
  get lastSeq(): number | null {
    return this._lastSeq;
  }

  /**
   * Whether an event with this `seq` is to be delivered: ephemeral events
   * (`null`) always, durable ones only when newer than the last one seen.
   */
  accept(seq: number | null): boolean {
    if (seq === null) {
      return true;
    }
    if (this._lastSeq !== null && seq <= this._lastSeq) {
      return false;
    }
    this._lastSeq = seq;
    return true;
  }

  /** Take the `seq` of a subscribe ack: the channel continues after it. */
  acknowledge(seq: number): void {
    this._lastSeq = Math.max(this._lastSeq ?? 0, seq);
  }

  private _lastSeq: number | null = null;
}
