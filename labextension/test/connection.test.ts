import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { realtime } from '../src/common/connection';
import { RealtimeError } from '../src/common/realtimeProtocol';

/** Where `connection.ts` keeps the tab's client (shared by every bundle). */
const SHARED_KEY = Symbol.for('jupyter-studysession:realtime');
type Tab = Record<symbol, unknown>;

describe('realtime (the tab’s one connection)', () => {
  afterEach(() => {
    delete (globalThis as unknown as Tab)[SHARED_KEY];
  });

  it('should hand out the client another bundle of the tab created', () => {
    // e.g. JupyterLab's extension connected first; the widget's copy of the module asks
    const fromOtherBundle = { isDisposed: false };
    (globalThis as unknown as Tab)[SHARED_KEY] = fromOtherBundle;
    assert.equal(realtime(), fromOtherBundle);
    assert.equal(realtime(), fromOtherBundle);
  });
});

describe('RealtimeError across bundles', () => {
  /** The same class as another bundle's copy of realtimeProtocol.ts has it. */
  class OtherCopyOfRealtimeError extends Error {
    constructor(
      message: string,
      readonly code: string
    ) {
      super(message);
      this.name = 'RealtimeError';
    }
  }

  it('should recognise the errors of another copy of the class', () => {
    const error: unknown = new OtherCopyOfRealtimeError('Nope.', 'forbidden');
    assert.ok(error instanceof RealtimeError);
    assert.ok(new RealtimeError('Nope.', 'forbidden') instanceof RealtimeError);
  });

  it('should not take other errors for one', () => {
    assert.ok(!(new Error('plain') instanceof RealtimeError));
    const named = new Error('no code');
    named.name = 'RealtimeError';
    assert.ok(!(named instanceof RealtimeError));
    assert.ok(
      !(
        ({ name: 'RealtimeError', code: 'x' } as unknown) instanceof
        RealtimeError
      )
    );
  });
});
