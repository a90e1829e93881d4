import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ServerConnection } from '@jupyterlab/services';
import { Signal } from '@lumino/signaling';

import {
  backoffDelay,
  ConnectionState,
  DEFAULT_BACKOFF,
  DISCONNECTED_CODE,
  DISPOSED_CODE,
  IRealtimeClientOptions,
  ISubscriptionStatus,
  RealtimeClient,
  RealtimeError,
  RealtimeEvent,
  SequenceTracker,
  TIMEOUT_CODE
} from '../src/common/realtime';
import { FakeSocketServer } from './fakeWebSocket';
import { waitFor as waitForEvery } from './waitFor';

const BASE_URL = 'http://example.test/base/';

function makeClient(
  fake: FakeSocketServer,
  options: IRealtimeClientOptions = {}
): RealtimeClient {
  return new RealtimeClient({
    settings: ServerConnection.makeSettings({
      baseUrl: BASE_URL,
      token: 'secret'
    }),
    WebSocket: fake.WebSocket,
    requestTimeoutMs: 5_000,
    heartbeatIntervalMs: 60_000,
    backoff: { initialMs: 1, maxMs: 5 },
    ...options
  });
}

/** Wait for the fake server: its sockets come and go within milliseconds. */
function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false
): Promise<T> {
  return waitForEvery(what, check, 2_000, 2);
}

/** After the socket drops, the next one subscribes nothing (it only says hello). */
async function expectNotSubscribedAgain(fake: FakeSocketServer): Promise<void> {
  fake.latest.drop();
  await waitFor('a new socket', () => fake.sockets.length === 2);
  fake.latest.open();
  assert.deepEqual(
    fake.latest.ops.map(o => o.op),
    ['heartbeat']
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function event(channel: string, seq: number | null, type = 'session.updated') {
  return { channel, seq, type, data: { seq } };
}

/** A listener that records what it gets. */
function recorder() {
  const events: RealtimeEvent[] = [];
  const statuses: ISubscriptionStatus[] = [];
  const failures: RealtimeError[] = [];
  return {
    events,
    statuses,
    failures,
    seqs: () => events.map(e => e.seq),
    listener: {
      event: (e: RealtimeEvent) => void events.push(e),
      subscribed: (s: ISubscriptionStatus) => void statuses.push(s),
      failed: (e: RealtimeError) => void failures.push(e)
    }
  };
}

describe('backoffDelay', () => {
  it('should double from the initial delay up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map(attempt =>
      backoffDelay(attempt, DEFAULT_BACKOFF, () => 0)
    );
    assert.deepEqual(
      delays,
      [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]
    );
  });

  it('should take off at most the jitter share, at random', () => {
    for (const attempt of [0, 3, 10]) {
      const base = backoffDelay(attempt, DEFAULT_BACKOFF, () => 0);
      const shortest = backoffDelay(attempt, DEFAULT_BACKOFF, () => 0.9999);
      assert.ok(shortest >= base / 2 && shortest < base, `${shortest}`);
    }
    const options = { ...DEFAULT_BACKOFF, jitter: 0 };
    assert.equal(
      backoffDelay(2, options, () => 0.7),
      2000
    );
  });

  it('should stay at the cap however many attempts failed', () => {
    assert.equal(
      backoffDelay(5000, DEFAULT_BACKOFF, () => 0),
      30000
    );
  });
});

describe('SequenceTracker', () => {
  it('should pass ephemeral events and drop durable ones already seen', () => {
    const tracker = new SequenceTracker();
    assert.equal(tracker.lastSeq, null);
    assert.equal(tracker.accept(4), true);
    assert.equal(tracker.accept(4), false);
    assert.equal(tracker.accept(3), false);
    assert.equal(tracker.accept(null), true);
    assert.equal(tracker.accept(null), true);
    assert.equal(tracker.accept(5), true);
    assert.equal(tracker.lastSeq, 5);
  });

  it('should continue after the seq of a subscribe ack', () => {
    const tracker = new SequenceTracker();
    tracker.acknowledge(7);
    assert.equal(tracker.accept(7), false);
    assert.equal(tracker.accept(8), true);
    tracker.acknowledge(3); // never goes back
    assert.equal(tracker.lastSeq, 8);
  });
});

