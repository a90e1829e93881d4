import * as React from 'react';

import { errorMessage } from './apiError';

/** What `useLoad` gives: the last result, the error for people, and reload. */
export interface ILoaded<T> {
  value: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Load something when mounted and whenever `version` changes; failures become
 * a message for people (`fallback` when the error carries none).
 */
export function useLoad<T>(
  load: () => Promise<T>,
  version: number,
  fallback: string
): ILoaded<T> {
  const [value, setValue] = React.useState<T | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [loading, setLoading] = React.useState(false);
  const [tick, setTick] = React.useState(0);
  const loader = React.useRef(load);
  loader.current = load;
  React.useEffect(() => {
    let current = true;
    setLoading(true);
    loader.current().then(
      result => {
        if (current) {
          setValue(result);
          setError(null);
          setLoading(false);
        }
      },
      failure => {
        if (current) {
          setError(errorMessage(failure, fallback));
          setLoading(false);
        }
      }
    );
    return () => {
      current = false;
    };
  }, [version, tick, fallback]);
  return { value, error, loading, reload: () => setTick(t => t + 1) };
}
