/**
 * The pure rules of a session room: its settings, who may do what, and how
 * participants and goals change with the channel's events. Unit-tested.
 */
import type {
  CourseRole,
  ParticipantState,
  SessionRole,
  SessionStatus
} from '../common/api';
import type { IGoal, IParticipant } from '../common/realtimeProtocol';
import type { ChatMessage } from './chatState';
import type { IRoomSession } from './roomApi';

// -- settings ------------------------------------------------------------------

export type RoomLayout = 'default' | 'focus' | 'grid';

/** What the session's settings turn on in the room. */
export interface IRoomSettings {
  chat: boolean;
  timer: boolean;
  notes: boolean;
  whiteboard: boolean;
  layout: RoomLayout;
  timerControl: 'hosts' | 'everyone';
  /** The room has a video call, and screen sharing in it. */
  video: boolean;
  screenShare: boolean;
}

/** The server's defaults (`SessionSettings` in `models/sessions.py`). */
const DEFAULT_TOOLS = ['chat', 'timer', 'notes', 'whiteboard'];

/** Read a session's `settings` object, falling back to the server's defaults. */
export function roomSettings(settings: Record<string, unknown>): IRoomSettings {
  const tools = Array.isArray(settings.tools)
    ? settings.tools.filter((t): t is string => typeof t === 'string')
    : DEFAULT_TOOLS;
  const layout =
    settings.layout === 'focus' || settings.layout === 'grid'
      ? settings.layout
      : 'default';
  return {
    chat: tools.includes('chat'),
    timer: tools.includes('timer'),
    notes: tools.includes('notes'),
    whiteboard: tools.includes('whiteboard'),
    layout,
    timerControl: settings.timer_control === 'everyone' ? 'everyone' : 'hosts',
    video: tools.includes('video'),
    screenShare: tools.includes('screen_share')
  };
}

// -- who may do what -----------------------------------------------------------

/** The current user as the room's rules see them. */
export interface IRoomActor {
  username: string;
  role: SessionRole | null;
  state: ParticipantState | null;
  courseRole: CourseRole;
}

export function isStaff(actor: IRoomActor): boolean {
  return actor.courseRole === 'instructor' || actor.courseRole === 'ta';
}

export function isHostOrCoHost(actor: IRoomActor): boolean {
  return actor.role === 'host' || actor.role === 'co_host';
}

export function isOpenStatus(status: SessionStatus): boolean {
  return status === 'scheduled' || status === 'active';
}

/**
 * What the user can see of a room:
 * - `room`: the room (joined now or before, or course staff);
 * - `join`: a prompt to join first (invited, or a public session);
 * - `removed`: the host removed them;
 * - `ended`: the session is over and they never joined it.
 */
export type RoomAccess = 'room' | 'join' | 'removed' | 'ended';

export function roomAccess(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor
): RoomAccess {
  if (actor.state === 'removed') {
    return 'removed';
  }
  if (actor.state === 'joined' || actor.state === 'left' || isStaff(actor)) {
    return 'room';
  }
  return isOpenStatus(session.status) ? 'join' : 'ended';
}

/** Whether the user may join (again) from inside the room. */
export function canJoin(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor
): boolean {
  return (
    isOpenStatus(session.status) &&
    actor.state !== 'joined' &&
    actor.state !== 'removed'
  );
}

/** Chat, goals: joined participants of a scheduled or active session. */
export function canWrite(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor
): boolean {
  return actor.state === 'joined' && isOpenStatus(session.status);
}

export function canStart(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor
): boolean {
  return session.status === 'scheduled' && isHostOrCoHost(actor);
}

export function canEnd(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor
): boolean {
  return session.status === 'active' && isHostOrCoHost(actor);
}

/** Promote, demote and remove participants: the host, while the session is open. */
export function canManageParticipants(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor
): boolean {
  return actor.role === 'host' && isOpenStatus(session.status);
}

/** Start, pause, skip...: hosts, or everyone joined with `timer_control: everyone`. */
export function canControlTimer(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor,
  settings: IRoomSettings
): boolean {
  if (session.status !== 'active') {
    return false;
  }
  return (
    isHostOrCoHost(actor) ||
    (settings.timerControl === 'everyone' && actor.state === 'joined')
  );
}

