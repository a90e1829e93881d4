/**
 * The live state of one office hours for the signed-in user, and what they
 * can do there. Used by the office-hours components (the JupyterLab panel and
 * the notebook widget); no JupyterLab UI imports.
 *
 * It follows `queue:<id>` (staff always; a student once they have an entry
 * in the queue, as the server allows) and `user:<name>` (the "almost up" and
 * "your turn" notifications), subscribing first and then loading over REST,
 * as docs/realtime.md asks.
 */
import { APIError, getMe, IMe, requestAPI } from '../common/api';
import { realtime } from '../common/connection';
import type { RealtimeClient } from '../common/realtime';
import type { INotification, RealtimeEvent } from '../common/realtimeProtocol';
import type { RealtimeSubscription } from '../common/realtimeSubscription';
import { errorMessage, Store } from '../common/store';
import * as api from './api';
import {
  applyQueueEvent,
  EMPTY_QUEUE_STATE,
  IQueueState,
  loadedState,
  withMyEntry
} from './state';

/** Everything a view draws. */
export interface IOfficeHoursViewState extends IQueueState {
  me: IMe | null;
  /** Instructors and TAs see the staff view. */
  isStaff: boolean;
  /** Before the first load. */
  loading: boolean;
  /** An action in flight (its buttons are disabled). */
  busy: boolean;
  /** A message for the user about the last thing that failed. */
  error: string | null;
  /** Whether live updates flow (else the view polls). */
  live: boolean;
}

const INITIAL: IOfficeHoursViewState = {
  ...EMPTY_QUEUE_STATE,
  me: null,
  isStaff: false,
  loading: true,
  busy: false,
  error: null,
  live: false
};

/** How often a view without live updates reloads, in milliseconds. */
const POLL_INTERVAL = 30_000;

/** Staff reload the queue at most this often after events (ms). */
const RELOAD_DELAY = 150;

export interface IOfficeHoursModelOptions {
  /** The realtime client; the tab's shared one by default. */
  client?: RealtimeClient;
  /** Milliseconds between reloads while not live; 30 s by default. */
  pollInterval?: number;
}

export class OfficeHoursModel extends Store<IOfficeHoursViewState> {
  constructor(
    readonly officehoursId: string,
    options: IOfficeHoursModelOptions = {}
  ) {
    super(INITIAL);
    this._client = options.client ?? null;
    this._pollInterval = options.pollInterval ?? POLL_INTERVAL;
  }

  /** Load, and follow the queue live. Safe to call once. */
  async start(): Promise<void> {
    if (this._started) {
      return;
    }
    this._started = true;
    this._timer = setInterval(() => {
      if (!this.state.live) {
        void this.reload();
      }
    }, this._pollInterval);
    try {
      const me = await getMe();
      if (this.isDisposed) {
        return;
      }
      const isStaff = me.course_role !== 'student';
      this.set({ me, isStaff });
      this._userSubscription = this._follow(`user:${me.username}`);
      if (isStaff) {
        this._followQueue();
      }
      await this.reload();
      if (!isStaff && this.state.myEntry !== null) {
        this._followQueue();
        await this._loadAlmostUp();
      }
    } catch (error) {
      this.set({ loading: false, error: errorMessage(error) });
    }
  }

  /** Load the office hours and the queue again over REST. */
  async reload(): Promise<void> {
    try {
      const [officehours, queue] = await Promise.all([
        api.getOfficeHours(this.officehoursId),
        api.getQueue(this.officehoursId)
      ]);
      if (this.isDisposed) {
        return;
      }
      this.set({
        ...loadedState(this.state, officehours, queue),
        loading: false
      });
    } catch (error) {
      if (
        error instanceof APIError &&
        error.reason === 'officehours_not_found'
      ) {
        this.set({ loading: false, deleted: true, error: null });
        return;
      }
      this.set({ loading: false, error: errorMessage(error) });
    }
  }

  // -- students --------------------------------------------------------------

  join(question: string, topic: string): Promise<boolean> {
    return this._act(async () => {
      const entry = await api.joinQueue(
        this.officehoursId,
        question.trim(),
        topic.trim() || null
      );
      this.set(withMyEntry(this.state, entry));
      this._followQueue();
    });
  }

  leave(): Promise<boolean> {
    return this._act(async () => {
      await api.leaveQueue(this.officehoursId);
      this.set(withMyEntry(this.state, null, 'You left the queue.'));
    });
  }

  stepOut(): Promise<boolean> {
    return this._act(async () => {
      this.set(withMyEntry(this.state, await api.stepOut(this.officehoursId)));
    });
  }

  returnToQueue(): Promise<boolean> {
    return this._act(async () => {
      const entry = await api.returnToQueue(this.officehoursId);
      this.set(withMyEntry(this.state, entry));
    });
  }

