/**
 * What an office-hours view knows, and how the live events change it. Pure:
 * `applyQueueEvent` takes the state and one event and returns the new state,
 * plus whether staff must reload the queue over REST (the events name no one
 * and carry no question, so staff fetch those).
 */
import type { IUserSummary } from '../common/api';
import type { RealtimeEvent } from '../common/realtimeProtocol';
import type { IAnnouncement, IOfficeHours, IQueue, IQueueEntry } from './api';

/** How many announcements a view keeps. */
export const MAX_ANNOUNCEMENTS = 20;

export interface IQueueState {
  officehours: IOfficeHours | null;
  /** Staff: the line, then the admitted entries. Students: empty. */
  entries: IQueueEntry[];
  /** A student's own entry while not finished. */
  myEntry: IQueueEntry | null;
  /** Entries waiting or stepped out. */
  length: number;
  staffOnDuty: IUserSummary[];
  /** Newest first. */
  announcements: IAnnouncement[];
  /** The student got "You're almost up" for their current entry. */
  almostUp: boolean;
  /**
   * The room a student was just admitted to, seen live (not on a reload):
   * the view opens it once.
   */
  turnSessionId: string | null;
  /** Something happened to the student's entry that they should read. */
  notice: string | null;
  /** Staff deleted the office hours. */
  deleted: boolean;
}

export const EMPTY_QUEUE_STATE: IQueueState = {
  officehours: null,
  entries: [],
  myEntry: null,
  length: 0,
  staffOnDuty: [],
  announcements: [],
  almostUp: false,
  turnSessionId: null,
  notice: null,
  deleted: false
};

/** The state after loading the office hours and the queue over REST. */
export function loadedState(
  state: IQueueState,
  officehours: IOfficeHours,
  queue: IQueue
): IQueueState {
  const myEntry = queue.my_entry;
  const sameEntry = myEntry !== null && myEntry.id === state.myEntry?.id;
  return {
    ...state,
    officehours: { ...officehours, is_open: queue.is_open },
    entries: queue.entries,
    myEntry,
    length: queue.length,
    staffOnDuty: officehours.staff_on_duty.map(d => d.user),
    almostUp: sameEntry ? state.almostUp : false,
    deleted: false
  };
}

/** The state after the student's own action answered with their entry. */
export function withMyEntry(
  state: IQueueState,
  entry: IQueueEntry | null,
  notice: string | null = null
): IQueueState {
  const active = entry !== null && entry.status !== 'finished' ? entry : null;
  return {
    ...state,
    myEntry: active,
    almostUp:
      active !== null && active.id === state.myEntry?.id && state.almostUp,
    notice
  };
}

export interface IApplied {
  state: IQueueState;
  /** Staff should fetch the queue again. */
  reload: boolean;
}

/**
 * Apply one event of `queue:<id>` (or a notification of `user:<name>`) to
 * the view's state. Events of other office hours and unknown types change
 * nothing.
 */
