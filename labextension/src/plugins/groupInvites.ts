/**
 * Study-group invite links in JupyterLab: opening
 * `<base>lab?studysession-group=<id>&invite_token=<token>` joins the group
 * (command `studysession:join-group`), says so in a notification and tidies
 * the address bar. The Groups tab (`groups/GroupsView`) also accepts a
 * pasted link.
 */
import {
  IRouter,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';

import { errorMessage } from '../common/store';
import { joinGroup } from '../groups/api';
import {
  GROUP_PARAM,
  parseInviteLink,
  withoutInvite
} from '../groups/inviteLink';

export const JOIN_GROUP_COMMAND = 'studysession:join-group';

/** The id of the Study sidebar (its Groups tab lists the groups). */
const SIDEBAR_ID = 'jp-studysession-sidebar';

export const groupInvitesPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-studysession:group-invites',
  description: 'Joins a study group from its invite link.',
  autoStart: true,
  requires: [IRouter],
  activate: (app: JupyterFrontEnd, router: IRouter): void => {
    app.commands.addCommand(JOIN_GROUP_COMMAND, {
      label: 'Join a Study Group from an Invite Link',
      execute: async args => {
        const location = args as unknown as Partial<IRouter.ILocation>;
        const search =
          typeof location.search === 'string'
            ? location.search
            : window.location.search;
        const invite = parseInviteLink(search);
        // tidy the address bar whatever happens: a reload must not join again
        if (typeof location.path === 'string') {
          router.navigate(
            location.path + withoutInvite(search) + (location.hash ?? ''),
            { skipRouting: true }
          );
        }
        if (invite === null) {
          Notification.warning('This study group invite link is incomplete.');
          return;
        }
        try {
          const group = await joinGroup(invite.groupId, invite.token);
          Notification.success(`You joined the study group “${group.name}”.`, {
            autoClose: 8000,
            actions: [
              {
                label: 'Show groups',
                callback: () => app.shell.activateById(SIDEBAR_ID)
              }
            ]
          });
        } catch (error) {
          Notification.error(
            `Could not join the study group: ${errorMessage(error)}`,
            { autoClose: false }
          );
        }
      }
    });
    router.register({
      command: JOIN_GROUP_COMMAND,
      pattern: new RegExp(`[?&]${GROUP_PARAM}=`)
    });
  }
};
