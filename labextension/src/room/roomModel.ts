/**
 * The live state of one session room: the session, its participants, goals
 * and shared timer, loaded over REST and kept current from the session's
 * channel (`session:<id>`), and the actions the user takes in it.
 *
 * It subscribes first, then loads, and applies the events that arrived
 * meanwhile on top (they carry whole objects). After a reconnect the realtime
 * client replays what was missed; when the server says events were lost
 * (`reset`), the room loads everything again.
 */
import { APIError, IMe } from '../common/api';
import type {
  ConnectionState,
  ISubscriptionStatus,
  RealtimeClient,
  RealtimeEvent
} from '../common/realtime';
import type {
  IGoal,
  IParticipant,
  ISessionSummary,
  ITimerState,
  SessionSnapshot
} from '../common/realtimeProtocol';
import { errorMessage, Store } from '../common/store';
import type { IChatSource } from './chatModel';
import type { IRoomApi, IRoomSession } from './roomApi';
import {
  IRoomActor,
  leaveAll,
  removeGoal,
  reorderGoals,
  roomAccess,
  upsertGoal,
  upsertParticipant
} from './roomState';
import { ITimerView, receiveTimer } from './timerState';

/**
 * What the room shows:
 * - `loading`: the first load;
 * - `join`: the user must join first (`join()`);
 * - `room`: the room;
 * - `removed`, `ended`: why there is no room for them;
 * - `missing`: there is no such session, or the user may not see it;
 * - `error`: the room could not be loaded (`error` says why; `reload()`).
 */
export type RoomPhase =
  'loading' | 'join' | 'room' | 'removed' | 'ended' | 'missing' | 'error';

/** An action in flight, to disable its button. */
export type RoomAction =
  'join' | 'start' | 'end' | 'timer' | 'goal' | `participant:${string}`;

export interface IRoomSnapshot {
  readonly phase: RoomPhase;
  readonly me: IMe | null;
  readonly session: IRoomSession | null;
  readonly participants: readonly IParticipant[];
  readonly goals: readonly IGoal[];
  readonly timer: ITimerView | null;
  /** The summary once the session has ended. */
  readonly summary: ISessionSummary | null;
  /** The session ended while the room was open (show the summary to everyone). */
  readonly endedLive: boolean;
  /** Why the room could not be loaded (phase `error`). */
  readonly error: string | null;
  /** Why the last action failed, until dismissed. */
  readonly notice: string | null;
  readonly busy: ReadonlySet<RoomAction>;
  readonly connection: ConnectionState;
}

/** The realtime client's part the room uses. */
export type IRoomClient = Pick<
  RealtimeClient,
  'subscribe' | 'request' | 'connectionState' | 'connectionStateChanged'
>;

export interface IRoomModelOptions {
  sessionId: string;
  api: IRoomApi;
  client: IRoomClient;
  /** The local clock; `Date.now` by default. */
  now?: () => number;
}

export type TimerAction = 'start' | 'pause' | 'resume' | 'skip' | 'reset';

export class RoomModel extends Store<IRoomSnapshot> {
  constructor(options: IRoomModelOptions) {
    super({
      phase: 'loading',
      me: null,
      session: null,
      participants: [],
      goals: [],
      timer: null,
      summary: null,
      endedLive: false,
      error: null,
      notice: null,
      busy: new Set(),
      connection: options.client.connectionState
    });
    this.sessionId = options.sessionId;
    this.channel = `session:${options.sessionId}`;
    this._api = options.api;
    this._client = options.client;
    this._now = options.now ?? Date.now;
    this._client.connectionStateChanged.connect(this._onConnection, this);
  }

  readonly sessionId: string;
  /** The session's channel, which also carries its chat. */
  readonly channel: string;

  /** The current user as the room's rules see them; `null` before the first load. */
  get actor(): IRoomActor | null {
    const { me, session } = this.state;
    if (me === null || session === null) {
      return null;
    }
    return {
      username: me.username,
      courseRole: me.course_role,
      role: session.my_role,
      state: session.my_state
    };
  }

  /** Load the room (again). */
  async reload(): Promise<void> {
    const generation = ++this._generation;
    this.set({ phase: 'loading', error: null });
    try {
      const [me, session] = await Promise.all([
        this._api.getMe(),
        this._api.getSession(this.sessionId)
      ]);
      if (!this._current(generation)) {
        return;
      }
      this.set({ me, session, summary: session.summary ?? null });
      const access = roomAccess(session, this.actor!);
      if (access !== 'room') {
        this.set({ phase: access });
        return;
      }
      await this._open(generation);
    } catch (error) {
      if (this._current(generation)) {
        const missing = error instanceof APIError && error.status === 404;
        this.set({
          phase: missing ? 'missing' : 'error',
          error: errorMessage(error)
        });
      }
    }
  }

  /** Join the session, then open the room. */
  async join(): Promise<void> {
    await this._act('join', async () => {
      const session = await this._api.joinSession(this.sessionId);
      this.set({ session });
      if (this.state.phase !== 'room') {
        const generation = ++this._generation;
        await this._open(generation);
      }
    });
  }

