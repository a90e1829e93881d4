import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  buildSessionInviteLink,
  parseSessionInvite,
  withoutSessionInvite
} from '../src/sessions/sessionInvite';

describe('session invite links', () => {
  it('should carry the session and token in a JupyterLab URL', () => {
    const link = buildSessionInviteLink('http://host/base/', 's1', 'a b&c');
    assert.equal(
      link,
      'http://host/base/lab?studysession-session=s1&invite_token=a+b%26c'
    );
    assert.deepEqual(parseSessionInvite(new URL(link).search), {
      sessionId: 's1',
      token: 'a b&c'
    });
  });

  it('should find no invite without both parameters', () => {
    assert.equal(parseSessionInvite('?studysession-session=s1'), null);
    assert.equal(parseSessionInvite('?invite_token=t'), null);
    assert.equal(parseSessionInvite(''), null);
  });

  it('should tidy the address bar, keeping other parameters', () => {
    assert.equal(
      withoutSessionInvite('?reset&studysession-session=s1&invite_token=t'),
      '?reset='
    );
    assert.equal(
      withoutSessionInvite('?studysession-session=s1&invite_token=t'),
      ''
    );
  });
});
