/**
 * Which actions a session card offers: exactly the ones the server lets the
 * current user take (pure logic, unit-tested).
 */
import type { ISession } from '../common/api';

export type SessionAction =
  'join' | 'open' | 'start' | 'end' | 'cancel' | 'invite_link';

/** Button labels. */
export const ACTION_LABELS: Readonly<Record<SessionAction, string>> = {
  join: 'Join',
  open: 'Open room',
  start: 'Start',
  end: 'End',
  cancel: 'Cancel session',
  invite_link: 'Copy invite link'
};

/** What the button says while its action runs. */
export const ACTION_PROGRESS: Readonly<Record<SessionAction, string>> = {
  join: 'Joining…',
  open: 'Opening…',
  start: 'Starting…',
  end: 'Ending…',
  cancel: 'Cancelling…',
  invite_link: 'Copying…'
};

/** Whether a session is over (nothing but reading is left to do). */
export function isOver(session: ISession): boolean {
  return session.status === 'completed' || session.status === 'cancelled';
}

/** Whether every place of the session is taken. */
export function isFull(session: ISession): boolean {
  return session.participant_count >= session.max_participants;
}

/**
 * The actions the current user may take on a session, the main one first:
 * join (invited, left, or a public session; not when full), open the room
 * (joined), start / end (host or co-host), copy an invite link (host or
 * co-host), cancel (the host, before it starts).
 *
 * @param isStaff - course staff may join any session they can see
 */
export function sessionActions(
  session: ISession,
  isStaff = false
): SessionAction[] {
  if (isOver(session)) {
    return [];
  }
  const actions: SessionAction[] = [];
  const state = session.my_state;
  const manages = session.my_role === 'host' || session.my_role === 'co_host';
  if (state === 'joined') {
    actions.push('open');
  } else if (
    state !== 'removed' &&
    (state !== null || session.is_public || isStaff) &&
    !isFull(session)
  ) {
    actions.push('join');
  }
  if (manages && session.status === 'scheduled') {
    actions.push('start');
  }
  if (manages && session.status === 'active') {
    actions.push('end');
  }
  if (manages) {
    actions.push('invite_link');
  }
  if (session.my_role === 'host' && session.status === 'scheduled') {
    actions.push('cancel');
  }
  return actions;
}

/** Whether an action changes nothing on the server (it needs no refresh). */
export function isReadOnly(action: SessionAction): boolean {
  return action === 'open' || action === 'invite_link';
}
