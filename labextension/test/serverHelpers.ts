/**
 * Helpers of the tests that talk to a real server: sockets the test controls.
 */
import assert from 'node:assert/strict';

import WS from 'ws';

/** `ws` sockets the test can close, or make fail (a wrong token). */
export class Sockets {
  readonly created: WS[] = [];
  blocked = false;

  get latest(): WS {
    const socket = this.created[this.created.length - 1];
    assert.ok(socket, 'no socket was created');
    return socket;
  }

  get constructorForClient(): typeof WebSocket {
    const sockets = this;
    class TrackedSocket extends WS {
      constructor(url: string) {
        super(
          sockets.blocked ? url.replace(/token=[^&]*/, 'token=wrong') : url
        );
        sockets.created.push(this);
      }
    }
    return TrackedSocket as unknown as typeof WebSocket;
  }
}
