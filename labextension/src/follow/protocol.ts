/**
 * The wire types of following (`docs/realtime.md`, "Study notebooks"): the
 * `nav.*` ops and the events of `follow:<id>`, added to the protocol's maps by
 * declaration merging, and what `GET sessions/<id>/follow` answers.
 */
import type { IUserSummary } from '../common/api';
import type { INotebookPlace } from './place';

/** The session's study notebook. */
export interface IStudyNotebook {
  path: string;
  /** null: this Jupyter server. */
  server: string | null;
  /** Whether the file is there now. */
  exists: boolean;
  set_by: string | null;
  set_at: string | null;
}

export type FollowState = 'following' | 'paused' | 'elsewhere';

export interface IFollowStatus {
  user: IUserSummary;
  state: FollowState;
}

/** `GET sessions/<id>/follow`. */
export interface IFollow {
  session_id: string;
  notebook: IStudyNotebook | null;
  leader: IUserSummary | null;
  /** Bumped whenever the lead changes hands. */
  epoch: number;
  place: INotebookPlace | null;
  place_at: string | null;
  starting_point: {
    notebook_path: string;
    section: string | null;
    cell: number | string | null;
  } | null;
  statuses: IFollowStatus[];
  can_lead: boolean;
}

export interface ICoveredPlace {
  cell_id: string | null;
  cell_index: number;
  section: string | null;
  section_index: number | null;
}

/** What a session covered of its study notebook (in its summary). */
export interface ICoverage {
  notebook_path: string;
  first: ICoveredPlace;
  furthest: ICoveredPlace;
  ending: ICoveredPlace;
  sections: {
    section: string | null;
    section_index: number | null;
    seconds: number;
    first_cell: number;
    furthest_cell: number;
  }[];
  /** "Covered: §2 Eigenvalues (cell 3) → §3 Diagonalisation (cell 12)" */
  text: string;
}

declare module '../common/realtimeProtocol' {
  interface IRealtimeOps {
    'nav.lead': { payload: { session_id: string }; result: IFollow };
    'nav.hand': {
      payload: { session_id: string; to: string };
      result: IFollow;
    };
    'nav.release': { payload: { session_id: string }; result: IFollow };
    'nav.place': {
      payload: INotebookPlace & { session_id: string; epoch: number };
      result: { epoch: number; relayed: boolean };
    };
    'nav.status': {
      payload: { session_id: string; state: FollowState };
      result: { state: FollowState };
    };
  }

  interface IRealtimeEvents {
    'follow.leader': {
      session_id: string;
      leader: IUserSummary | null;
      epoch: number;
      reason: 'taken' | 'handed' | 'stopped' | 'left' | 'disconnected';
      by: string;
    };
    'follow.notebook': { session_id: string; notebook: IStudyNotebook };
    'follow.ended': {
      session_id: string;
      epoch: number;
      coverage: ICoverage | null;
    };
    /** Ephemeral: the leader's place. */
    'nav.place': {
      session_id: string;
      leader: string;
      epoch: number;
      place: INotebookPlace;
      at: string;
    };
    /** Ephemeral: a participant's follow state (null: they stopped). */
    'nav.status': {
      session_id: string;
      user: IUserSummary;
      state: FollowState | null;
    };
  }

  interface ISessionSummary {
    /** What the session covered of its study notebook, if it followed one. */
    coverage?: ICoverage | null;
  }
}

/** The follow channel of a session. */
export function followChannel(sessionId: string): string {
  return `follow:${sessionId}`;
}
