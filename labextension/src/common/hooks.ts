/**
 * React hooks shared by the room components.
 */
import * as React from 'react';

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
