/**
 * The delays between the realtime client's connection attempts.
 */

/** How long to wait between connection attempts. */
export interface IBackoffOptions {
  /** The delay before the first retry (before jitter). */
  initialMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** Each failed attempt multiplies the delay by this. */
  factor: number;
  /** The share of the delay that is random, 0..1: a delay is in `[d(1 - jitter), d]`. */
  jitter: number;
}

export const DEFAULT_BACKOFF: IBackoffOptions = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5
};

/**
 * The delay before retry number `attempt` (0 for the first): exponential,
 * capped at `maxMs`, with jitter so that many tabs dropped at once by a
 * restarting server do not all come back at the same instant.
 *
 * @param random - a number in [0, 1); `Math.random` by default
 */
export function backoffDelay(
  attempt: number,
  options: IBackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random
): number {
  const exponential = options.initialMs * Math.pow(options.factor, attempt);
  const base = Math.min(options.maxMs, exponential);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter * random()));
}
