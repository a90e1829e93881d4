import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ICallMember } from '../src/room/video/callApi';
import {
  activeSpeaker,
  audioLevels,
  formatDuration,
  mediaErrorMessage,
  tileOrder,
  upsertMember
} from '../src/room/video/callState';

function member(username: string, joined: string, audio = true): ICallMember {
  return {
    username,
    display_name: username,
    audio,
    video: true,
    screen: false,
    receive_video: true,
    joined_at: joined
  };
}

function mediaError(name: string): Error {
  const error = new Error('denied');
  error.name = name;
  return error;
}

describe('mediaErrorMessage', () => {
  it('should say a refused camera leaves listening and chat', () => {
    const text = mediaErrorMessage(mediaError('NotAllowedError'), 'camera');
    assert.match(text, /not allowed to use the camera/);
    assert.match(text, /still listen and chat/);
  });

  it('should say when there is no device at all', () => {
    assert.match(
      mediaErrorMessage(mediaError('NotFoundError'), 'microphone'),
      /No microphone was found/
    );
  });

  it('should tell a cancelled screen share apart', () => {
    assert.equal(
      mediaErrorMessage(mediaError('NotAllowedError'), 'screen'),
      'Screen sharing was cancelled or not allowed.'
    );
  });
});

describe('activeSpeaker', () => {
  it('should pick the loudest over the threshold, nobody in silence', () => {
    assert.equal(activeSpeaker({ a: 0.1, b: 0.3 }, null), 'b');
    assert.equal(activeSpeaker({ a: 0.001, b: 0.01 }, 'a'), null);
  });

  it('should keep the current speaker unless someone is clearly louder', () => {
    assert.equal(activeSpeaker({ a: 0.2, b: 0.25 }, 'a'), 'a');
    assert.equal(activeSpeaker({ a: 0.2, b: 0.5 }, 'a'), 'b');
  });
});

describe('tiles and members', () => {
  it('should show me first, then the others by when they joined', () => {
    const order = tileOrder(
      [
        member('c', '2026-01-01T10:02:00Z'),
        member('me', '2026-01-01T10:05:00Z'),
        member('b', '2026-01-01T10:01:00Z')
      ],
      'me'
    );
    assert.deepEqual(
      order.map(m => m.username),
      ['me', 'b', 'c']
    );
  });

  it('should replace a member by username', () => {
    const members = upsertMember(
      [member('a', 'x'), member('b', 'y')],
      member('a', 'x', false)
    );
    assert.equal(members.length, 2);
    assert.equal(members.find(m => m.username === 'a')?.audio, false);
  });

  it('should format recording lengths', () => {
    assert.equal(formatDuration(65), '1:05');
    assert.equal(formatDuration(3725), '1:02:05');
  });
});

describe('audioLevels', () => {
  it("should name the others' levels by slot and mine by the microphone", () => {
    const slots = new Map([
      ['3', { mid: '3', username: 'bob', source: 'audio' as const }]
    ]);
    const reports = [
      { type: 'inbound-rtp', kind: 'audio', mid: '3', audioLevel: 0.4 },
      { type: 'inbound-rtp', kind: 'video', mid: '4' },
      { type: 'inbound-rtp', kind: 'audio', mid: '9', audioLevel: 0.9 },
      { type: 'media-source', kind: 'audio', audioLevel: 0.2 }
    ];
    assert.deepEqual(audioLevels(reports, slots, 'me', true), {
      bob: 0.4,
      me: 0.2
    });
    assert.equal(audioLevels(reports, slots, 'me', false).me, 0);
  });
});
