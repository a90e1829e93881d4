/**
 * The plugin of the Study sidebar: the panel, the create-session command,
 * the notifications, presence (with idle detection) and session invite links.
 */
import {
  ILayoutRestorer,
  IRouter,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';

import { errorMessage } from '../common/apiError';
import { realtime } from '../common/connection';
import { studySessionIcon } from '../common/icons';
import { NotificationBridge, OPEN_ROOM } from '../common/notificationCenter';
import { presence } from '../common/presence';
import type { RealtimeClient } from '../common/realtime';
import { showCreateSessionDialog } from '../sessions/createSessionDialog';
import {
  parseSessionInvite,
  SESSION_PARAM,
  TOKEN_PARAM,
  withoutSessionInvite
} from '../sessions/sessionInvite';
import { createStudyApi } from '../sessions/sessionsApi';
import { CREATE_SESSION, StudySessionSidebar } from '../sidebar/sidebar';

/** Joins the session of an invite link in the page's URL (run by the router). */
export const JOIN_FROM_LINK = 'studysession:join-session-from-link';

/** After this long without a key press or pointer move, the tab says it is idle. */
const IDLE_AFTER_MS = 5 * 60_000;

/**
 * Tell the server when this tab is idle (no input for `IDLE_AFTER_MS`): the
 * heartbeats carry it, and a user whose every tab is idle shows as away.
 */
export function trackIdle(
  client: RealtimeClient,
  afterMs = IDLE_AFTER_MS
): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const active = (): void => {
    client.idle = false;
    if (timer !== null) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      client.idle = true;
    }, afterMs);
  };
  for (const type of ['keydown', 'pointermove', 'pointerdown', 'wheel']) {
    document.addEventListener(type, active, { capture: true, passive: true });
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      active();
    }
  });
  active();
}

/** The "Study" sidebar, its commands, notifications and presence. */
export const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-studysession:sidebar',
  description:
    'The Study sidebar: your sessions, creating and joining them, presence and notifications.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, IRouter],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    router: IRouter | null
  ): void => {
    const api = createStudyApi();
    const people = presence();
    const sidebar = new StudySessionSidebar({
      commands: app.commands,
      api,
      presence: people,
      client: realtime
    });
    app.shell.add(sidebar, 'left', { rank: 200 });
    restorer?.add(sidebar, sidebar.id);

    app.commands.addCommand(CREATE_SESSION, {
      label: 'New Study Session…',
      caption: 'Create a study session and invite people',
      icon: studySessionIcon,
      execute: async () => {
        const session = await showCreateSessionDialog(api, people);
        if (session === null) {
          return;
        }
        app.shell.activateById(sidebar.id);
        await sidebar.model.created(session);
      }
    });
    palette?.addItem({ command: CREATE_SESSION, category: 'Study' });

    const bridge = new NotificationBridge({
      commands: app.commands,
      api,
      client: realtime,
      onNotification: () => sidebar.refreshAll()
    });

    void app.restored.then(async () => {
      trackIdle(realtime());
      let username: string;
      try {
        username = (await api.getMe()).username;
      } catch {
        return; // the sidebar shows why
      }
      people.watchMe(username);
      bridge.start(username);
    });

    // invite links: `?studysession-session=<id>&invite_token=<token>`
    app.commands.addCommand(JOIN_FROM_LINK, {
      label: 'Join a Study Session from an Invite Link',
      execute: async args => {
        const location = args as Partial<IRouter.ILocation>;
        const search =
          typeof location.search === 'string'
            ? location.search
            : window.location.search;
        const invite = parseSessionInvite(search);
        // tidy the address bar whatever happens: a reload must not join again
        if (router !== null && typeof location.path === 'string') {
          router.navigate(
            location.path +
              withoutSessionInvite(search) +
              (location.hash ?? ''),
            { skipRouting: true }
          );
        }
        if (invite === null) {
          return;
        }
        try {
          const session = await api.join(invite.sessionId, invite.token);
          Notification.success(`You joined “${session.title}”.`, {
            autoClose: 5000
          });
          sidebar.refreshAll();
          if (app.commands.hasCommand(OPEN_ROOM)) {
            await app.commands.execute(OPEN_ROOM, { id: session.id });
          } else {
            app.shell.activateById(sidebar.id);
          }
        } catch (error) {
          Notification.error(
            errorMessage(
              error,
              'The invite link could not be used because of an unexpected error.'
            ),
            { autoClose: false }
          );
        }
      }
    });
    router?.register({
      command: JOIN_FROM_LINK,
      // both parameters, in any order
      pattern: new RegExp(
        `^(?=.*[?&]${SESSION_PARAM}=)(?=.*[?&]${TOKEN_PARAM}=)`
      )
    });
  }
};
