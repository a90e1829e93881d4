import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  IPresenceClient,
  PresenceModel,
  presenceQuery
} from '../src/common/presence';
import type {
  IChannelListener,
  IPresence,
  IPresencePreferences,
  PresenceStatus,
  RealtimeEvent
} from '../src/common/realtime';

function person(username: string, status: PresenceStatus): IPresence {
  return {
    user: {
      username,
      display_name: username[0]!.toUpperCase() + username.slice(1),
      initials: null,
      color: null,
      avatar_url: null
    },
    status,
    activity: null,
    last_seen: null
  };
}

function changed(channel: string, users: IPresence[]): RealtimeEvent {
  return { channel, seq: null, type: 'presence.changed', data: { users } };
}

/** A realtime client that records subscriptions and answers `presence.set`. */
class FakeClient implements IPresenceClient {
  listeners = new Map<string, IChannelListener[]>();
  subscribed: string[] = [];
  unsubscribed: string[] = [];
  sent: unknown[] = [];
  answer: (payload: Record<string, unknown>) => IPresencePreferences = () => {
    throw new Error('no answer');
  };

  subscribe(
    channel: string,
    listener: IChannelListener | ((event: RealtimeEvent) => void)
  ) {
    const holder =
      typeof listener === 'function' ? { event: listener } : listener;
    const list = this.listeners.get(channel) ?? [];
    list.push(holder);
    this.listeners.set(channel, list);
    this.subscribed.push(channel);
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        disposed = true;
        this.unsubscribed.push(channel);
        this.listeners.set(
          channel,
          (this.listeners.get(channel) ?? []).filter(l => l !== holder)
        );
      }
    };
  }

  async request(op: 'presence.set', payload: Record<string, unknown>) {
    this.sent.push({ op, ...payload });
    return this.answer(payload);
  }

  /** The server acknowledged the channel (again). */
  ack(channel: string, resumed = false): void {
    for (const l of this.listeners.get(channel) ?? []) {
      l.subscribed?.({ channel, seq: 0, reset: false, resumed });
    }
  }

  emit(event: RealtimeEvent): void {
    for (const l of this.listeners.get(event.channel) ?? []) {
      l.event(event);
    }
  }
}

/** A loader whose answers the test releases one by one. */
class FakeLoader {
  calls: Record<string, string>[] = [];
  private _pending: Array<(users: IPresence[]) => void> = [];
  load = (query: Record<string, string>): Promise<IPresence[]> => {
    this.calls.push(query);
    return new Promise(resolve => this._pending.push(resolve));
  };
  async answer(users: IPresence[]): Promise<void> {
    const next = this._pending.shift();
    assert.ok(next, 'a load is pending');
    next(users);
    await new Promise(resolve => setTimeout(resolve, 0));
  }
}

function makeModel(
  client: FakeClient,
  loader: FakeLoader,
  usersRefreshMs = 60_000
) {
  return new PresenceModel({
    client: () => client,
    load: loader.load,
    loadPreferences: async () => {
      throw new Error('not used');
    },
    usersRefreshMs
  });
}

describe('presenceQuery', () => {
  it('should name one session, one group, or the sorted distinct users', () => {
    assert.deepEqual(presenceQuery({ session: 's1' }), { session: 's1' });
    assert.deepEqual(presenceQuery({ group: 'g1' }), { group: 'g1' });
    assert.deepEqual(presenceQuery({ users: ['carol', 'ada', 'carol'] }), {
      users: 'ada,carol'
    });
  });
});

