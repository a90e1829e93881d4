import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { PageConfig } from '@jupyterlab/coreutils';

import { visitor } from '../src/follow/visit';

describe('visitor', () => {
  afterEach(() => {
    PageConfig.setOption('hubUser', '');
    PageConfig.setOption('hubServerUser', '');
  });

  it('is the user on a server another user owns', () => {
    PageConfig.setOption('hubUser', 'alice');
    PageConfig.setOption('hubServerUser', 'bob');
    assert.equal(visitor(), 'alice');
  });

  it('is null on one’s own server', () => {
    PageConfig.setOption('hubUser', 'bob');
    PageConfig.setOption('hubServerUser', 'bob');
    assert.equal(visitor(), null);
  });

  it('is null without a hub', () => {
    assert.equal(visitor(), null);
  });
});
