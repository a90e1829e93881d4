import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { IMe, ISession } from '../src/common/api';
import { APIError } from '../src/common/apiError';
import type { INotification } from '../src/common/realtimeProtocol';
import {
  SessionListModel,
  sortUpcoming,
  StudyModel
} from '../src/sessions/model';
import type { IStudyApi } from '../src/sessions/sessionsApi';
import { makeSession } from './fixtures';

describe('SessionListModel', () => {
  it('should start empty and not loading', () => {
    const model = new SessionListModel(async () => []);
    assert.deepEqual(model.state, {
      sessions: null,
      error: null,
      loading: false
    });
  });

  it('should hold the sessions after a refresh', async () => {
    const sessions = [makeSession()];
    const model = new SessionListModel(async () => sessions);
    let changes = 0;
    model.changed.connect(() => changes++);

    await model.refresh();

    assert.deepEqual(model.state, { sessions, error: null, loading: false });
    assert.equal(changes, 2); // loading, then loaded
  });

  it('should show the APIError message and keep the last sessions on failure', async () => {
    const sessions = [makeSession()];
    let fail = false;
    const model = new SessionListModel(async () => {
      if (fail) {
        throw new APIError('You are not in this course.', 'forbidden', 403);
      }
      return sessions;
    });
    await model.refresh();
    fail = true;

    await model.refresh();

    assert.deepEqual(model.state, {
      sessions,
      error: 'You are not in this course.',
      loading: false
    });
  });

  it('should not show the text of an unexpected error', async () => {
    const model = new SessionListModel(async () => {
      throw new TypeError('x is undefined');
    });
    await model.refresh();
    assert.equal(
      model.state.error,
      'Study sessions could not be loaded because of an unexpected error.'
    );
  });

  it('should clear the error after a successful refresh', async () => {
    let fail = true;
    const model = new SessionListModel(async () => {
      if (fail) {
        throw new APIError('Server error', 'internal', 500);
      }
      return [];
    });
    await model.refresh();
    fail = false;
    await model.refresh();
    assert.deepEqual(model.state, {
      sessions: [],
      error: null,
      loading: false
    });
  });

  it('should share one request between overlapping refreshes', async () => {
    let calls = 0;
    let resolve: (sessions: ISession[]) => void = () => undefined;
    const model = new SessionListModel(() => {
      calls++;
      return new Promise<ISession[]>(r => (resolve = r));
    });

    const first = model.refresh();
    const second = model.refresh();
    assert.equal(model.state.loading, true);
    resolve([]);
    await Promise.all([first, second]);

    assert.equal(calls, 1);
    const third = model.refresh();
    resolve([]);
    await third;
    assert.equal(calls, 2);
  });
});

describe('SessionListModel.update', () => {
  it('should replace a session it holds and ignore others', async () => {
    const model = new SessionListModel(async () => [makeSession()]);
    await model.refresh();
    model.update(makeSession({ id: 'other', title: 'Other' }));
    model.update(makeSession({ title: 'Renamed' }));
    assert.deepEqual(
      model.state.sessions?.map(s => s.title),
      ['Renamed']
    );
  });
});

describe('sortUpcoming', () => {
  it('should put active sessions first, then the soonest, then unscheduled ones', () => {
    const sorted = sortUpcoming([
      makeSession({ id: 'later', scheduled_at: '2026-03-05T10:00:00Z' }),
      makeSession({ id: 'unscheduled', scheduled_at: null }),
      makeSession({ id: 'soon', scheduled_at: '2026-03-04T10:00:00Z' }),
      makeSession({ id: 'now', status: 'active' })
    ]);
    assert.deepEqual(
      sorted.map(s => s.id),
      ['now', 'soon', 'later', 'unscheduled']
    );
  });
});

const ME: IMe = {
  username: 'bob',
  display_name: 'Bob',
  initials: 'B',
  color: null,
  avatar_url: null,
  course_role: 'student'
};

/** An API whose calls a test can count and make fail. */
function fakeApi(overrides: Partial<IStudyApi> = {}): IStudyApi & {
  calls: string[];
} {
  const calls: string[] = [];
  const record =
    <T>(name: string, value: T) =>
    async (...args: unknown[]): Promise<T> => {
      calls.push([name, ...args].join(' '));
      return value;
    };
  return {
    calls,
    getMe: record('getMe', ME),
    listMine: record('listMine', [
      makeSession({ id: 's1', my_role: 'participant', my_state: 'invited' }),
      makeSession({ id: 'old', status: 'completed' })
    ]),
    browse: record('browse', []),
    history: record('history', []),
    createSession: record('createSession', makeSession()),
    join: record(
      'join',
      makeSession({ id: 's1', my_role: 'participant', my_state: 'joined' })
    ),
    start: record('start', makeSession({ status: 'active' })),
    end: record('end', makeSession({ status: 'completed' })),
    cancel: record('cancel', makeSession({ status: 'cancelled' })),
    createInviteLink: record('createInviteLink', {
      id: 'l1',
      session_id: 's1',
      expires_at: '2026-03-09T10:00:00Z',
      token: 'secret'
    }),
    suggestPeople: record('suggestPeople', []),
    listNotifications: record('listNotifications', {
      items: [],
      unread_count: 0,
      next_cursor: null
    }),
    markRead: record('markRead', undefined),
    ...overrides
  };
}