describe('RealtimeClient', () => {
  it('should append the token to the URL only when the settings carry one', () => {
    const fake = new FakeSocketServer();
    const url = `ws://example.test/base/studysession/api/ws`;
    assert.equal(makeClient(fake).url, `${url}?token=secret`);
    const withoutToken = makeClient(fake, {
      settings: ServerConnection.makeSettings({ baseUrl: BASE_URL, token: '' })
    });
    assert.equal(withoutToken.url, url);
    const sameOrigin = makeClient(fake, {
      settings: ServerConnection.makeSettings({
        baseUrl: BASE_URL,
        token: 'secret',
        appendToken: false
      })
    });
    assert.equal(sameOrigin.url, url);
  });

  it('should connect only when asked, and say so', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    const states: ConnectionState[] = [];
    client.connectionStateChanged.connect(
      (_, state) => void states.push(state)
    );
    assert.equal(client.connectionState, 'closed');
    assert.equal(fake.sockets.length, 0);
    client.connect();
    client.connect();
    assert.equal(fake.sockets.length, 1);
    assert.equal(fake.latest.url, client.url);
    fake.latest.open();
    assert.deepEqual(states, ['connecting', 'open']);
  });

  it('should resolve an op with the data of its ack', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    client.connect();
    fake.latest.open();
    const first = client.request('chat.send', { session_id: 's1', text: 'Hi' });
    const second = client.request('typing', { session_id: 's1' });
    const [sendOp, typingOp] = fake.latest.ops.filter(
      o => o.op !== 'heartbeat'
    );
    assert.deepEqual(
      { ...sendOp, id: 0 },
      { id: 0, op: 'chat.send', session_id: 's1', text: 'Hi' }
    );
    assert.notEqual(sendOp?.id, typingOp?.id);
    fake.latest.ack(typingOp!.id, { broadcast: false });
    fake.latest.ack(sendOp!.id, { id: 'm1' });
    assert.deepEqual(await first, { id: 'm1' });
    assert.deepEqual(await second, { broadcast: false });
  });

  it('should reject an error ack with a typed error', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    client.connect();
    fake.latest.open();
    const request = client.request('chat.send', { session_id: 's', text: 'x' });
    fake.latest.receive({
      re: fake.latest.lastOp('chat.send').id,
      ok: false,
      error: { code: 'rate_limited', message: 'Slow down.', retry_after: 2 }
    });
    await assert.rejects(request, (error: unknown) => {
      assert.ok(error instanceof RealtimeError);
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.message, 'Slow down.');
      assert.equal(error.retryAfter, 2);
      return true;
    });
  });

  it('should reject an op that gets no answer in time', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    client.connect();
    fake.latest.open();
    await assert.rejects(client.request('heartbeat', {}, { timeoutMs: 10 }), {
      code: TIMEOUT_CODE
    });
  });

  it('should send the ops made before the socket opens once it does', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    const early = client.request('typing', { session_id: 's' });
    client.connect();
    assert.deepEqual(fake.latest.sent, []);
    fake.latest.open();
    fake.latest.ack(fake.latest.lastOp('typing').id, { broadcast: true });
    assert.deepEqual(await early, { broadcast: true });
  });

  it('should ignore frames that are not part of the protocol', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    client.connect();
    fake.latest.open();
    const request = client.request('typing', { session_id: 's' });
    fake.latest.receive('not json');
    fake.latest.receive({ hello: 'world' });
    fake.latest.receive([1, 2]);
    fake.latest.receive({ re: 12345, ok: true, data: null });
    fake.latest.ack(fake.latest.lastOp('typing').id, { broadcast: true });
    assert.deepEqual(await request, { broadcast: true });
  });

  it('should reject the ops in flight when the socket drops, then reconnect with backoff', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    client.connect();
    fake.latest.open();
    const inFlight = client.request('typing', { session_id: 's' });
    fake.latest.drop();
    await assert.rejects(inFlight, { code: DISCONNECTED_CODE });
    assert.equal(client.connectionState, 'closed');
    assert.equal(client.reconnectAttempt, 1);

    // two attempts fail before one succeeds
    await waitFor('a second socket', () => fake.sockets.length === 2);
    fake.latest.drop();
    await waitFor('a third socket', () => fake.sockets.length === 3);
    fake.latest.drop();
    assert.equal(client.reconnectAttempt, 3);
    await waitFor('a fourth socket', () => fake.sockets.length === 4);
    fake.latest.open();
    assert.equal(client.connectionState, 'open');
    assert.equal(client.reconnectAttempt, 0);
  });

  it('should resume a channel after a reconnect: missed events once, in order', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    const seen = recorder();
    const subscription = client.subscribe('session:a', seen.listener);
    client.connect();
    fake.latest.open();
    const subscribe = fake.latest.lastOp('subscribe');
    assert.deepEqual(
      { channel: subscribe.channel, since: subscribe.since },
      { channel: 'session:a', since: undefined }
    );
    fake.latest.ack(subscribe.id, {
      channel: 'session:a',
      seq: 3,
      reset: false
    });
    assert.deepEqual(await subscription.ready, {
      channel: 'session:a',
      seq: 3,
      reset: false,
      resumed: false
    });
    fake.latest.receive(event('session:a', 3)); // already covered by the ack
    fake.latest.receive(event('session:a', 4));
    fake.latest.receive(event('session:other', 9)); // not subscribed
    assert.equal(client.lastSeq('session:a'), 4);

    fake.latest.drop();
    await waitFor('a new socket', () => fake.sockets.length === 2);
    fake.latest.open();
    const resubscribe = fake.latest.lastOp('subscribe');
    assert.equal(resubscribe.since, 4);
    for (const seq of [3, 4, 5, 6]) {
      fake.latest.receive(event('session:a', seq)); // replayed
    }
    fake.latest.ack(resubscribe.id, {
      channel: 'session:a',
      seq: 6,
      reset: false
    });
    fake.latest.receive(event('session:a', 6)); // a duplicate from the bus
    fake.latest.receive(event('session:a', 7));
    assert.deepEqual(seen.seqs(), [4, 5, 6, 7]);
    assert.deepEqual(
      seen.statuses.map(s => [s.seq, s.resumed, s.reset]),
      [
        [3, false, false],
        [6, true, false]
      ]
    );
  });

  it('should surface reset and pass ephemeral events through', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    const seen = recorder();
    client.subscribe('session:a', seen.listener);
    client.connect();
    fake.latest.open();
    fake.latest.ack(fake.latest.lastOp('subscribe').id, {
      channel: 'session:a',
      seq: 2,
      reset: false
    });
    fake.latest.receive(event('session:a', null, 'typing'));
    fake.latest.receive(event('session:a', null, 'typing'));
    fake.latest.drop();
    await waitFor('a new socket', () => fake.sockets.length === 2);
    fake.latest.open();
    fake.latest.receive(event('session:a', 40)); // 3..39 were pruned
    fake.latest.ack(fake.latest.lastOp('subscribe').id, {
      channel: 'session:a',
      seq: 40,
      reset: true
    });
    assert.deepEqual(seen.seqs(), [null, null, 40]);
    assert.deepEqual(seen.statuses.at(-1), {
      channel: 'session:a',
      seq: 40,
      reset: true,
      resumed: true
    });
  });

  it('should end a refused subscription and not subscribe it again', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    const seen = recorder();
    const subscription = client.subscribe('user:bob', seen.listener);
    client.connect();
    fake.latest.open();
    fake.latest.receive({
      re: fake.latest.lastOp('subscribe').id,
      ok: false,
      error: { code: 'forbidden', message: "This is another user's channel." }
    });
    await assert.rejects(subscription.ready, { code: 'forbidden' });
    assert.deepEqual(
      seen.failures.map(e => e.code),
      ['forbidden']
    );
    await expectNotSubscribedAgain(fake);
  });

  it('should end a channel whose subscription the server ended, saying why', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    const seen = recorder();
    client.subscribe('session:s1', seen.listener);
    client.connect();
    fake.latest.open();
    fake.latest.ack(fake.latest.lastOp('subscribe').id, {
      channel: 'session:s1',
      seq: 3,
      reset: false
    });
    const message = 'The host removed you from this session.';
    fake.latest.receive({
      channel: 'session:s1',
      seq: null,
      type: 'subscription.ended',
      data: { channel: 'session:s1', reason: 'removed', message }
    });
    fake.latest.receive(event('session:s1', 4, 'chat.message'));
    assert.deepEqual(
      seen.failures.map(e => [e.code, e.message]),
      [['removed', message]]
    );
    assert.deepEqual(seen.events, []);
    await expectNotSubscribedAgain(fake);
  });

  it('should retry a subscription that failed for a passing reason', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    const subscription = client.subscribe('session:a', () => undefined);
    client.connect();
    fake.latest.open();
    fake.latest.receive({
      re: fake.latest.lastOp('subscribe').id,
      ok: false,
      error: { code: 'rate_limited', message: 'Slow down.', retry_after: 0 }
    });
    const retry = await waitFor('a second subscribe', () => {
      const ops = fake.latest.ops.filter(o => o.op === 'subscribe');
      return ops.length === 2 ? ops[1] : null;
    });
    fake.latest.ack(retry.id, { channel: 'session:a', seq: 1, reset: false });
    assert.equal((await subscription.ready).seq, 1);
  });

  it('should share a channel between listeners and unsubscribe with the last', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    t.after(() => client.dispose());
    client.connect();
    fake.latest.open();
    const one = recorder();
    const two = recorder();
    const first = client.subscribe('session:a', one.listener);
    const second = client.subscribe('session:a', two.listener);
    const channelOps = () =>
      fake.latest.ops.filter(o => o.op !== 'heartbeat').map(o => o.op);
    assert.deepEqual(channelOps(), ['subscribe']);
    fake.latest.ack(fake.latest.lastOp('subscribe').id, {
      channel: 'session:a',
      seq: 1,
      reset: false
    });
    await Promise.all([first.ready, second.ready]);
    // a third listener joins a live channel
    const three = recorder();
    const third = client.subscribe('session:a', three.listener);
    assert.equal((await third.ready).seq, 1);
    fake.latest.receive(event('session:a', 2));
    assert.deepEqual([one.seqs(), two.seqs(), three.seqs()], [[2], [2], [2]]);

    first.dispose();
    third.dispose();
    assert.deepEqual(channelOps(), ['subscribe']);
    fake.latest.receive(event('session:a', 3));
    assert.deepEqual([one.seqs(), two.seqs()], [[2], [2, 3]]);
    second.dispose();
    second.dispose();
    assert.deepEqual(channelOps(), ['subscribe', 'unsubscribe']);
    assert.equal(fake.latest.lastOp('unsubscribe').channel, 'session:a');
    fake.latest.receive(event('session:a', 4));
    assert.deepEqual(two.seqs(), [2, 3]);
    assert.equal(client.lastSeq('session:a'), null);
  });

  it('should send a heartbeat on opening, then as often as the server asks', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake, { heartbeatIntervalMs: undefined });
    t.after(() => client.dispose());
    client.connect();
    fake.latest.open();
    const first = fake.latest.lastOp('heartbeat');
    assert.equal(first.idle, false);
    client.idle = true;
    fake.latest.ack(first.id, { interval_seconds: 1 });
    const started = Date.now();
    const next = await waitFor('the next heartbeat', () => {
      const beats = fake.latest.ops.filter(o => o.op === 'heartbeat');
      return beats.length === 2 ? beats[1] : null;
    });
    const waited = Date.now() - started;
    assert.ok(waited > 800 && waited < 1_800, `${waited} ms`);
    assert.equal(next.idle, true);
  });

  it('should send a heartbeat while open and drop a connection that does not answer', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake, {
      heartbeatIntervalMs: 10,
      requestTimeoutMs: 30
    });
    t.after(() => client.dispose());
    client.connect();
    fake.latest.open();
    const socket = fake.latest;
    // while heartbeats get answers, even errors (a server without the op), it stays
    const answered = new Set<number>();
    const responder = setInterval(() => {
      for (const op of socket.ops) {
        if (op.op === 'heartbeat' && !answered.has(op.id)) {
          answered.add(op.id);
          socket.receive({
            re: op.id,
            ok: false,
            error: { code: 'unknown_op', message: "Unknown op 'heartbeat'." }
          });
        }
      }
    }, 2);
    await sleep(100);
    clearInterval(responder);
    assert.ok(answered.size >= 3, `${answered.size} heartbeats`);
    assert.equal(socket.closedByClient, false);
    // then silence
    await waitFor('the dead socket to be closed', () => socket.closedByClient);
    await waitFor('a new socket', () => fake.sockets.length === 2);
  });

  it('should keep delivering when a listener throws', async t => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    const errors: Error[] = [];
    const previous = Signal.setExceptionHandler(error => errors.push(error));
    t.after(() => {
      Signal.setExceptionHandler(previous);
      client.dispose();
    });
    const seen = recorder();
    client.subscribe('session:a', () => {
      throw new Error('listener bug');
    });
    client.subscribe('session:a', seen.listener);
    client.connect();
    fake.latest.open();
    fake.latest.receive(event('session:a', 1));
    assert.deepEqual(seen.seqs(), [1]);
    assert.deepEqual(
      errors.map(e => e.message),
      ['listener bug']
    );
  });

  it('should stop for good when disposed', async () => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake);
    client.connect();
    fake.latest.open();
    const pending = client.request('typing', { session_id: 's' });
    const subscription = client.subscribe('session:a', () => undefined);
    const socket = fake.latest;
    client.dispose();
    assert.equal(client.isDisposed, true);
    assert.equal(client.connectionState, 'closed');
    assert.equal(socket.closedByClient, true);
    await assert.rejects(pending, { code: DISPOSED_CODE });
    await assert.rejects(subscription.ready, { code: DISPOSED_CODE });
    await assert.rejects(client.request('heartbeat', {}), {
      code: DISPOSED_CODE
    });
    await sleep(20);
    assert.equal(fake.sockets.length, 1);
  });

  it('should not reconnect once disposed while waiting to retry', async () => {
    const fake = new FakeSocketServer();
    const client = makeClient(fake, { backoff: { initialMs: 20, maxMs: 20 } });
    client.connect();
    fake.latest.drop();
    client.dispose();
    await sleep(50);
    assert.equal(fake.sockets.length, 1);
  });
});