describe('PresenceModel', () => {
  it('should subscribe to a session scope, then load it, and tell who changed', async () => {
    const client = new FakeClient();
    const loader = new FakeLoader();
    const model = makeModel(client, loader);
    const seen: string[][] = [];
    model.changed.connect((_, names) => seen.push([...names]));

    model.watch({ session: 's1' });
    assert.deepEqual(client.subscribed, ['presence:session:s1']);
    assert.equal(model.statusOf('ada'), undefined);
    client.ack('presence:session:s1');
    assert.deepEqual(loader.calls, [{ session: 's1' }]);
    await loader.answer([person('ada', 'online'), person('bob', 'away')]);

    assert.equal(model.statusOf('ada'), 'online');
    assert.equal(model.statusOf('bob'), 'away');
    assert.deepEqual(seen, [['ada', 'bob']]);

    client.emit(changed('presence:session:s1', [person('ada', 'busy')]));
    assert.equal(model.statusOf('ada'), 'busy');
    assert.deepEqual(seen[1], ['ada']);
  });

  it('should not let a load that started before an event undo it', async () => {
    const client = new FakeClient();
    const loader = new FakeLoader();
    const model = makeModel(client, loader);
    model.watch({ session: 's1' });
    client.ack('presence:session:s1'); // the load starts
    client.emit(changed('presence:session:s1', [person('ada', 'dnd')]));

    await loader.answer([person('ada', 'online'), person('bob', 'online')]);

    assert.equal(model.statusOf('ada'), 'dnd', 'the event is newer');
    assert.equal(model.statusOf('bob'), 'online');
  });

  it('should not signal when nothing changed', async () => {
    const client = new FakeClient();
    const loader = new FakeLoader();
    const model = makeModel(client, loader);
    let signals = 0;
    model.changed.connect(() => signals++);
    model.apply([person('ada', 'online')]);
    model.apply([person('ada', 'online')]);
    assert.equal(signals, 1);
  });

  it('should reload after every resubscription (presence events are not replayed)', async () => {
    const client = new FakeClient();
    const loader = new FakeLoader();
    const model = makeModel(client, loader);
    model.watch({ group: 'g1' });
    client.ack('presence:group:g1');
    await loader.answer([person('ada', 'online')]);

    client.ack('presence:group:g1', true); // after a reconnect
    assert.equal(loader.calls.length, 2);
    await loader.answer([person('ada', 'offline')]);
    assert.equal(model.statusOf('ada'), 'offline');
  });

  it('should follow a scope once for several watchers, until the last lets go', () => {
    const client = new FakeClient();
    const model = makeModel(client, new FakeLoader());
    const first = model.watch({ session: 's1' });
    const second = model.watch({ session: 's1' });
    assert.deepEqual(client.subscribed, ['presence:session:s1']);

    first.dispose();
    first.dispose();
    assert.deepEqual(client.unsubscribed, []);
    second.dispose();
    assert.deepEqual(client.unsubscribed, ['presence:session:s1']);
  });

  it('should load named users, who have no channel, again now and then', async () => {
    const client = new FakeClient();
    const loader = new FakeLoader();
    const model = makeModel(client, loader, 5);
    const watch = model.watch({ users: ['bob', 'ada'] });
    assert.deepEqual(client.subscribed, []);
    assert.deepEqual(loader.calls, [{ users: 'ada,bob' }]);
    await loader.answer([person('ada', 'away')]);
    assert.equal(model.statusOf('ada'), 'away');

    await new Promise(resolve => setTimeout(resolve, 20));
    assert.ok(loader.calls.length >= 2, 'loaded again');
    watch.dispose();
    const calls = loader.calls.length;
    await new Promise(resolve => setTimeout(resolve, 20));
    assert.equal(loader.calls.length, calls, 'no more loads once released');
  });

  it('should set the status with presence.set and show the answer as mine', async () => {
    const client = new FakeClient();
    const model = makeModel(client, new FakeLoader());
    client.answer = payload => ({
      status: (payload.status as 'busy') ?? null,
      appear_offline: false,
      hide_activity: false,
      presence: person('ada', 'busy')
    });
    let preferenceSignals = 0;
    model.preferencesChanged.connect(() => preferenceSignals++);

    const answer = await model.set({ status: 'busy' });

    assert.deepEqual(client.sent, [{ op: 'presence.set', status: 'busy' }]);
    assert.equal(answer.status, 'busy');
    assert.equal(model.preferences?.status, 'busy');
    assert.equal(model.statusOf('ada'), 'busy');
    assert.equal(preferenceSignals, 1);
  });

  it("should follow the user's own presence on presence:user:<me>", async () => {
    const client = new FakeClient();
    const model = new PresenceModel({
      client: () => client,
      load: async () => [],
      loadPreferences: async () => ({
        status: null,
        appear_offline: true,
        hide_activity: false,
        presence: person('ada', 'online')
      })
    });
    model.watchMe('ada');
    model.watchMe('ada');
    assert.deepEqual(client.subscribed, ['presence:user:ada']);
    client.ack('presence:user:ada');
    await new Promise(resolve => setTimeout(resolve, 0));
    assert.equal(model.preferences?.appear_offline, true);

    client.emit(changed('presence:user:ada', [person('ada', 'away')]));
    assert.equal(model.statusOf('ada'), 'away');
    assert.equal(model.preferences?.presence.status, 'away');
    assert.equal(model.preferences?.appear_offline, true);
  });

  it('should stop every subscription when disposed', () => {
    const client = new FakeClient();
    const model = makeModel(client, new FakeLoader());
    model.watch({ session: 's1' });
    model.watch({ group: 'g1' });
    model.dispose();
    assert.deepEqual(client.unsubscribed.sort(), [
      'presence:group:g1',
      'presence:session:s1'
    ]);
  });
});
