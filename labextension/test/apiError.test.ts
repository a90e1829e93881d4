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
});
