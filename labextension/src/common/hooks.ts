/**
 * React hooks shared by the room components.
 */
import * as React from 'react';

import type { ISession } from './api';
import { joinNotOpenYet } from './format';
import type { Store } from './store';

/** The state of a store; the component renders again when it changes. */
export function useStore<T extends object>(store: Store<T>): T {
  return React.useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/**
 * The local time in ms, updated every `intervalMs` while `active` (for
 * countdowns and elapsed times); not updated while inactive.
 */
export function useNow(intervalMs = 1000, active = true): number {
  const [now, setNow] = React.useState(() => Date.now());
  React.useEffect(() => {
    if (!active) {
      return;
    }
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, active]);
  return now;
}

/**
 * Why `session` cannot be joined yet ("Joining opens at 3:58 PM, in 4
 * minutes"), said again every second until it can; `null` once it can, and
 * while not `active`.
 */
export function useJoinNotOpenYet(
  session: Pick<ISession, 'join_opens_at'>,
  active = true
): string | null {
  const opensAt = Date.parse(session.join_opens_at ?? '');
  const now = useNow(1000, active && opensAt > Date.now());
  return active ? joinNotOpenYet(session, new Date(now)) : null;
}