  /** Forget the notice shown to the student. */
  dismissNotice(): void {
    this.set({ notice: null });
  }

  // -- staff -----------------------------------------------------------------

  /** Admit; resolves with the new room's session id (null on failure). */
  async admit(request: api.IAdmitRequest = {}): Promise<string | null> {
    let room: string | null = null;
    await this._act(async () => {
      room = (await api.admit(this.officehoursId, request)).session_id;
      await this.reload();
    });
    return room;
  }

  finish(entryId: string, outcome: api.EntryOutcome): Promise<boolean> {
    return this._act(async () => {
      await api.finishEntry(this.officehoursId, entryId, outcome);
      await this.reload();
    });
  }

  announce(text: string): Promise<boolean> {
    return this._act(async () => {
      await api.announce(this.officehoursId, text.trim());
    });
  }

  setOpen(open: boolean): Promise<boolean> {
    return this._act(async () => {
      const officehours = await api.setOpen(this.officehoursId, open);
      this.set({
        officehours,
        staffOnDuty: officehours.staff_on_duty.map(d => d.user)
      });
    });
  }

  setDuty(onDuty: boolean): Promise<boolean> {
    return this._act(async () => {
      const officehours = await api.setDuty(this.officehoursId, onDuty);
      this.set({
        officehours,
        staffOnDuty: officehours.staff_on_duty.map(d => d.user)
      });
    });
  }

  /** The history as CSV text, or null (with the error shown) on failure. */
  async exportHistory(): Promise<string | null> {
    let csv: string | null = null;
    await this._act(async () => {
      csv = await api.exportHistory(this.officehoursId);
    });
    return csv;
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    if (this._timer !== null) {
      clearInterval(this._timer);
    }
    if (this._reloadTimer !== null) {
      clearTimeout(this._reloadTimer);
    }
    this._queueSubscription?.dispose();
    this._userSubscription?.dispose();
    super.dispose();
  }

  // -- internals -------------------------------------------------------------

  private get _realtime(): RealtimeClient {
    if (this._client === null) {
      this._client = realtime();
    }
    return this._client;
  }

  private _followQueue(): void {
    if (this._queueSubscription !== null || this.isDisposed) {
      return;
    }
    this._queueSubscription = this._follow(`queue:${this.officehoursId}`, {
      live: true
    });
  }

  private _follow(
    channel: string,
    options: { live?: boolean } = {}
  ): RealtimeSubscription {
    const subscription = this._realtime.subscribe(channel, {
      event: event => this._onEvent(event),
      subscribed: status => {
        if (options.live) {
          this.set({ live: true });
        }
        // after a reconnect, or events lost: what REST says now
        if (status.resumed || status.reset) {
          void this.reload();
        }
      },
      failed: () => {
        if (options.live) {
          this._queueSubscription = null;
          this.set({ live: false });
        }
      }
    });
    return subscription;
  }

  private _onEvent(event: RealtimeEvent): void {
    if (this.isDisposed) {
      return;
    }
    const { state, reload } = applyQueueEvent(
      this.state,
      event,
      this.officehoursId
    );
    if (state !== this.state) {
      this.set(state);
    }
    if (reload && this.state.isStaff) {
      this._scheduleReload();
    }
  }

  private _scheduleReload(): void {
    if (this._reloadTimer !== null) {
      return;
    }
    this._reloadTimer = setTimeout(() => {
      this._reloadTimer = null;
      void this.reload();
    }, RELOAD_DELAY);
  }

  /** "Almost up" sent before this view opened: from the stored notifications. */
  private async _loadAlmostUp(): Promise<void> {
    const entry = this.state.myEntry;
    if (entry === null) {
      return;
    }
    try {
      const { items } = await requestAPI<{ items: INotification[] }>(
        'notifications?limit=50'
      );
      const alerted = items.some(
        n => n.kind === 'almost_up' && n.data.entry_id === entry.id
      );
      if (alerted && this.state.myEntry?.id === entry.id) {
        this.set({ almostUp: true });
      }
    } catch {
      // only a hint; the live alert still comes
    }
  }

  /** Run an action: busy while it runs, its error shown; true on success. */
  private async _act(action: () => Promise<void>): Promise<boolean> {
    this.set({ busy: true, error: null });
    try {
      await action();
      this.set({ busy: false });
      return true;
    } catch (error) {
      this.set({ busy: false, error: errorMessage(error) });
      // the view may be out of date (the queue closed, someone admitted
      // the student meanwhile): show what the server says now
      void this.reload();
      return false;
    }
  }

  private _client: RealtimeClient | null;
  private readonly _pollInterval: number;
  private _started = false;
  private _timer: ReturnType<typeof setInterval> | null = null;
  private _reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private _queueSubscription: RealtimeSubscription | null = null;
  private _userSubscription: RealtimeSubscription | null = null;
}
