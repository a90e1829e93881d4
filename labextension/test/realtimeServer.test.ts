/**
 * The realtime client against a real Jupyter server with the extension: two
 * users, one session, the events its REST changes cause, and a reconnect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ServerConnection } from '@jupyterlab/services';
import WS from 'ws';

import type { ISession } from '../src/common/api';
import {
  ConnectionState,
  DISPOSED_CODE,
  ISubscriptionStatus,
  RealtimeClient,
  RealtimeError,
  RealtimeEvent
} from '../src/common/realtime';
import { JupyterServer, tokenFor } from './jupyterServer';
import { Sockets } from './serverHelpers';
import { waitFor } from './waitFor';

/** What a listener received. */
class Recorder {
  readonly events: RealtimeEvent[] = [];
  readonly statuses: ISubscriptionStatus[] = [];

  readonly listener = {
    event: (event: RealtimeEvent) => {
      this.events.push(event);
    },
    subscribed: (status: ISubscriptionStatus) => {
      this.statuses.push(status);
    }
  };

  /** The first event after index `from` that matches. */
  find(
    from: number,
    predicate: (event: RealtimeEvent) => boolean
  ): RealtimeEvent | undefined {
    return this.events.slice(from).find(predicate);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function titleOf(event: RealtimeEvent): string | null {
  return event.type === 'session.updated' ? event.data.session.title : null;
}

function usernameOf(event: RealtimeEvent): string | null {
  return event.type === 'participant.joined' ||
    event.type === 'participant.left'
    ? event.data.participant.user.username
    : null;
}

describe('RealtimeClient with a real server', { timeout: 90_000 }, () => {
  let server: JupyterServer;
  let sessionId: string;
  let channel: string;
  const sockets: Record<'alice' | 'bob', Sockets> = {
    alice: new Sockets(),
    bob: new Sockets()
  };
  const clients: RealtimeClient[] = [];
  let alice: RealtimeClient;
  let bob: RealtimeClient;
  const aliceSeen = new Recorder();
  const bobSeen = new Recorder();

  function clientFor(user: 'alice' | 'bob'): RealtimeClient {
    const client = new RealtimeClient({
      settings: ServerConnection.makeSettings({
        baseUrl: server.baseUrl,
        token: tokenFor(user)
      }),
      WebSocket: sockets[user].constructorForClient,
      requestTimeoutMs: 5_000,
      heartbeatIntervalMs: 300,
      backoff: { initialMs: 50, maxMs: 200 }
    });
    clients.push(client);
    return client;
  }

  async function opened(client: RealtimeClient): Promise<void> {
    await waitFor(
      'the socket to open',
      () => client.connectionState === 'open'
    );
  }

  before(async () => {
    server = await JupyterServer.start({ users: ['alice', 'bob'] });
    const session = await server.fetchAs<ISession>(
      'alice',
      'POST',
      'sessions',
      {
        title: 'Realtime',
        type: 'group',
        invite: ['bob']
      }
    );
    sessionId = session.id;
    channel = `session:${sessionId}`;
    await server.fetchAs('bob', 'POST', `sessions/${sessionId}/join`);
    await server.fetchAs('alice', 'POST', `sessions/${sessionId}/start`);
    alice = clientFor('alice');
    bob = clientFor('bob');
  });

  after(async () => {
    for (const client of clients) {
      client.dispose();
    }
    await server?.stop();
  });

  it('should connect with the token in the URL and report its state', async () => {
    assert.equal(
      alice.url,
      `${server.baseUrl.replace('http', 'ws')}studysession/api/ws?token=token-alice`
    );
    const states: ConnectionState[] = [];
    alice.connectionStateChanged.connect((_, state) => {
      states.push(state);
    });
    alice.connect();
    bob.connect();
    await Promise.all([opened(alice), opened(bob)]);
    assert.deepEqual(states, ['connecting', 'open']);
  });

  it('should acknowledge a subscription with the seq of the channel', async () => {
    const aliceSub = alice.subscribe(channel, aliceSeen.listener);
    const bobSub = bob.subscribe(channel, bobSeen.listener);
    const [aliceStatus, bobStatus] = await Promise.all([
      aliceSub.ready,
      bobSub.ready
    ]);
    // bob's join and the start are on the channel already
    assert.ok(aliceStatus.seq >= 2, `seq ${aliceStatus.seq}`);
    assert.deepEqual(aliceStatus, {
      channel,
      seq: aliceStatus.seq,
      reset: false,
      resumed: false
    });
    assert.equal(bobStatus.seq, aliceStatus.seq);
    assert.equal(alice.lastSeq(channel), aliceStatus.seq);
    assert.deepEqual(aliceSeen.statuses, [aliceStatus]);
  });

  it('should reject an unauthorised channel with forbidden', async () => {
    await assert.rejects(
      alice.request('subscribe', { channel: 'user:bob' }),
      (error: unknown) => {
        assert.ok(error instanceof RealtimeError);
        assert.equal(error.code, 'forbidden');
        assert.ok(error.message.length > 0);
        return true;
      }
    );
    const failures: RealtimeError[] = [];
    const subscription = alice.subscribe('user:bob', {
      event: () => assert.fail('no event on a refused channel'),
      failed: error => failures.push(error)
    });
    await assert.rejects(subscription.ready, { code: 'forbidden' });
    assert.equal(failures.length, 1);
    assert.equal(alice.lastSeq('user:bob'), null);
    // the socket stays usable
    assert.equal(alice.connectionState, 'open');
    const own = await alice.subscribe('user:alice', () => undefined).ready;
    assert.equal(own.channel, 'user:alice');
  });

  it('should deliver the events of REST changes to both users', async () => {
    const from = aliceSeen.events.length;
    await server.fetchAs('bob', 'POST', `sessions/${sessionId}/leave`);
    const left = await waitFor('participant.left', () =>
      aliceSeen.find(
        from,
        e => e.type === 'participant.left' && usernameOf(e) === 'bob'
      )
    );
    await server.fetchAs('bob', 'POST', `sessions/${sessionId}/join`);
    const joined = await waitFor('participant.joined', () =>
      aliceSeen.find(
        from,
        e => e.type === 'participant.joined' && usernameOf(e) === 'bob'
      )
    );
    await server.fetchAs('alice', 'PATCH', `sessions/${sessionId}`, {
      title: 'Renamed'
    });
    const updated = await waitFor('session.updated', () =>
      aliceSeen.find(from, e => titleOf(e) === 'Renamed')
    );
    assert.equal(left.channel, channel);
    assert.ok(left.seq !== null && joined.seq === left.seq + 1);
    assert.equal(updated.seq, joined.seq + 1);
    await waitFor('bob to see the rename', () =>
      bobSeen.find(0, e => titleOf(e) === 'Renamed')
    );
    assert.deepEqual(
      bobSeen.events.slice(-3).map(e => [e.seq, e.type]),
      aliceSeen.events.slice(-3).map(e => [e.seq, e.type])
    );
  });

  it('should reconnect by itself and get exactly the missed events, in order', async () => {
    const from = aliceSeen.events.length;
    const lastSeq = alice.lastSeq(channel);
    assert.ok(lastSeq !== null);
    const bobFrom = bobSeen.events.length;

    // drop alice's connection, and keep her out for a while
    sockets.alice.blocked = true;
    const socketsBefore = sockets.alice.created.length;
    sockets.alice.latest.terminate();
    await waitFor('alice to notice', () => alice.connectionState !== 'open');

    await server.fetchAs('bob', 'POST', `sessions/${sessionId}/leave`);
    await server.fetchAs('alice', 'PATCH', `sessions/${sessionId}`, {
      title: 'Missed 1'
    });
    await server.fetchAs('bob', 'POST', `sessions/${sessionId}/join`);
    await server.fetchAs('alice', 'PATCH', `sessions/${sessionId}`, {
      title: 'Missed 2'
    });
    const produced = await waitFor('bob to see the 4 events', () =>
      bobSeen.events.length >= bobFrom + 4
        ? bobSeen.events.slice(bobFrom, bobFrom + 4)
        : null
    );
    // some attempts failed meanwhile (wrong token), and she got nothing
    await waitFor(
      'failed attempts',
      () => sockets.alice.created.length >= socketsBefore + 2
    );
    assert.ok(alice.reconnectAttempt >= 1);
    assert.equal(aliceSeen.events.length, from);

    sockets.alice.blocked = false;
    await waitFor('alice to resubscribe', () =>
      aliceSeen.statuses.find(s => s.resumed)
    );
    assert.equal(alice.connectionState, 'open');
    assert.equal(alice.reconnectAttempt, 0);

    const missed = aliceSeen.events.slice(from);
    assert.deepEqual(
      missed.map(e => [e.seq, e.type]),
      [
        [lastSeq + 1, 'participant.left'],
        [lastSeq + 2, 'session.updated'],
        [lastSeq + 3, 'participant.joined'],
        [lastSeq + 4, 'session.updated']
      ]
    );
    assert.deepEqual(
      missed.map(e => [e.seq, e.type]),
      produced.map(e => [e.seq, e.type])
    );
    assert.deepEqual(
      missed.map(titleOf).filter(t => t !== null),
      ['Missed 1', 'Missed 2']
    );
    const resumed = aliceSeen.statuses.find(s => s.resumed);
    assert.deepEqual(resumed, {
      channel,
      seq: lastSeq + 4,
      reset: false,
      resumed: true
    });

    // and live again, without duplicates
    await server.fetchAs('alice', 'PATCH', `sessions/${sessionId}`, {
      title: 'Live again'
    });
    await waitFor('the live event', () =>
      aliceSeen.find(from, e => titleOf(e) === 'Live again')
    );
    await sleep(200);
    const seqs = aliceSeen.events.map(e => e.seq);
    assert.deepEqual(
      seqs,
      [...new Set(seqs)].sort((a, b) => (a ?? 0) - (b ?? 0))
    );
    assert.equal(seqs[seqs.length - 1], lastSeq + 5);
  });

  it('should stop reconnecting once disposed', async () => {
    // bob: dropped and kept out, then disposed while waiting to retry
    sockets.bob.blocked = true;
    const bobBefore = sockets.bob.created.length;
    sockets.bob.latest.terminate();
    await waitFor(
      'a failed attempt',
      () => sockets.bob.created.length >= bobBefore + 1
    );
    bob.dispose();
    assert.equal(bob.connectionState, 'closed');

    // alice: disposed while open
    const aliceBefore = sockets.alice.created.length;
    const aliceSocket = sockets.alice.latest;
    alice.dispose();
    assert.equal(alice.connectionState, 'closed');
    await assert.rejects(alice.request('heartbeat', {}), {
      code: DISPOSED_CODE
    });

    const bobCount = sockets.bob.created.length;
    await sleep(600); // longer than the longest backoff
    assert.equal(sockets.bob.created.length, bobCount);
    assert.equal(sockets.alice.created.length, aliceBefore);
    await waitFor(
      'alice socket to close',
      () => aliceSocket.readyState === WS.CLOSED
    );
  });
});