  async startSession(): Promise<void> {
    await this._act('start', async () => {
      this._setSession(await this._api.startSession(this.sessionId));
    });
  }

  async endSession(): Promise<void> {
    await this._act('end', async () => {
      const result = await this._api.endSession(this.sessionId);
      this._setSession(result.session);
      this.set({
        summary: result.summary,
        endedLive: true,
        participants: leaveAll(this.state.participants)
      });
    });
  }

  /** Host: make someone co-host or participant again. */
  async setRole(
    username: string,
    role: 'co_host' | 'participant'
  ): Promise<void> {
    await this._act(`participant:${username}`, async () => {
      const tick = this._tick;
      const participant = await this._api.updateParticipant(
        this.sessionId,
        username,
        { role }
      );
      this._applyAnswer(`participant:${username}`, tick, () =>
        this._applyParticipant(participant)
      );
    });
  }

  /** Host: remove someone from the session. */
  async removeParticipant(username: string): Promise<void> {
    await this._act(`participant:${username}`, async () => {
      const tick = this._tick;
      const participant = await this._api.updateParticipant(
        this.sessionId,
        username,
        { state: 'removed' }
      );
      this._applyAnswer(`participant:${username}`, tick, () =>
        this._applyParticipant(participant)
      );
    });
  }

  async addGoal(title: string): Promise<boolean> {
    return this._act('goal', async () => {
      const tick = this._tick;
      const goal = await this._client.request('goal.create', {
        session_id: this.sessionId,
        title
      });
      this._applyAnswer(`goal:${goal.id}`, tick, () =>
        this.set({ goals: upsertGoal(this.state.goals, goal) })
      );
    });
  }

  async setGoalDone(goalId: string, done: boolean): Promise<boolean> {
    return this._act('goal', async () => {
      const tick = this._tick;
      const goal = await this._client.request('goal.update', {
        goal_id: goalId,
        done
      });
      this._applyAnswer(`goal:${goal.id}`, tick, () =>
        this.set({ goals: upsertGoal(this.state.goals, goal) })
      );
    });
  }

  async deleteGoal(goalId: string): Promise<boolean> {
    return this._act('goal', async () => {
      await this._client.request('goal.delete', { goal_id: goalId });
      this.set({ goals: removeGoal(this.state.goals, goalId) });
    });
  }

  async controlTimer(action: TimerAction): Promise<void> {
    await this._act('timer', async () => {
      const timer = await this._client.request(`timer.${action}`, {
        session_id: this.sessionId
      });
      this._applyTimer(timer, true);
    });
  }

  /** Forget the last failed action's message. */
  dismissNotice(): void {
    this.set({ notice: null });
  }

  /** The session's chat, for the `Chat` component. */
  chatSource(): IChatSource {
    const id = this.sessionId;
    return {
      loadPage: before => this._api.listMessages(id, before),
      send: (text, key) =>
        this._client.request('chat.send', {
          session_id: id,
          text,
          idempotency_key: key
        }),
      edit: (messageId, text) =>
        this._client.request('chat.edit', { message_id: messageId, text }),
      remove: messageId =>
        this._client.request('chat.delete', { message_id: messageId }),
      typing: () => this._client.request('typing', { session_id: id })
    };
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._generation++;
    this._subscription?.dispose();
    this._subscription = null;
    this._client.connectionStateChanged.disconnect(this._onConnection, this);
    super.dispose();
  }

  // -- loading -------------------------------------------------------------------

  /** Subscribe to the channel, then load everything the room shows. */
  private async _open(generation: number): Promise<void> {
    let subscription = this._subscription;
    if (subscription === null) {
      const created = this._client.subscribe(this.channel, {
        event: event => this._onEvent(event),
        subscribed: status => this._onSubscribed(status),
        failed: error => {
          // refused (removed meanwhile, ...): the next load subscribes anew
          if (this._subscription === created) {
            this._subscription = null;
          }
          created.dispose();
          this.set({ notice: error.message });
        }
      });
      this._subscription = subscription = created;
    }
    await subscription.ready;
    await this._loadState(generation);
  }

  /** Load the room's state over REST; events received meanwhile go on top. */
  private async _loadState(generation: number): Promise<void> {
    this._pending = [];
    const id = this.sessionId;
    try {
      const [session, participants, goals, timer] = await Promise.all([
        this._api.getSession(id),
        this._api.listParticipants(id),
        this._api.listGoals(id),
        this._api.getTimer(id)
      ]);
      const receivedAt = this._now();
      if (!this._current(generation)) {
        return;
      }
      const pending = this._pending;
      this._pending = null;
      this.set({
        phase: 'room',
        session,
        summary: session.summary ?? this.state.summary,
        participants,
        goals: goals.items,
        timer: receiveTimer(this.state.timer, timer, receivedAt, true),
        error: null
      });
      for (const event of pending) {
        this._apply(event);
      }
    } finally {
      if (this._current(generation)) {
        this._pending = null;
      }
    }
  }