export function canEditMessage(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor,
  message: ChatMessage
): boolean {
  return (
    canWrite(session, actor) &&
    message.deleted_at === null &&
    message.sender.username === actor.username
  );
}

export function canDeleteMessage(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor,
  message: ChatMessage
): boolean {
  return (
    canWrite(session, actor) &&
    message.deleted_at === null &&
    (message.sender.username === actor.username || isHostOrCoHost(actor))
  );
}

export function canDeleteGoal(
  session: Pick<IRoomSession, 'status'>,
  actor: IRoomActor,
  goal: IGoal
): boolean {
  return (
    canWrite(session, actor) &&
    (goal.created_by === actor.username || isHostOrCoHost(actor))
  );
}

// -- participants --------------------------------------------------------------

export const ROLE_LABELS: Readonly<Record<SessionRole, string>> = {
  host: 'Host',
  co_host: 'Co-host',
  participant: 'Participant'
};

export const STATE_LABELS: Readonly<Record<ParticipantState, string>> = {
  joined: 'Joined',
  invited: 'Invited',
  left: 'Left',
  removed: 'Removed'
};

const ROLE_ORDER: Record<SessionRole, number> = {
  host: 0,
  co_host: 1,
  participant: 2
};

const STATE_ORDER: Record<ParticipantState, number> = {
  joined: 0,
  invited: 1,
  left: 2,
  removed: 3
};

/** The list with `participant` added, or replacing the entry of the same user. */
export function upsertParticipant(
  list: readonly IParticipant[],
  participant: IParticipant
): IParticipant[] {
  const name = participant.user.username;
  const index = list.findIndex(p => p.user.username === name);
  if (index === -1) {
    return [...list, participant];
  }
  const copy = [...list];
  copy[index] = participant;
  return copy;
}

/** Everyone joined marked as left: what ending a session does to them. */
export function leaveAll(list: readonly IParticipant[]): IParticipant[] {
  return list.map(p =>
    p.state === 'joined' ? { ...p, state: 'left' as const } : p
  );
}

/**
 * Who the participants panel lists, in order: joined, then invited, then those
 * who left; hosts first within each; then by name. Removed people are not listed.
 */
export function listedParticipants(
  list: readonly IParticipant[]
): IParticipant[] {
  return list
    .filter(p => p.state !== 'removed')
    .sort(
      (a, b) =>
        STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
        ROLE_ORDER[a.role] - ROLE_ORDER[b.role] ||
        a.user.display_name.localeCompare(b.user.display_name)
    );
}

// -- goals ---------------------------------------------------------------------

function byPosition(a: IGoal, b: IGoal): number {
  return a.position - b.position || a.created_at.localeCompare(b.created_at);
}

/** The goals with `goal` added or replaced, in order. */
export function upsertGoal(goals: readonly IGoal[], goal: IGoal): IGoal[] {
  return [...goals.filter(g => g.id !== goal.id), goal].sort(byPosition);
}

export function removeGoal(goals: readonly IGoal[], goalId: string): IGoal[] {
  return goals.filter(g => g.id !== goalId);
}

/** The goals in the order of `goalIds` (positions 0, 1, ...); unknown ids are skipped. */
export function reorderGoals(
  goals: readonly IGoal[],
  goalIds: readonly string[]
): IGoal[] {
  const byId = new Map(goals.map(g => [g.id, g]));
  const ordered: IGoal[] = [];
  for (const id of goalIds) {
    const goal = byId.get(id);
    if (goal !== undefined) {
      ordered.push({ ...goal, position: ordered.length });
      byId.delete(id);
    }
  }
  // goals the order did not name (created meanwhile) stay, at the end
  return [...ordered, ...[...byId.values()].sort(byPosition)];
}

/** "2 of 5 done" and the share done, 0–100. */
export function goalProgress(goals: readonly IGoal[]): {
  done: number;
  total: number;
  percent: number;
} {
  const done = goals.filter(g => g.done).length;
  const total = goals.length;
  return {
    done,
    total,
    percent: total === 0 ? 0 : Math.round((done / total) * 100)
  };
}
