/**
 * The error thrown by the REST client.
 *
 * Kept free of JupyterLab imports so that it can be unit-tested under Node.
 */

import { formatOpening } from './format';

/**
 * Errors about a time, worded here from the time the server sends as data
 * (`opens_at`), in the user's locale and time zone, by `reason`.
 */
const TIMED_MESSAGES: Readonly<
  Partial<Record<string, (when: string) => string>>
> = {
  join_window: when => `Joining opens ${when}.`
};

/** The `reason` used when the server could not be reached at all. */
export const NETWORK_ERROR_REASON = 'network_error';

/** The `reason` used when a successful response did not hold valid JSON. */
export const INVALID_RESPONSE_REASON = 'invalid_response';

/**
 * A failed call to the study session API.
 *
 * `message` is meant for the user, `reason` is a short machine-readable code
 * and `status` is the HTTP status (0 when the request never got an answer).
 * `details` are the error body's other fields, such as `opens_at`: the time
 * an error is about, which the UI words in the user's locale and zone.
 */
export class APIError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly status: number,
    readonly details: Readonly<Record<string, unknown>> = {}
  ) {
    super(message);
    this.name = 'APIError';
  }

  /**
   * Build the error for a non-2xx response from its status and body text.
   *
   * The server answers errors with `{"message": str, "reason": str}`; any other
   * body (an HTML page from a proxy, an empty body) falls back to the status.
   * An error about a time (`opens_at`) is worded here, as of `now`.
   */
  static fromResponse(
    status: number,
    statusText: string,
    body: string,
    now: Date = new Date()
  ): APIError {
    const parsed = parseErrorBody(body);
    const opensAt = parsed.details.opens_at;
    const timed = TIMED_MESSAGES[parsed.reason];
    const when =
      timed !== undefined && typeof opensAt === 'string'
        ? formatOpening(opensAt, now)
        : '';
    const message =
      (timed !== undefined && when !== '' ? timed(when) : '') ||
      parsed.message ||
      statusText ||
      `The request failed with status ${status}.`;
    return new APIError(message, parsed.reason, status, parsed.details);
  }
}

function parseErrorBody(body: string): {
  message: string;
  reason: string;
  details: Record<string, unknown>;
} {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { message: '', reason: '', details: {} };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { message: '', reason: '', details: {} };
  }
  const { message, reason, ...details } = data as Record<string, unknown>;
  return {
    message: typeof message === 'string' ? message : '',
    reason: typeof reason === 'string' ? reason : '',
    details
  };
}

/** The message to show a person for a failure. */
export function errorMessage(error: unknown, fallback: string): string {
  if (error instanceof APIError) {
    return error.message;
  }
  if (
    error instanceof Error &&
    error.name === 'RealtimeError' &&
    error.message
  ) {
    return error.message;
  }
  return fallback;
}
