/**
 * React glue for the presence model: re-render when presence changes, and
 * watch a scope while a component is mounted.
 */
import * as React from 'react';

import type { PresenceModel, PresenceScope } from './presence';
import { presenceQuery } from './presence';

/**
 * Re-render the calling component whenever someone's presence changes;
 * returns the model for `statusOf(...)` (or `null` without one).
 */
export function usePresence(model: PresenceModel | null): PresenceModel | null {
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    if (model === null) {
      return;
    }
    const onChange = (): void => setVersion(v => v + 1);
    model.changed.connect(onChange);
    model.preferencesChanged.connect(onChange);
    return () => {
      model.changed.disconnect(onChange);
      model.preferencesChanged.disconnect(onChange);
    };
  }, [model]);
  return model;
}

/**
 * Follow the presence of the given scopes while mounted. Scopes are compared
 * by value, so a new array with the same scopes changes nothing.
 */
export function usePresenceWatch(
  model: PresenceModel | null,
  scopes: readonly PresenceScope[]
): void {
  const key = JSON.stringify(scopes.map(presenceQuery));
  React.useEffect(() => {
    if (model === null) {
      return;
    }
    const watches = scopes.map(scope => model.watch(scope));
    return () => watches.forEach(watch => watch.dispose());
    // the scopes are in `key`
  }, [model, key]);
}
