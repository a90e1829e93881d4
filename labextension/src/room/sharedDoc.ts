/**
 * A session's shared document (`notes` or `whiteboard`) as a Yjs document
 * synced with the server by y-websocket's provider, and what the server said
 * about it: connected or not, read-only and why, closed for good and why.
 *
 * The server's protocol (docs/room.md): close codes 4400-4499 are final (the
 * provider stops reconnecting and the panel explains), 1013 means "try again
 * later"; a y-protocols "permission denied" message (`code: explanation`)
 * means this user's edits are not stored (read-only).
 */
import { ServerConnection } from '@jupyterlab/services';
import { URLExt } from '@jupyterlab/coreutils';
import { readAuthMessage } from 'y-protocols/auth';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

import { Store } from '../common/store';

export type DocName = 'notes' | 'whiteboard';

export interface ISharedDocState {
  /** `connecting` until the first sync; `offline` while a dropped connection is retried. */
  status: 'connecting' | 'synced' | 'offline' | 'closed';
  /** Whether the document was synced once (edits made offline merge later). */
  everSynced: boolean;
  /** Why this user's edits are not stored, for people; `null`: they are. */
  readOnly: string | null;
  /** Why the server closed the document for good, for people. */
  closed: string | null;
}

/** Messages for the final close codes, as the server documents them. */
const CLOSED: Record<number, string> = {
  4400: 'The connection sent something the server could not read and was closed.',
  4403: 'You are not a participant of this session, so its documents are closed to you.',
  4404: 'This session or document does not exist, or you may not see it.',
  4413: 'The last change was too large to store (over the size limit). Reload to continue.'
};

export interface ISharedDocOptions {
  sessionId: string;
  name: DocName;
  /** The server; the page's by default. */
  settings?: ServerConnection.ISettings;
  /** For Node tests (the `ws` package). */
  WebSocketPolyfill?: typeof WebSocket;
  /** Retry a dropped connection after at most this many ms. */
  maxBackoffTime?: number;
}

/** The reason text of a `code: explanation` message, for people. */
export function explanation(reason: string): string {
  const colon = reason.indexOf(': ');
  return colon >= 0 ? reason.slice(colon + 2) : reason;
}

/** The y-websocket URL of the session's documents (the provider appends the name). */
export function docsUrl(
  settings: ServerConnection.ISettings,
  sessionId: string
): string {
  return URLExt.join(
    settings.wsUrl,
    'studysession/api/sessions',
    encodeURIComponent(sessionId),
    'docs'
  );
}

export class SharedDoc extends Store<ISharedDocState> {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly name: DocName;

  constructor(options: ISharedDocOptions) {
    super({
      status: 'connecting',
      everSynced: false,
      readOnly: null,
      closed: null
    });
    const settings = options.settings ?? ServerConnection.makeSettings();
    this.name = options.name;
    this.doc = new Y.Doc();
    this.provider = new WebsocketProvider(
      docsUrl(settings, options.sessionId),
      options.name,
      this.doc,
      {
        params: settings.token ? { token: settings.token } : {},
        // never sync with another tab directly: only the server applies the rules
        disableBc: true,
        WebSocketPolyfill: options.WebSocketPolyfill,
        maxBackoffTime: options.maxBackoffTime ?? 2500
      }
    );
    this.provider.messageHandlers[2] = (_encoder, decoder) => {
      readAuthMessage(decoder, this.doc, (_doc, reason) =>
        this.set({ readOnly: explanation(reason) })
      );
    };
    this.provider.on('sync', synced => {
      if (synced) {
        this.set({ status: 'synced', everSynced: true });
      }
    });
    this.provider.on('status', ({ status }) => {
      if (status === 'disconnected' && this.state.status !== 'closed') {
        this.set({ status: this.state.everSynced ? 'offline' : 'connecting' });
      }
    });
    // the browser knows at once when the network is gone: do not wait for a timeout
    if (typeof window !== 'undefined') {
      window.addEventListener('offline', this._goOffline);
      window.addEventListener('online', this._goOnline);
    }
    this.provider.on('connection-close', event => {
      const message = event === null ? undefined : CLOSED[event.code];
      if (message !== undefined) {
        this.provider.disconnect();
        this.set({ status: 'closed', closed: message });
      }
    });
  }

  /** The awareness (cursors, pointers) of the document's peers. */
  get awareness(): WebsocketProvider['awareness'] {
    return this.provider.awareness;
  }

  /**
   * Show the document read-only for `reason` (what the room knows before the
   * server says it: the session ended, the user is not joined).
   */
  markReadOnly(reason: string): void {
    if (this.state.readOnly === null) {
      this.set({ readOnly: reason });
    }
  }

  /** Whether local edits are stored: synced once, not read-only, not closed. */
  get editable(): boolean {
    const { everSynced, readOnly, closed } = this.state;
    return everSynced && readOnly === null && closed === null;
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    if (typeof window !== 'undefined') {
      window.removeEventListener('offline', this._goOffline);
      window.removeEventListener('online', this._goOnline);
    }
    this.provider.destroy();
    this.doc.destroy();
    super.dispose();
  }

  private readonly _goOffline = (): void => {
    if (this.state.closed === null) {
      this.provider.disconnect();
    }
  };

  private readonly _goOnline = (): void => {
    if (this.state.closed === null) {
      this.provider.connect();
    }
  };
}
