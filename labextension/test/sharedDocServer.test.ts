/**
 * The shared documents with the stock Yjs client (npm `yjs` and
 * `y-websocket`'s provider, through `SharedDoc`) against a real Jupyter
 * server whose documents are pycrdt documents: concurrent edits converge,
 * edits made offline merge, outsiders are refused and the provider stops,
 * awareness carries the server's identity, the end makes the notes read-only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ServerConnection } from '@jupyterlab/services';
import WS from 'ws';
import * as Y from 'yjs';

import { DocName, SharedDoc } from '../src/room/sharedDoc';
import { JupyterServer, tokenFor } from './jupyterServer';
import { waitFor } from './waitFor';

describe(
  'Shared documents with the stock Yjs client',
  { timeout: 120_000 },
  () => {
    let server: JupyterServer;
    let sessionId: string;
    const docs: SharedDoc[] = [];

    function open(user: string, name: DocName = 'notes'): SharedDoc {
      const doc = new SharedDoc({
        sessionId,
        name,
        settings: ServerConnection.makeSettings({
          baseUrl: server.baseUrl,
          token: tokenFor(user)
        }),
        WebSocketPolyfill: WS as unknown as typeof WebSocket,
        maxBackoffTime: 200
      });
      docs.push(doc);
      return doc;
    }

    const text = (doc: SharedDoc): Y.Text => doc.doc.getText('source');

    async function notesMarkdown(): Promise<string> {
      const response = await fetch(
        `${server.baseUrl}studysession/api/sessions/${sessionId}/docs/notes.md`,
        { headers: { Authorization: `token ${tokenFor('alice')}` } }
      );
      assert.equal(response.status, 200);
      return response.text();
    }

    before(async () => {
      server = await JupyterServer.start({
        users: ['alice', 'bob', 'erin']
      });
      const session = await server.fetchAs<{ id: string }>(
        'alice',
        'POST',
        'sessions',
        { title: 'Notes', type: 'group', invite: ['bob'] }
      );
      sessionId = session.id;
      await server.fetchAs('bob', 'POST', `sessions/${sessionId}/join`);
      await server.fetchAs('alice', 'POST', `sessions/${sessionId}/start`);
    });

    after(async () => {
      for (const doc of docs) {
        doc.dispose();
      }
      await server?.stop();
    });

    it('converges on concurrent edits, with the server and with pycrdt edits', async () => {
      const alice = open('alice');
      const bob = open('bob');
      await waitFor('both synced', () => alice.editable && bob.editable);
      text(alice).insert(0, 'Eigenvalues. ');
      text(bob).insert(0, 'Eigenvectors. ');
      await server.fetchAs(
        'alice',
        'POST',
        `sessions/${sessionId}/docs/notes/append`,
        {
          text: 'Appended by the server.'
        }
      );
      await waitFor(
        'convergence',
        () =>
          text(alice).toString() === text(bob).toString() &&
          text(alice).toString().includes('Appended') &&
          text(alice).length ===
            'Eigenvalues. Eigenvectors. Appended by the server.'.length
      );
      assert.equal(await notesMarkdown(), text(alice).toString());
    });

    it('merges edits made offline on both sides when the connection returns', async () => {
      const alice = open('alice');
      const bob = open('bob');
      await waitFor('both synced', () => alice.editable && bob.editable);
      await waitFor(
        'same text',
        () => text(alice).toString() === text(bob).toString()
      );
      alice.provider.disconnect();
      await waitFor('alice offline', () => alice.state.status === 'offline');
      text(alice).insert(0, '[offline a] ');
      text(bob).insert(text(bob).length, ' [online b]');
      await new Promise(resolve => setTimeout(resolve, 200));
      assert.ok(!text(bob).toString().includes('[offline a]'));
      alice.provider.connect();
      await waitFor(
        'merged',
        () =>
          text(alice).toString().includes('[online b]') &&
          text(bob).toString().includes('[offline a]') &&
          text(alice).toString() === text(bob).toString()
      );
    });

    it('carries the identity the server verified in awareness', async () => {
      const alice = open('alice');
      const bob = open('bob');
      await waitFor('both synced', () => alice.editable && bob.editable);
      bob.awareness.setLocalStateField('user', {
        name: 'Alice',
        username: 'alice'
      });
      const state = await waitFor('bob in alice\u2019s awareness', () =>
        alice.awareness.getStates().get(bob.doc.clientID)
      );
      const user = (state as { user: { username: string; name: string } }).user;
      await waitFor(
        'bob as himself',
        () => user.username === 'bob' || undefined
      );
      assert.equal(user.username, 'bob');
      assert.notEqual(user.name, 'Alice');
    });

    it('refuses an outsider with a final close code, and the provider stops', async () => {
      const erin = open('erin');
      await waitFor('refused', () => erin.state.status === 'closed');
      assert.match(erin.state.closed ?? '', /not exist|not a participant/);
      assert.equal(erin.provider.shouldConnect, false);
      await new Promise(resolve => setTimeout(resolve, 600));
      assert.equal(erin.provider.wsconnected, false);
      assert.equal(text(erin).length, 0);
    });

    it('makes the notes read-only once the session ends', async () => {
      const bob = open('bob');
      await waitFor('synced', () => bob.editable);
      const before = await notesMarkdown();
      await server.fetchAs('alice', 'POST', `sessions/${sessionId}/end`);
      text(bob).insert(0, 'too late ');
      await waitFor('told read-only', () => bob.state.readOnly);
      assert.match(bob.state.readOnly ?? '', /ended/);
      assert.equal(await notesMarkdown(), before);
      const late = open('bob');
      await waitFor('read-only at once', () => late.state.readOnly);
      assert.equal(late.editable, false);
    });
  }
);
