/**
 * The "Study" panel of the left sidebar: the JupyterLab glue around
 * `StudySidebar` (commands, clipboard, the live connection, the safety-net
 * poll).
 */
import { Clipboard, ReactWidget } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import type { CommandRegistry } from '@lumino/commands';
import type { IDisposable } from '@lumino/disposable';
import type { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import * as React from 'react';

import { APIError } from '../common/apiError';
import { studySessionIcon } from '../common/icons';
import { OPEN_OFFICE_HOURS, OPEN_ROOM } from '../common/notificationCenter';
import type { PresenceModel } from '../common/presence';
import type { ConnectionState, RealtimeClient } from '../common/realtime';
import { GroupsView } from '../groups/GroupsView';
import { listOfficeHours } from '../officehours/api';
import { StudyModel } from '../sessions/model';
import { buildSessionInviteLink } from '../sessions/sessionInvite';
import type { IStudyApi } from '../sessions/sessionsApi';
import { StudySidebar } from './StudySidebar';

export const CREATE_SESSION = 'studysession:create-session';

/** How often the visible sidebar reloads anyway, in case an event was missed. */
const SAFETY_NET_INTERVAL = 60_000;

/** The least time between two reloads caused by presence changes. */
const PRESENCE_RELOAD_MS = 2_000;

/** Put text on the system clipboard. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    Clipboard.copyToSystem(text);
  }
}

/**
 * The left-sidebar panel "Study". It loads when shown, follows the live
 * connection (notifications reload the lists, a reconnect reloads them) and
 * polls rarely while visible, as a safety net.
 */
export class StudySessionSidebar extends ReactWidget {
  constructor(options: StudySessionSidebar.IOptions) {
    super();
    this.id = 'jp-studysession-sidebar';
    this.addClass('jp-StudySession-sidebar');
    this.title.icon = studySessionIcon;
    this.title.caption = 'Study';
    this._options = options;
    const commands = options.commands;

    this.model = new StudyModel({
      api: options.api,
      openRoom: async id => {
        if (!commands.hasCommand(OPEN_ROOM)) {
          throw new APIError(
            'The session room is not available in this JupyterLab.',
            'no_room_view',
            0
          );
        }
        await commands.execute(OPEN_ROOM, { id });
      },
      copyText,
      inviteUrl: (id, token) =>
        buildSessionInviteLink(PageConfig.getBaseUrl(), id, token)
    });
    this.model.changed.connect(() => this.update());
    this._poll = new Poll({
      factory: () => this.refresh(),
      frequency: {
        interval: options.refreshInterval ?? SAFETY_NET_INTERVAL
      },
      name: 'jupyter-studysession:sessions',
      standby: () => !this.isVisible || 'when-hidden'
    });
    options.client().connectionStateChanged.connect(this._onConnection, this);
    options.presence.changed.connect(this._onPresence, this);
  }

  readonly model: StudyModel;

  /** Reload the shown tab, the office hours and the groups. */
  async refresh(): Promise<void> {
    this._version++;
    this.update();
    await this.model.refresh();
  }

  /** Reload everything (after a live change). */
  refreshAll(): void {
    this._version++;
    this.update();
    void this.model.refreshAll();
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    if (this._presenceTimer !== null) {
      clearTimeout(this._presenceTimer);
    }
    this._options.presence.changed.disconnect(this._onPresence, this);
    this._options
      .client()
      .connectionStateChanged.disconnect(this._onConnection, this);
    super.dispose();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  protected override render(): React.ReactElement {
    const { commands, presence } = this._options;
    return (
      <StudySidebar
        model={this.model}
        presence={presence}
        version={this._version}
        offline={this._down}
        loadOfficeHours={listOfficeHours}
        followQueue={this._followQueue}
        renderGroups={() => (
          <GroupsView
            onOpenRoom={id => void commands.execute(OPEN_ROOM, { id })}
          />
        )}
        onCreate={() => void commands.execute(CREATE_SESSION)}
        onRefresh={() => this.refreshAll()}
        onOpenOfficeHours={id =>
          void commands.execute(OPEN_OFFICE_HOURS, { id })
        }
      />
    );
  }

  /**
   * People come and go with their presence: joining a session and opening its
   * room changes the joiner's presence on `presence:session:<id>`, which the
   * cards follow. The session events themselves are on `session:<id>`, which
   * the sidebar must not follow (that would count the user as attending), so
   * a presence change reloads "My sessions", at most once per
   * `PRESENCE_RELOAD_MS`.
   */
  private _onPresence(): void {
    if (this._presenceTimer !== null || !this.isVisible) {
      return;
    }
    this._presenceTimer = setTimeout(() => {
      this._presenceTimer = null;
      void this.model.mine.refresh();
    }, PRESENCE_RELOAD_MS);
  }

  private readonly _followQueue = (
    officehoursId: string,
    onChange: () => void
  ): IDisposable =>
    this._options.client().subscribe(`queue:${officehoursId}`, onChange);

  private _onConnection(_: RealtimeClient, state: ConnectionState): void {
    if (state === 'closed' && !this._down) {
      this._down = true;
      this.update();
    } else if (state === 'open' && this._down) {
      this._down = false;
      this.refreshAll(); // events may have been missed while it was down
    }
  }

  private readonly _options: StudySessionSidebar.IOptions;
  private readonly _poll: Poll;
  private _presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private _version = 0;
  /** Whether the live connection dropped (and is not back yet). */
  private _down = false;
}

export namespace StudySessionSidebar {
  export interface IOptions {
    commands: CommandRegistry;
    api: IStudyApi;
    presence: PresenceModel;
    /** The tab's realtime client. */
    client: () => RealtimeClient;
    /** Milliseconds between safety-net reloads while visible; 60 s by default. */
    refreshInterval?: number;
  }
}
