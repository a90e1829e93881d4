/**
 * The one realtime connection of this browser tab, shared by the sidebar, the
 * session rooms, the office-hours views and the notebook widgets.
 */
import { RealtimeClient } from './realtime';

let shared: RealtimeClient | null = null;

/** The tab's realtime client, created and connected on first use. */
export function realtime(): RealtimeClient {
  if (shared === null || shared.isDisposed) {
    shared = new RealtimeClient();
    shared.connect();
  }
  return shared;
}
