import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { roomFromQuery, withoutRoomLink } from '../src/room/roomLink';

describe('roomFromQuery', () => {
  it('should find the session of a room link', () => {
    assert.equal(roomFromQuery('?reset&studysession-session=abc'), 'abc');
    assert.equal(roomFromQuery('?studysession-session=%20abc%20'), 'abc');
  });

  it('should leave invite links and other pages alone', () => {
    assert.equal(
      roomFromQuery('?studysession-session=abc&invite_token=t0k'),
      null
    );
    assert.equal(roomFromQuery('?studysession-session='), null);
    assert.equal(roomFromQuery('?reset'), null);
    assert.equal(roomFromQuery(''), null);
  });
});

describe('withoutRoomLink', () => {
  it('should drop only the room parameter', () => {
    assert.equal(
      withoutRoomLink('http://h/lab?token=x&studysession-session=abc#f'),
      'http://h/lab?token=x#f'
    );
  });
});
