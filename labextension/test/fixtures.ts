import type { ISession } from '../src/common/api';

/** A session as the server lists it; override any field. */
export function makeSession(overrides: Partial<ISession> = {}): ISession {
  return {
    id: 's1',
    title: 'Linear algebra',
    description: '',
    type: 'group',
    subject: null,
    tags: [],
    status: 'scheduled',
    max_participants: 8,
    is_public: true,
    scheduled_at: '2025-03-04T15:30:00Z',
    started_at: null,
    ended_at: null,
    duration_minutes: 60,
    settings: {},
    host: {
      username: 'ada',
      display_name: 'Ada Lovelace',
      initials: 'AL',
      color: null,
      avatar_url: null
    },
    participant_count: 3,
    my_role: 'host',
    my_state: 'joined',
    created_at: '2025-03-01T10:00:00Z',
    updated_at: '2025-03-01T10:00:00Z',
    ...overrides
  };
}
