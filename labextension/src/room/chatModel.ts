/**
 * The live state of one chat, whatever it belongs to: a session room
 * (`session:<id>`) or a study group (`group:<id>`). The channel brings
 * `chat.message`, `chat.edited`, `chat.deleted` and `typing`; history is paged
 * over REST through the `IChatSource` given by the owner.
 */
import type { IChannelListener, ISubscriptionStatus } from '../common/realtime';
import {
  newIdempotencyKey,
  RealtimeError,
  UNCERTAIN_CODES
} from '../common/realtimeProtocol';
import { errorMessage, Store } from '../common/store';
import {
  ChatMessage,
  ITypingState,
  mergeMessages,
  noteTyping,
  NO_TYPING,
  stopTyping,
  TYPING_SEND_INTERVAL_MS,
  TYPING_VISIBLE_MS
} from './chatState';

/** How many times a send is tried when its answer is uncertain. */
const SEND_TRIES = 3;
/** The pause between two tries of a send (ms). */
const SEND_RETRY_MS = 1000;

/** One page of history, oldest first; `next_before` pages further back. */
export interface IChatPage {
  items: ChatMessage[];
  next_before: string | null;
}

/** How a chat reads and writes its messages; the owner decides where they live. */
export interface IChatSource {
  /** The newest page before the message `before` (the newest page for `null`). */
  loadPage(before: string | null): Promise<IChatPage>;
  /** `key`: the message's idempotency key, the same for every try. */
  send(text: string, key: string): Promise<ChatMessage>;
  edit(messageId: string, text: string): Promise<ChatMessage>;
  /** Delete, leaving a tombstone. */
  remove(messageId: string): Promise<ChatMessage>;
  /** Tell the others that the user is typing; optional. */
  typing?(): Promise<unknown>;
}

/** The part of the realtime client a chat uses. */
export interface IChannelClient {
  subscribe(channel: string, listener: IChannelListener): { dispose(): void };
}

export interface IChatSnapshot {
  /** Loaded messages, oldest first, tombstones included. */
  readonly messages: readonly ChatMessage[];
  /** Whether older messages exist on the server. */
  readonly hasOlder: boolean;
  /** What is loading now. */
  readonly loading: 'none' | 'newest' | 'older';
  /** Whether the first page has arrived. */
  readonly loaded: boolean;
  /** A message for the user about the last failed load; `null` after a success. */
  readonly error: string | null;
  readonly typing: ITypingState;
  /** The last message that arrived live from someone else (for screen readers). */
  readonly lastLive: ChatMessage | null;
}

export interface IChatModelOptions {
  /** The channel with the chat's events, `session:<id>` or `group:<id>`. */
  channel: string;
  source: IChatSource;
  client: IChannelClient;
  /** The current user's username: their own messages are not announced. */
  me: string | null;
  /** The clock, for the typing indicator; `Date.now` by default. */
  now?: () => number;
}

/**
 * Follows a chat: subscribes to its channel, loads the newest page, pages back
 * on request and reloads when the server says events were lost (`reset`).
 */
export class ChatModel extends Store<IChatSnapshot> {
  constructor(options: IChatModelOptions) {
    super({
      messages: [],
      hasOlder: false,
      loading: 'none',
      loaded: false,
      error: null,
      typing: NO_TYPING,
      lastLive: null
    });
    this.channel = options.channel;
    this._source = options.source;
    this._client = options.client;
    this._me = options.me;
    this._now = options.now ?? Date.now;
  }

  readonly channel: string;

  /** Subscribe, then load the newest page (events may already be in it: merged by id). */
  start(): void {
    if (this._subscription !== null || this.isDisposed) {
      return;
    }
    this._subscription = this._client.subscribe(this.channel, {
      event: event => {
        switch (event.type) {
          case 'chat.message':
          case 'chat.edited':
          case 'chat.deleted':
            this._receive(event.data.message, event.type === 'chat.message');
            break;
          case 'typing':
            this._typing(event.data.user);
            break;
          default:
            break; // the channel's other events are someone else's business
        }
      },
      subscribed: status => this._subscribed(status),
      failed: error => this.set({ error: error.message, loading: 'none' })
    });
    void this._loadNewest();
  }

  /** Load the page before the oldest loaded message. */
  async loadOlder(): Promise<void> {
    const state = this.state;
    if (!state.hasOlder || state.loading !== 'none' || this._before === null) {
      return;
    }
    this.set({ loading: 'older' });
    const generation = this._generation;
    try {
      const page = await this._source.loadPage(this._before);
      if (generation !== this._generation || this.isDisposed) {
        return;
      }
      this._before = page.next_before;
      this.set({
        messages: mergeMessages(this.state.messages, page.items),
        hasOlder: page.next_before !== null,
        loading: 'none',
        error: null
      });
    } catch (error) {
      this.set({ loading: 'none', error: errorMessage(error) });
    }
  }

