import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { APIError } from '../src/common/apiError';

describe('APIError.fromResponse', () => {
  it('should take message and reason from the JSON error body', () => {
    const error = APIError.fromResponse(
      409,
      'Conflict',
      '{"message": "The session is full.", "reason": "session_full"}'
    );
    assert.ok(error instanceof APIError);
    assert.ok(error instanceof Error);
    assert.equal(error.message, 'The session is full.');
    assert.equal(error.reason, 'session_full');
    assert.equal(error.status, 409);
  });

  it('should fall back to the status text when the body is not JSON', () => {
    const error = APIError.fromResponse(502, 'Bad Gateway', '<html></html>');
    assert.equal(error.message, 'Bad Gateway');
    assert.equal(error.reason, '');
    assert.equal(error.status, 502);
  });

  it('should name the status when there is neither body nor status text', () => {
    const error = APIError.fromResponse(500, '', '');
    assert.equal(error.message, 'The request failed with status 500.');
  });

  it('should ignore fields of the wrong type', () => {
    const error = APIError.fromResponse(
      403,
      'Forbidden',
      '{"message": null, "reason": 7}'
    );
    assert.equal(error.message, 'Forbidden');
    assert.equal(error.reason, '');
  });

  it("should keep the body's other fields as details", () => {
    const error = APIError.fromResponse(
      429,
      'Too Many Requests',
      '{"message": "Slow down.", "reason": "rate_limited", "retry_after": 3}'
    );
    assert.deepEqual(error.details, { retry_after: 3 });
  });

  it("should word a time the error is about in the user's locale, not as a timestamp", () => {
    const body = JSON.stringify({
      message: 'Joining opens 5 minutes before the start.',
      reason: 'join_window',
      opens_at: '2026-12-06T15:58:09.575396+00:00'
    });
    const error = APIError.fromResponse(
      409,
      'Conflict',
      body,
      new Date('2026-12-06T15:54:00Z')
    );
    assert.equal(error.reason, 'join_window');
    assert.equal(error.details.opens_at, '2026-12-06T15:58:09.575396+00:00');
    assert.match(
      error.message,
      /^Joining opens at \d{1,2}:58 [AP]M, in 4 minutes\.$/
    );
    assert.doesNotMatch(error.message, /2026|T15|\+00:00/);
  });

  it("should keep the server's message when the time is missing", () => {
    const error = APIError.fromResponse(
      409,
      'Conflict',
      '{"message": "Joining opens 5 minutes before the start.", "reason": "join_window"}'
    );
    assert.equal(error.message, 'Joining opens 5 minutes before the start.');
  });
});