  private _onSubscribed(status: ISubscriptionStatus): void {
    if (!status.resumed || this.state.phase !== 'room') {
      return;
    }
    if (status.reset) {
      // events were lost: everything again
      this._loadState(++this._generation).catch(error =>
        this.set({ notice: errorMessage(error) })
      );
    } else {
      // the replay caught up; a fresh timer state corrects the clock offset
      this._api.getTimer(this.sessionId).then(
        timer => this._applyTimer(timer, true),
        () => undefined
      );
    }
  }

  private _current(generation: number): boolean {
    return generation === this._generation && !this.isDisposed;
  }

  // -- events --------------------------------------------------------------------

  private _onEvent(event: RealtimeEvent): void {
    if (this._pending !== null) {
      this._pending.push(event);
    }
    this._apply(event);
  }

  private _apply(event: RealtimeEvent): void {
    switch (event.type) {
      case 'session.updated':
      case 'session.started':
      case 'session.cancelled':
        this._setSnapshot(event.data.session);
        break;
      case 'session.ended':
        this._setSnapshot(event.data.session);
        this.set({
          summary: event.data.summary,
          endedLive: this.state.phase === 'room'
        });
        break;
      case 'participant.invited':
      case 'participant.joined':
      case 'participant.left':
      case 'participant.updated':
        this._touch(`participant:${event.data.participant.user.username}`);
        this._applyParticipant(event.data.participant);
        break;
      case 'goal.created':
      case 'goal.updated':
        this._touch(`goal:${event.data.goal.id}`);
        this.set({ goals: upsertGoal(this.state.goals, event.data.goal) });
        break;
      case 'goal.deleted':
        this._touch(`goal:${event.data.goal.id}`);
        this.set({ goals: removeGoal(this.state.goals, event.data.goal.id) });
        break;
      case 'goal.reordered':
        this.set({
          goals: reorderGoals(this.state.goals, event.data.goal_ids)
        });
        break;
      case 'timer.state':
        this._applyTimer(event.data.timer);
        break;
      default:
        break; // chat is the Chat's; unknown types are ignored
    }
  }

  /** A timer state from an event, or (`fresh`) from a REST answer or an ack. */
  private _applyTimer(timer: ITimerState, fresh = false): void {
    this.set({
      timer: receiveTimer(this.state.timer, timer, this._now(), fresh)
    });
  }

  private _applyParticipant(participant: IParticipant): void {
    this.set({
      participants: upsertParticipant(this.state.participants, participant)
    });
    const session = this.state.session;
    if (
      session !== null &&
      participant.user.username === this.state.me?.username
    ) {
      this.set({
        session: {
          ...session,
          my_role: participant.role,
          my_state: participant.state
        }
      });
      if (participant.state === 'removed') {
        this.set({ phase: 'removed' });
      }
    }
  }

  /** A session as everyone sees it: keep the current user's own fields. */
  private _setSnapshot(snapshot: SessionSnapshot): void {
    const session = this.state.session;
    if (session === null) {
      return;
    }
    const next: IRoomSession = { ...session, ...snapshot };
    if (snapshot.status === 'completed') {
      // the end leaves everyone, in the same transaction (no event each)
      if (next.my_state === 'joined') {
        next.my_state = 'left';
      }
      this.set({ participants: leaveAll(this.state.participants) });
    }
    this.set({ session: next });
  }

  private _setSession(session: IRoomSession): void {
    this.set({ session, summary: session.summary ?? this.state.summary });
  }

  private _onConnection(_: unknown, state: ConnectionState): void {
    this.set({ connection: state });
  }

  // -- actions -------------------------------------------------------------------

  /** An event changed this object (`goal:<id>`, `participant:<name>`). */
  private _touch(key: string): void {
    this._touched.set(key, ++this._tick);
  }

  /**
   * Apply the server's answer to an action on `key`, unless an event about
   * it arrived since the action began (`tick`): events come in order, an
   * answer may come after a newer event, so the event wins.
   */
  private _applyAnswer(key: string, tick: number, apply: () => void): void {
    if ((this._touched.get(key) ?? 0) <= tick) {
      apply();
    }
  }

  /** Run an action, marking it busy; a failure becomes the notice. */
  private async _act(
    action: RoomAction,
    run: () => Promise<void>
  ): Promise<boolean> {
    const busy = new Set(this.state.busy);
    busy.add(action);
    this.set({ busy, notice: null });
    try {
      await run();
      return true;
    } catch (error) {
      this.set({ notice: errorMessage(error) });
      return false;
    } finally {
      const done = new Set(this.state.busy);
      done.delete(action);
      this.set({ busy: done });
    }
  }

  private readonly _api: IRoomApi;
  private readonly _client: IRoomClient;
  private readonly _now: () => number;
  private _subscription: ReturnType<IRoomClient['subscribe']> | null = null;
  /** Events received while the state loads, applied again after it. */
  private _pending: RealtimeEvent[] | null = null;
  /** Tells the current load from stale ones. */
  private _generation = 0;
  /** When an event last changed each object, on the `_tick` counter. */
  private readonly _touched = new Map<string, number>();
  private _tick = 0;
}
