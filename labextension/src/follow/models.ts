/**
 * The tab's follow models: one per session, shared by the room, the notebook
 * panel and the notebook widgets of this tab (kept on a global, like the
 * realtime connection, so that every bundle finds the same ones).
 */
import * as React from 'react';

import { getMe } from '../common/api';
import { realtime } from '../common/connection';
import { FollowModel, FollowModels } from './followModel';
import { visitor } from './visit';

const SHARED_KEY: unique symbol = Symbol.for('jupyter-studysession:follow');

type TabGlobals = typeof globalThis & { [SHARED_KEY]?: FollowModels };

/** The tab's follow models. */
export function followModels(): FollowModels {
  const tab = globalThis as TabGlobals;
  let shared = tab[SHARED_KEY];
  if (shared === undefined) {
    // a visitor of another's server follows there as themselves (docs/hub.md)
    const visiting = visitor();
    const me =
      visiting !== null
        ? Promise.resolve(visiting)
        : getMe().then(user => user.username);
    shared = new FollowModels(
      async id => new FollowModel(id, await me, realtime())
    );
    tab[SHARED_KEY] = shared;
  }
  return shared;
}

/** The follow model of a session while the component is mounted (null: none). */
export function useFollowModel(sessionId: string | null): FollowModel | null {
  const [model, setModel] = React.useState<FollowModel | null>(null);
  React.useEffect(() => {
    if (sessionId === null) {
      setModel(null);
      return;
    }
    let live = true;
    const models = followModels();
    models.acquire(sessionId).then(
      acquired => live && setModel(acquired),
      () => undefined
    );
    return () => {
      live = false;
      models.release(sessionId);
    };
  }, [sessionId]);
  return model;
}
