import { groupInvitesPlugin } from './groupInvites';
import { officeHoursPlugin } from './officeHoursPanel';
import { roomPlugin } from './roomPanel';
import { sidebarPlugin } from './sidebarPlugin';

export default [
  sidebarPlugin,
  officeHoursPlugin,
  groupInvitesPlugin,
  roomPlugin
];
