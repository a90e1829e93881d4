import type {
  IGoal,
  IParticipant,
  ITimerState
} from '../src/common/realtimeProtocol';
import type { ChatMessage } from '../src/room/chatState';

/** A user summary for `username`. */
export function user(username: string, display_name = username) {
  return {
    username,
    display_name,
    initials: null,
    color: null,
    avatar_url: null
  };
}

/** A chat message; override any field. */
export function makeMessage(
  id: string,
  overrides: Partial<ChatMessage> = {}
): ChatMessage {
  return {
    id,
    session_id: 's1',
    sender: user('ada', 'Ada'),
    text: `message ${id}`,
    created_at: '2025-03-04T10:00:00Z',
    edited_at: null,
    deleted_at: null,
    ...overrides
  };
}

export function makeGoal(id: string, overrides: Partial<IGoal> = {}): IGoal {
  return {
    id,
    session_id: 's1',
    title: `goal ${id}`,
    description: '',
    done: false,
    position: 0,
    created_by: 'ada',
    created_at: '2025-03-04T10:00:00Z',
    done_at: null,
    ...overrides
  };
}

export function makeParticipant(
  username: string,
  overrides: Partial<IParticipant> = {}
): IParticipant {
  return {
    user: user(username, username[0]!.toUpperCase() + username.slice(1)),
    role: 'participant',
    state: 'joined',
    invited_by: null,
    invited_at: null,
    joined_at: '2025-03-04T10:00:00Z',
    left_at: null,
    ...overrides
  };
}

export function makeTimer(overrides: Partial<ITimerState> = {}): ITimerState {
  return {
    session_id: 's1',
    phase: 'focus',
    cycle: 1,
    cycles: 4,
    running: true,
    remaining_seconds: 1500,
    phase_ends_at: '2025-03-04T10:25:00Z',
    server_time: '2025-03-04T10:00:00Z',
    focus_minutes: 25,
    short_break_minutes: 5,
    long_break_minutes: 15,
    focus_seconds: 0,
    break_seconds: 0,
    version: 1,
    updated_by: 'ada',
    ...overrides
  };
}
