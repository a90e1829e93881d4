import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ISession } from '../src/api';
import { APIError } from '../src/apiError';
import { SessionListModel } from '../src/model';
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