function makeStudy(api: IStudyApi) {
  const opened: string[] = [];
  const copied: string[] = [];
  const model = new StudyModel({
    api,
    openRoom: async id => {
      opened.push(id);
    },
    copyText: async text => {
      copied.push(text);
    },
    inviteUrl: (id, token) => `http://lab/?session=${id}&token=${token}`
  });
  return { model, opened, copied };
}

function notification(kind: string): INotification {
  return {
    id: 'n1',
    kind,
    title: 'x',
    body: '',
    data: {},
    created_at: '2026-03-02T10:00:00Z',
    read_at: null
  };
}

describe('StudyModel', () => {
  it('should load the user and "My sessions", leaving out the ones that are over', async () => {
    const api = fakeApi();
    const { model } = makeStudy(api);
    await model.refresh();
    assert.equal(model.me?.username, 'bob');
    assert.deepEqual(
      model.mine.state.sessions?.map(s => s.id),
      ['s1']
    );
    assert.deepEqual(api.calls, ['getMe', 'listMine']);
  });

  it('should load a tab when it is shown', async () => {
    const api = fakeApi();
    const { model } = makeStudy(api);
    model.setTab('history');
    await model.history.refresh();
    assert.equal(model.tab, 'history');
    assert.ok(api.calls.includes('history'));
    assert.equal(model.list('groups'), null);
  });

  it('should join, show the joined session at once, and open its room', async () => {
    const api = fakeApi();
    const { model, opened } = makeStudy(api);
    await model.refresh();
    const session = model.mine.state.sessions![0]!;

    const done = model.perform(session, 'join');
    assert.equal(model.card('s1').pending, 'join');
    await done;

    assert.equal(model.card('s1').pending, null);
    assert.equal(model.card('s1').error, null);
    assert.equal(model.mine.state.sessions![0]!.my_state, 'joined');
    assert.deepEqual(opened, ['s1']);
    assert.ok(api.calls.includes('join s1'));
  });

  it('should stay joined when there is no room view to open', async () => {
    const api = fakeApi();
    const model = new StudyModel({
      api,
      openRoom: async () => {
        throw new APIError('No room view.', 'no_room_view', 0);
      },
      copyText: async () => undefined,
      inviteUrl: () => ''
    });
    await model.refresh();
    await model.perform(model.mine.state.sessions![0]!, 'join');
    assert.equal(model.card('s1').error, null);
    assert.equal(model.mine.state.sessions![0]!.my_state, 'joined');
  });

  it("should show the server's refusal on the card", async () => {
    const api = fakeApi({
      join: async () => {
        throw new APIError(
          'The session is full (2 participants).',
          'session_full',
          409
        );
      }
    });
    const { model, opened } = makeStudy(api);
    await model.refresh();
    await model.perform(model.mine.state.sessions![0]!, 'join');
    assert.deepEqual(model.card('s1'), {
      pending: null,
      error: 'The session is full (2 participants).',
      notice: null
    });
    assert.deepEqual(opened, []);

    model.dismiss('s1');
    assert.equal(model.card('s1').error, null);
  });

  it('should not show the text of an unexpected error', async () => {
    const api = fakeApi({
      start: async () => {
        throw new TypeError('x is undefined');
      }
    });
    const { model } = makeStudy(api);
    await model.perform(makeSession({ id: 's1' }), 'start');
    assert.equal(
      model.card('s1').error,
      'That did not work because of an unexpected error.'
    );
  });

  it('should copy an invite link to the clipboard and say so', async () => {
    const api = fakeApi();
    const { model, copied } = makeStudy(api);
    await model.perform(makeSession({ id: 's1' }), 'invite_link');
    assert.deepEqual(copied, ['http://lab/?session=s1&token=secret']);
    assert.match(model.card('s1').notice ?? '', /Invite link copied/);
    assert.ok(!api.calls.includes('listMine'), 'copying changes no list');
  });

  it('should take one action at a time per card', async () => {
    let release: () => void = () => undefined;
    const api = fakeApi({
      start: () =>
        new Promise(resolve => {
          release = () => resolve(makeSession({ status: 'active' }));
        })
    });
    const { model } = makeStudy(api);
    const session = makeSession({ id: 's1' });
    const first = model.perform(session, 'start');
    await model.perform(session, 'cancel');
    release();
    await first;
    assert.ok(!api.calls.some(call => call.startsWith('cancel')));
  });

  it('should reload the lists after a notification that changes them', async () => {
    const api = fakeApi();
    const { model } = makeStudy(api);
    model.handleNotification(notification('almost_up'));
    assert.deepEqual(api.calls, []);
    model.handleNotification(notification('invite'));
    await new Promise(resolve => setTimeout(resolve, 0));
    assert.deepEqual([...api.calls].sort(), ['browse', 'history', 'listMine']);
  });
});
