import { followPlugin } from './plugins/follow';
import { groupInvitesPlugin } from './plugins/groupInvites';
import { officeHoursPlugin } from './plugins/officeHours';
import { roomPlugin } from './plugins/room';
import { sidebarPlugin } from './plugins/sidebar';

export default [
  sidebarPlugin,
  officeHoursPlugin,
  groupInvitesPlugin,
  roomPlugin,
  followPlugin
];
