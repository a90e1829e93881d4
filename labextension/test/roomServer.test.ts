/**
 * The session room's models against a real Jupyter server with the
 * extension: two people in one room, chat history paged back, live chat,
 * goals, the shared timer, a reconnect that catches up, a reset that reloads,
 * and the summary when the host ends.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { ServerConnection } from '@jupyterlab/services';

import { RealtimeClient } from '../src/common/realtime';
import { ChatModel } from '../src/room/chatModel';
import { typists } from '../src/room/chatState';
import { createRoomApi, IRoomApi, IRoomSession } from '../src/room/roomApi';
import { RoomModel } from '../src/room/roomModel';
import { remainingSeconds } from '../src/room/timerState';
import { JupyterServer, tokenFor } from './jupyterServer';
import { Sockets } from './serverHelpers';
import { waitFor } from './waitFor';

type User = 'alice' | 'bob';

describe('The session room with a real server', { timeout: 120_000 }, () => {
  let server: JupyterServer;
  let session: IRoomSession;
  const sockets: Record<User, Sockets> = {
    alice: new Sockets(),
    bob: new Sockets()
  };
  const clients: Record<User, RealtimeClient> = {} as Record<
    User,
    RealtimeClient
  >;
  const apis: Record<User, IRoomApi> = {} as Record<User, IRoomApi>;
  const rooms: Record<User, RoomModel> = {} as Record<User, RoomModel>;
  const chats: ChatModel[] = [];

  function chatFor(user: User, pageSize = 50): ChatModel {
    const room = rooms[user];
    const source = room.chatSource();
    const chat = new ChatModel({
      channel: room.channel,
      me: user,
      client: clients[user],
      source: {
        ...source,
        loadPage: before =>
          apis[user].listMessages(session.id, before, pageSize)
      }
    });
    chats.push(chat);
    chat.start();
    return chat;
  }

  before(async () => {
    server = await JupyterServer.start({ users: ['alice', 'bob'] });
    session = await server.fetchAs<IRoomSession>('alice', 'POST', 'sessions', {
      title: 'Room models',
      type: 'group',
      invite: ['bob']
    });
    for (const user of ['alice', 'bob'] as User[]) {
      const settings = ServerConnection.makeSettings({
        baseUrl: server.baseUrl,
        token: tokenFor(user)
      });
      clients[user] = new RealtimeClient({
        settings,
        WebSocket: sockets[user].constructorForClient,
        requestTimeoutMs: 5_000,
        heartbeatIntervalMs: 500,
        backoff: { initialMs: 50, maxMs: 200 }
      });
      clients[user].connect();
      apis[user] = createRoomApi(settings);
      rooms[user] = new RoomModel({
        sessionId: session.id,
        api: apis[user],
        client: clients[user]
      });
    }
  });

  after(async () => {
    for (const chat of chats) {
      chat.dispose();
    }
    for (const user of ['alice', 'bob'] as User[]) {
      rooms[user]?.dispose();
      clients[user]?.dispose();
    }
    await server?.stop();
  });

  it('should ask an invited user to join, then open the room', async () => {
    await rooms.alice.reload();
    assert.equal(rooms.alice.state.phase, 'room');
    await rooms.bob.reload();
    assert.equal(rooms.bob.state.phase, 'join');
    assert.equal(rooms.bob.state.session?.my_state, 'invited');

    await rooms.bob.join();
    assert.equal(rooms.bob.state.phase, 'room');
    assert.equal(rooms.bob.state.session?.my_state, 'joined');
    // alice's room hears of it on the channel
    await waitFor('alice to see bob joined', () =>
      rooms.alice.state.participants.some(
        p => p.user.username === 'bob' && p.state === 'joined'
      )
    );
  });

  it('should start the session for everyone in the room', async () => {
    await rooms.alice.startSession();
    assert.equal(rooms.alice.state.notice, null);
    await waitFor(
      'bob to see the session active',
      () => rooms.bob.state.session?.status === 'active'
    );
    // bob's own fields survive the broadcast snapshot
    assert.equal(rooms.bob.state.session?.my_role, 'participant');
    assert.equal(rooms.bob.state.session?.my_state, 'joined');
  });

  it("should say the study notebook is on the host's server, not shared off a hub", async () => {
    const where = await apis.bob.getStudyServer(session.id);
    assert.equal(where.owner, 'alice');
    assert.equal(where.url, '/user/alice/');
    assert.equal(where.sharing, false);
    assert.equal(where.shared, false);
    assert.match(where.message, /off/);
  });

  it('should page the chat history back, oldest first', async () => {
    for (let i = 1; i <= 12; i++) {
      await server.fetchAs('alice', 'POST', `sessions/${session.id}/messages`, {
        text: `history ${i}`
      });
    }
    const chat = chatFor('bob', 5);
    await waitFor('the newest page', () => chat.state.loaded);
    const texts = () => chat.state.messages.map(m => m.text);
    assert.deepEqual(
      texts(),
      [8, 9, 10, 11, 12].map(i => `history ${i}`)
    );
    assert.equal(chat.state.hasOlder, true);
    await chat.loadOlder();
    await chat.loadOlder();
    assert.deepEqual(
      texts(),
      Array.from({ length: 12 }, (_, i) => `history ${i + 1}`)
    );
    assert.equal(chat.state.hasOlder, false);
    chat.dispose();
  });

  it('should carry messages, edits, deletions and typing live', async () => {
    const aliceChat = chatFor('alice');
    const bobChat = chatFor('bob');
    await waitFor('both chats to load', () =>
      aliceChat.state.loaded && bobChat.state.loaded ? true : null
    );
    await bobChat.send('Hello **alice**');
    const sent = bobChat.state.messages.find(m => m.text === 'Hello **alice**');
    assert.ok(sent, 'the sender sees their message from the ack');
    await waitFor('alice to get the message', () =>
      aliceChat.state.messages.some(m => m.id === sent.id)
    );
    assert.equal(aliceChat.state.lastLive?.id, sent.id);

    bobChat.typed();
    await waitFor('alice to see bob typing', () =>
      typists(aliceChat.state.typing, Date.now(), 'alice').includes('Bob')
    );

    await bobChat.edit(sent.id, 'Hello *alice*, edited');
    await waitFor(
      'alice to see the edit',
      () =>
        aliceChat.state.messages.find(m => m.id === sent.id)?.edited_at !== null
    );
    assert.equal(
      aliceChat.state.messages.find(m => m.id === sent.id)?.text,
      'Hello *alice*, edited'
    );

    await bobChat.remove(sent.id);
    await waitFor(
      'alice to see the tombstone',
      () =>
        aliceChat.state.messages.find(m => m.id === sent.id)?.deleted_at !==
        null
    );
    assert.equal(
      aliceChat.state.messages.find(m => m.id === sent.id)?.text,
      ''
    );

    // a refused write rejects, for the composer to keep the draft
    await assert.rejects(aliceChat.edit(sent.id, 'not mine'), {
      code: 'not_author'
    });
    aliceChat.dispose();
    bobChat.dispose();
  });

  it('should post a message once when its answer is lost and the send is retried', async () => {
    const chat = chatFor('bob');
    await waitFor('the chat to load', () => chat.state.loaded);
    const text = 'Sent once, although its answer was lost';
    const socket = sockets.bob.latest;
    const opened = sockets.bob.created.length;
    // the server commits the message and answers; the answer never arrives
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string, ...args: unknown[]) => {
      const frame = String(args[0]);
      if (
        event === 'message' &&
        frame.startsWith('{"re"') &&
        frame.includes(text)
      ) {
        socket.terminate();
        return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
    await chat.send(text); // tried again by itself, with the same idempotency key
    assert.ok(sockets.bob.created.length > opened, 'the client reconnected');
    const history = await apis.bob.listMessages(session.id, null, 100);
    assert.equal(history.items.filter(m => m.text === text).length, 1);
    assert.equal(chat.state.messages.filter(m => m.text === text).length, 1);
    chat.dispose();
  });

  it('should share goals and the timer between both rooms', async () => {
    assert.equal(await rooms.bob.addGoal('Read chapter 3'), true);
    const goal = await waitFor('alice to see the goal', () =>
      rooms.alice.state.goals.find(g => g.title === 'Read chapter 3')
    );
    assert.equal(await rooms.alice.setGoalDone(goal.id, true), true);
    await waitFor(
      'bob to see it done',
      () => rooms.bob.state.goals.find(g => g.id === goal.id)?.done === true
    );

    // bob may not control the timer (hosts only by default)
    await rooms.bob.controlTimer('start');
    assert.match(rooms.bob.state.notice ?? '', /./);
    rooms.bob.dismissNotice();

    await rooms.alice.controlTimer('start');
    const bobTimer = await waitFor('bob to see the focus phase', () =>
      rooms.bob.state.timer?.timer.phase === 'focus'
        ? rooms.bob.state.timer
        : null
    );
    const aliceTimer = rooms.alice.state.timer!;
    const now = Date.now();
    assert.ok(
      Math.abs(
        remainingSeconds(aliceTimer, now) - remainingSeconds(bobTimer, now)
      ) < 1,
      'both count down to the same instant'
    );
  });

  it('should catch up on what happened while disconnected', async () => {
    const bobChat = chatFor('bob');
    await waitFor('bob chat', () => bobChat.state.loaded);
    sockets.bob.blocked = true; // no reconnect until the changes are made
    sockets.bob.latest.close();
    await waitFor('bob to notice', () => rooms.bob.state.connection !== 'open');

    await server.fetchAs('alice', 'POST', `sessions/${session.id}/messages`, {
      text: 'while you were away'
    });
    await server.fetchAs('alice', 'POST', `sessions/${session.id}/goals`, {
      title: 'Do the exercises'
    });

    sockets.bob.blocked = false;
    await waitFor(
      'bob to reconnect',
      () => rooms.bob.state.connection === 'open'
    );
    await waitFor('the missed message', () =>
      bobChat.state.messages.some(m => m.text === 'while you were away')
    );
    await waitFor('the missed goal', () =>
      rooms.bob.state.goals.some(g => g.title === 'Do the exercises')
    );
    bobChat.dispose();
  });

  it('should reload over REST when the server no longer has the missed events', async () => {
    const bobChat = chatFor('bob');
    await waitFor('bob chat', () => bobChat.state.loaded);
    const goal = rooms.bob.state.goals.find(
      g => g.title === 'Do the exercises'
    );
    assert.ok(goal);
    sockets.bob.blocked = true;
    sockets.bob.latest.close();
    await waitFor('bob to notice', () => rooms.bob.state.connection !== 'open');

    await server.fetchAs('alice', 'POST', `sessions/${session.id}/messages`, {
      text: 'after the prune'
    });
    await server.fetchAs(
      'alice',
      'DELETE',
      `sessions/${session.id}/goals/${goal.id}`
    );
    // the cleanup prunes every stored event: a replay is impossible
    const cleanup = spawnSync(
      'jupyter',
      [
        'studysession',
        'cleanup',
        `--db-url=${server.dbUrl}`,
        '--StudySessionApp.event_retention_hours=0'
      ],
      { encoding: 'utf8' }
    );
    assert.equal(cleanup.status, 0, cleanup.stderr);
    assert.ok(JSON.parse(cleanup.stdout).events_pruned > 0, cleanup.stdout);

    sockets.bob.blocked = false;
    await waitFor('the goal deletion, from REST', () =>
      rooms.bob.state.goals.every(g => g.id !== goal.id)
    );
    await waitFor('the message, from REST', () =>
      bobChat.state.messages.some(m => m.text === 'after the prune')
    );
    bobChat.dispose();
  });

  it('should show the summary to everyone when the host ends the session', async () => {
    await rooms.alice.endSession();
    assert.equal(rooms.alice.state.notice, null);
    const summary = await waitFor('bob to get the summary', () =>
      rooms.bob.state.endedLive ? rooms.bob.state.summary : null
    );
    assert.equal(rooms.bob.state.session?.status, 'completed');
    assert.equal(rooms.bob.state.session?.my_state, 'left');
    assert.equal(summary.goals_total, 1);
    assert.equal(summary.goals_done, 1);
    assert.ok(summary.message_count >= 14, `${summary.message_count}`);
    assert.equal(rooms.alice.state.summary?.session_id, session.id);
  });
});