  /**
   * Send a message; rejects with the server's error (the caller keeps the
   * draft). The message has one idempotency key for all its tries: a send
   * whose answer was lost (the connection dropped, the server was briefly
   * unavailable) is tried again by itself, and the user's own retry of the
   * same draft reuses the key, so the message is never posted twice.
   */
  async send(text: string): Promise<void> {
    this._lastTypingSent = 0;
    if (this._draft === null || this._draft.text !== text) {
      this._draft = { text, key: newIdempotencyKey() };
    }
    const draft = this._draft;
    for (let attempt = 1; ; attempt++) {
      try {
        const message = await this._source.send(text, draft.key);
        if (this._draft === draft) {
          this._draft = null; // sent: the next message gets a new key
        }
        this._receive(message, false);
        return;
      } catch (error) {
        const uncertain =
          error instanceof RealtimeError && UNCERTAIN_CODES.has(error.code);
        if (!uncertain || attempt >= SEND_TRIES || this.isDisposed) {
          throw error;
        }
        await new Promise(resolve => setTimeout(resolve, SEND_RETRY_MS));
      }
    }
  }

  async edit(messageId: string, text: string): Promise<void> {
    this._receive(await this._source.edit(messageId, text), false);
  }

  async remove(messageId: string): Promise<void> {
    this._receive(await this._source.remove(messageId), false);
  }

  /** The user typed: tell the others, at most every 2 s. */
  typed(): void {
    const now = this._now();
    if (
      this._source.typing === undefined ||
      now - this._lastTypingSent < TYPING_SEND_INTERVAL_MS
    ) {
      return;
    }
    this._lastTypingSent = now;
    // only a hint: a failure (throttled, offline) changes nothing
    this._source.typing().catch(() => undefined);
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._subscription?.dispose();
    this._subscription = null;
    if (this._typingTimer !== null) {
      clearTimeout(this._typingTimer);
    }
    super.dispose();
  }

  private _subscribed(status: ISubscriptionStatus): void {
    // resumed: the client replayed what was missed; reset: it could not
    if (status.reset) {
      void this._loadNewest();
    }
  }

  private async _loadNewest(): Promise<void> {
    const generation = ++this._generation;
    this._arrived = [];
    this.set({ loading: 'newest' });
    try {
      const page = await this._source.loadPage(null);
      if (generation !== this._generation || this.isDisposed) {
        return;
      }
      this._before = page.next_before;
      this.set({
        // after a reset the old list may be missing changes: start over from
        // the page, with what arrived live since the load began
        messages: mergeMessages(page.items, this._arrived.splice(0)),
        hasOlder: page.next_before !== null,
        loading: 'none',
        loaded: true,
        error: null
      });
    } catch (error) {
      if (generation === this._generation) {
        this.set({ loading: 'none', error: errorMessage(error) });
      }
    }
  }

  private _receive(message: ChatMessage, live: boolean): void {
    if (this.isDisposed) {
      return;
    }
    const fromOther = message.sender.username !== this._me;
    if (this.state.loading === 'newest') {
      this._arrived.push(message);
    }
    this.set({
      messages: mergeMessages(this.state.messages, [message]),
      typing: stopTyping(this.state.typing, message.sender.username),
      lastLive: live && fromOther ? message : this.state.lastLive
    });
  }

  private _typing(user: { username: string; display_name: string }): void {
    if (user.username === this._me) {
      return;
    }
    this.set({ typing: noteTyping(this.state.typing, user, this._now()) });
    // draw again once it expires
    if (this._typingTimer !== null) {
      clearTimeout(this._typingTimer);
    }
    this._typingTimer = setTimeout(() => {
      this._typingTimer = null;
      this.set({ typing: this.state.typing });
    }, TYPING_VISIBLE_MS + 50);
  }

  private readonly _source: IChatSource;
  private readonly _client: IChannelClient;
  private readonly _me: string | null;
  private readonly _now: () => number;
  private _subscription: { dispose(): void } | null = null;
  /** `next_before` of the oldest page loaded. */
  private _before: string | null = null;
  /** Messages received since the newest page was last requested. */
  private _arrived: ChatMessage[] = [];
  /** Tells the current load of the newest page from stale ones. */
  private _generation = 0;
  private _lastTypingSent = 0;
  /** The message being sent (or whose send failed) and its idempotency key. */
  private _draft: { text: string; key: string } | null = null;
  private _typingTimer: ReturnType<typeof setTimeout> | null = null;
}