export function applyQueueEvent(
  state: IQueueState,
  event: RealtimeEvent,
  officehoursId: string
): IApplied {
  const same = { state, reload: false };
  const mine = state.myEntry;
  switch (event.type) {
    case 'queue.positions': {
      if (event.data.officehours_id !== officehoursId) {
        return same;
      }
      const byId = new Map(event.data.entries.map(e => [e.id, e]));
      let reload = false;
      const entries = state.entries.map(entry => {
        const live = byId.get(entry.id);
        if (live === undefined) {
          // out of the line: admitted, or finished (then a reload drops it)
          if (entry.position !== null) {
            reload = true;
          }
          return entry;
        }
        return {
          ...entry,
          status: live.status,
          position: live.position,
          estimate: live.estimate ?? entry.estimate
        };
      });
      if (
        event.data.entries.some(e => !state.entries.some(x => x.id === e.id))
      ) {
        reload = true;
      }
      const live = mine === null ? undefined : byId.get(mine.id);
      const myEntry =
        mine !== null && live !== undefined
          ? {
              ...mine,
              status: live.status,
              position: live.position,
              estimate: live.estimate ?? mine.estimate
            }
          : mine;
      return {
        state: {
          ...state,
          entries,
          myEntry,
          length: event.data.length
        },
        reload
      };
    }
    case 'queue.entry_admitted': {
      if (event.data.officehours_id !== officehoursId) {
        return same;
      }
      const { session_id: sessionId } = event.data;
      const admittedMe =
        mine !== null && event.data.entries.some(e => e.id === mine.id);
      if (!admittedMe) {
        return { state, reload: true };
      }
      return {
        state: {
          ...state,
          myEntry: {
            ...mine,
            status: 'admitted',
            position: null,
            session_id: sessionId,
            estimate: null
          },
          turnSessionId: sessionId,
          notice: null
        },
        reload: true
      };
    }
    case 'queue.entry_joined':
    case 'queue.entry_left':
    case 'queue.entry_updated': {
      if (event.data.officehours_id !== officehoursId) {
        return same;
      }
      const { entry } = event.data;
      if (mine === null || entry.id !== mine.id) {
        return { state, reload: true };
      }
      if (event.type === 'queue.entry_left' || entry.status === 'finished') {
        const notice =
          event.type === 'queue.entry_left'
            ? 'You left the queue.'
            : mine.status === 'admitted' || mine.status === 'in_progress'
              ? 'Your visit is over. Join again if you have another question.'
              : 'Staff took you off the queue.';
        return {
          state: { ...state, myEntry: null, almostUp: false, notice },
          reload: true
        };
      }
      return {
        state: {
          ...state,
          myEntry: {
            ...mine,
            status: entry.status,
            position: entry.position ?? mine.position
          }
        },
        reload: true
      };
    }
    case 'queue.opened':
    case 'queue.closed':
    case 'queue.updated': {
      const { officehours } = event.data;
      if (officehours.id !== officehoursId) {
        return same;
      }
      return {
        state: {
          ...state,
          officehours,
          staffOnDuty: officehours.staff_on_duty.map(d => d.user)
        },
        reload: false
      };
    }
    case 'queue.staff': {
      if (event.data.officehours_id !== officehoursId) {
        return same;
      }
      return {
        state: { ...state, staffOnDuty: event.data.staff_on_duty },
        reload: false
      };
    }
    case 'queue.announcement': {
      const { announcement } = event.data;
      if (announcement.officehours_id !== officehoursId) {
        return same;
      }
      const announcements = [announcement, ...state.announcements].slice(
        0,
        MAX_ANNOUNCEMENTS
      );
      return { state: { ...state, announcements }, reload: false };
    }
    case 'queue.deleted': {
      if (event.data.officehours_id !== officehoursId) {
        return same;
      }
      return {
        state: { ...state, deleted: true, myEntry: null, entries: [] },
        reload: false
      };
    }
    case 'notification': {
      const data = event.data.data;
      if (
        data.officehours_id !== officehoursId ||
        mine === null ||
        data.entry_id !== mine.id
      ) {
        return same;
      }
      if (event.data.kind === 'almost_up') {
        return { state: { ...state, almostUp: true }, reload: false };
      }
      if (
        event.data.kind === 'your_turn' &&
        typeof data.session_id === 'string'
      ) {
        return {
          state: {
            ...state,
            myEntry: {
              ...mine,
              status:
                mine.status === 'in_progress' ? 'in_progress' : 'admitted',
              position: null,
              session_id: data.session_id,
              estimate: null
            },
            turnSessionId: data.session_id
          },
          reload: false
        };
      }
      return same;
    }
    default:
      return same;
  }
}

/** Whether the student's entry has a room to go to. */
export function admittedRoom(entry: IQueueEntry | null): string | null {
  if (
    entry !== null &&
    (entry.status === 'admitted' || entry.status === 'in_progress')
  ) {
    return entry.session_id;
  }
  return null;
}
