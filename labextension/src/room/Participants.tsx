import * as React from 'react';

import { Avatar } from '../common/Avatar';
import type { IParticipant, PresenceStatus } from '../common/realtimeProtocol';
import type { ICallMember } from './video/callApi';
import { CameraIcon, MicIcon } from './video/icons';
import { listedParticipants, ROLE_LABELS, STATE_LABELS } from './roomState';

export interface IParticipantsProps {
  participants: readonly IParticipant[];
  /** The current user's username. */
  me: string;
  /** A user's presence; `undefined` when unknown (no status dot). */
  statusOf?(username: string): PresenceStatus | undefined;
  /** Whether the user may promote and remove people (the host). */
  canManage: boolean;
  /** The session is over: everyone has left, so count who took part. */
  ended?: boolean;
  /** Usernames with an action in flight. */
  busy?: ReadonlySet<string>;
  onSetRole?(username: string, role: 'co_host' | 'participant'): void;
  onRemove?(username: string): void;
  /** Whether a user is in the room's call, with what on (no call: undefined). */
  callMemberOf?(username: string): ICallMember | undefined;
}

/**
 * Who is in the session: joined people first, then invited ones and those who
 * left, with their presence and role; the host can promote and remove.
 */
export function Participants(props: IParticipantsProps): React.ReactElement {
  const headingId = React.useId();
  const listed = listedParticipants(props.participants);
  const ended = props.ended ?? false;
  const count = ended
    ? `${listed.filter(p => p.state !== 'invited').length} took part`
    : `${listed.filter(p => p.state === 'joined').length} joined`;
  return (
    <section
      className={
        'jp-StudySession-roomUI jp-StudySession-participantList' +
        (ended ? ' jp-mod-ended' : '')
      }
      aria-labelledby={headingId}
      data-testid="studysession-participants"
    >
      <h3 className="jp-StudySession-sectionTitle" id={headingId}>
        Participants <span className="jp-StudySession-muted">({count})</span>
      </h3>
      <ul className="jp-StudySession-people">
        {listed.map(participant => (
          <ParticipantItem
            key={participant.user.username}
            participant={participant}
            isMe={participant.user.username === props.me}
            status={props.statusOf?.(participant.user.username)}
            showState={
              participant.state !== 'joined' &&
              !(ended && participant.state === 'left')
            }
            canManage={
              props.canManage &&
              participant.role !== 'host' &&
              participant.user.username !== props.me &&
              participant.state !== 'left'
            }
            busy={props.busy?.has(participant.user.username) ?? false}
            onSetRole={role =>
              props.onSetRole?.(participant.user.username, role)
            }
            onRemove={() => props.onRemove?.(participant.user.username)}
            call={props.callMemberOf?.(participant.user.username)}
          />
        ))}
      </ul>
    </section>
  );
}

function ParticipantItem(props: {
  participant: IParticipant;
  isMe: boolean;
  status: PresenceStatus | undefined;
  /** Say "Invited" or "Left" after the name. */
  showState: boolean;
  canManage: boolean;
  busy: boolean;
  onSetRole(role: 'co_host' | 'participant'): void;
  onRemove(): void;
  call?: ICallMember;
}): React.ReactElement {
  const { participant, isMe, call } = props;
  const [confirming, setConfirming] = React.useState(false);
  const name = participant.user.display_name;
  return (
    <li
      className={`jp-StudySession-person jp-mod-${participant.state}`}
      data-username={participant.user.username}
    >
      <Avatar user={participant.user} status={props.status} size={28} />
      <span className="jp-StudySession-personName">
        {name}
        {isMe && <span className="jp-StudySession-muted"> (you)</span>}
      </span>
      {participant.role !== 'participant' && (
        <span className="jp-StudySession-badge">
          {ROLE_LABELS[participant.role]}
        </span>
      )}
      {call !== undefined && (
        <span
          className="jp-StudySession-inCall"
          data-testid="studysession-in-call"
          title={`In the call: ${call.audio ? 'microphone on' : 'muted'}, ${call.video ? 'camera on' : 'camera off'}`}
        >
          <MicIcon off={!call.audio} />
          <CameraIcon off={!call.video} />
        </span>
      )}
      {props.showState && (
        <span className="jp-StudySession-muted">
          {STATE_LABELS[participant.state]}
        </span>
      )}
      {props.canManage && !confirming && (
        <span className="jp-StudySession-personActions">
          {participant.role === 'co_host' ? (
            <button
              type="button"
              className="jp-StudySession-linkButton"
              disabled={props.busy}
              onClick={() => props.onSetRole('participant')}
              aria-label={`Make ${name} a participant again`}
            >
              Remove co-host
            </button>
          ) : (
            <button
              type="button"
              className="jp-StudySession-linkButton"
              disabled={props.busy}
              onClick={() => props.onSetRole('co_host')}
              aria-label={`Make ${name} co-host`}
            >
              Make co-host
            </button>
          )}
          <button
            type="button"
            className="jp-StudySession-linkButton jp-mod-danger"
            disabled={props.busy}
            onClick={() => setConfirming(true)}
            aria-label={`Remove ${name} from the session`}
          >
            Remove
          </button>
        </span>
      )}
      {confirming && (
        <span className="jp-StudySession-confirm" role="group">
          <span>Remove {name}?</span>
          <button
            type="button"
            className="jp-StudySession-button jp-mod-danger"
            autoFocus
            onClick={() => {
              setConfirming(false);
              props.onRemove();
            }}
          >
            Remove
          </button>
          <button
            type="button"
            className="jp-StudySession-button"
            onClick={() => setConfirming(false)}
          >
            Cancel
          </button>
        </span>
      )}
    </li>
  );
}
