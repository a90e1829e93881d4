/**
 * The error thrown by the REST client.
 *
 * Kept free of JupyterLab imports so that it can be unit-tested under Node.
 */

/** The `reason` used when the server could not be reached at all. */
export const NETWORK_ERROR_REASON = 'network_error';

/** The `reason` used when a successful response did not hold valid JSON. */
export const INVALID_RESPONSE_REASON = 'invalid_response';

/**
 * A failed call to the study session API.
 *
 * `message` is meant for the user, `reason` is a short machine-readable code
 * and `status` is the HTTP status (0 when the request never got an answer).
 */
export class APIError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'APIError';
  }

  /**
   * Build the error for a non-2xx response from its status and body text.
   *
   * The server answers errors with `{"message": str, "reason": str}`; any other
   * body (an HTML page from a proxy, an empty body) falls back to the status.
   */
  static fromResponse(
    status: number,
    statusText: string,
    body: string
  ): APIError {
    const parsed = parseErrorBody(body);
    const message =
      parsed.message ||
      statusText ||
      `The request failed with status ${status}.`;
    return new APIError(message, parsed.reason, status);
  }
}

function parseErrorBody(body: string): { message: string; reason: string } {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { message: '', reason: '' };
  }
  if (typeof data !== 'object' || data === null) {
    return { message: '', reason: '' };
  }
  const { message, reason } = data as Record<string, unknown>;
  return {
    message: typeof message === 'string' ? message : '',
    reason: typeof reason === 'string' ? reason : ''
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
