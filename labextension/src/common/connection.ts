/**
 * The one realtime connection of this browser tab, shared by the sidebar, the
 * session rooms, the office-hours views and the notebook widgets.
 */
import { RealtimeClient } from './realtime';

/**
 * Where the tab keeps its client. A global, not a module variable: the
 * notebook widgets' ES module bundles its own copy of this file, and the tab
 * must still have one socket whichever bundle asks first.
 */
const SHARED_KEY: unique symbol = Symbol.for('jupyter-studysession:realtime');

type TabGlobals = typeof globalThis & { [SHARED_KEY]?: RealtimeClient };

/** The tab's realtime client, created and connected on first use. */
export function realtime(): RealtimeClient {
  const tab = globalThis as TabGlobals;
  let shared = tab[SHARED_KEY];
  if (shared === undefined || shared.isDisposed) {
    shared = new RealtimeClient();
    shared.connect();
    tab[SHARED_KEY] = shared;
  }
  return shared;
}
