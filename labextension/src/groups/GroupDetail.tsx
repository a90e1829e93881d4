/**
 * One study group: its members (with presence), its live session or "start
 * now", scheduling a session, its coming sessions, an invite link (admins),
 * the group chat, and leaving. Follows `group:<id>` for live changes.
 */
import { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import type { IMe, ISession } from '../common/api';
import { Avatar } from '../common/Avatar';
import { realtime } from '../common/connection';
import { formatScheduledAt } from '../common/format';
import { presence } from '../common/presence';
import { errorMessage } from '../common/store';
import { usePresence, usePresenceWatch } from '../common/usePresence';
import {
  createInviteLink,
  getGroup,
  joinGroup,
  leaveGroup,
  listGroupSessions,
  listMembers,
  scheduleGroupSession,
  startGroupSession
} from './api';
import { GroupChat } from './GroupChat';
import { buildInviteLink } from './inviteLink';
import {
  applyGroupEvent,
  fromLocalInput,
  IGroupDetail,
  sortMembers,
  toLocalInput
} from './state';

export interface IGroupDetailProps {
  groupId: string;
  me: IMe;
  onBack: () => void;
  onOpenRoom: (sessionId: string) => void;
}

export function GroupDetail(props: IGroupDetailProps): React.ReactElement {
  const { groupId, me, onBack, onOpenRoom } = props;
  const [detail, setDetail] = React.useState<IGroupDetail | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [link, setLink] = React.useState<string | null>(null);
  const [scheduling, setScheduling] = React.useState(false);
  const joined = detail?.group.my_state === 'joined';
  const model = usePresence(joined ? presence() : null);
  // the group's channel brings changes; the named members load again when
  // someone joins (their presence is not a change the channel would send)
  const names = (detail?.members ?? [])
    .filter(m => m.state === 'joined')
    .map(m => m.user.username)
    .sort();
  usePresenceWatch(model, joined ? [{ group: groupId }, { users: names }] : []);

  const load = React.useCallback(async () => {
    try {
      const group = await getGroup(groupId);
      const member = group.my_state === 'joined';
      const [members, sessions] = await Promise.all([
        listMembers(groupId),
        member ? listGroupSessions(groupId) : Promise.resolve([] as ISession[])
      ]);
      setDetail({ group, members: sortMembers(members), sessions, gone: null });
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [groupId]);

  React.useEffect(() => {
    void load();
  }, [load]);

  // members follow the group live; each (re)subscription reloads, so nothing
  // between the first load and the subscription is missed
  React.useEffect(() => {
    if (!joined) {
      return;
    }
    const subscription = realtime().subscribe(`group:${groupId}`, {
      event: event =>
        setDetail(current =>
          current === null
            ? current
            : applyGroupEvent(current, event, me.username)
        ),
      subscribed: () => void load(),
      failed: () => undefined // no longer a member: the next load says so
    });
    return () => subscription.dispose();
  }, [groupId, joined, me.username, load]);

  const act = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const header = (
    <div className="jp-StudySession-groupsBar">
      <button
        type="button"
        className="jp-Button jp-mod-minimal"
        data-testid="group-back"
        onClick={onBack}
      >
        ← All groups
      </button>
    </div>
  );
  if (detail === null) {
    return (
      <div className="jp-StudySession-groups">
        {header}
        {error !== null ? (
          <div className="jp-StudySession-error" role="alert">
            {error}
          </div>
        ) : (
          <p className="jp-StudySession-loading" role="status">
            Loading the group…
          </p>
        )}
      </div>
    );
  }
  if (detail.gone !== null) {
    return (
      <div className="jp-StudySession-groups">
        {header}
        <p className="jp-StudySession-empty" role="status">
          {detail.gone}
        </p>
      </div>
    );
  }

  const { group, members, sessions } = detail;
  const isAdmin = group.my_role === 'admin' && joined;
  const upcoming = sessions.filter(s => s.status === 'scheduled');
  const joinedMembers = members.filter(m => m.state === 'joined');
  const invitees = members.filter(m => m.state === 'invited');

  return (
    <div
      className="jp-StudySession-groups"
      data-testid="group-detail"
      data-group-id={group.id}
    >
      {header}
      <header className="jp-StudySession-groupHeader">
        <h2 className="jp-StudySession-ohTitle" data-testid="group-title">
          {group.name}
        </h2>
        <p className="jp-StudySession-ohMuted">
          {[group.subject, group.is_public ? 'Public' : 'Private']
            .filter(Boolean)
            .join(' · ')}
          {' · '}
          {group.member_count === 1
            ? '1 member'
            : `${group.member_count} members`}
        </p>
        {group.description && <p>{group.description}</p>}
      </header>
      {error !== null && (
        <div
          className="jp-StudySession-error"
          role="alert"
          data-testid="group-error"
        >
          {error}
        </div>
      )}

      {!joined ? (
        <div className="jp-StudySession-ohButtons">
          <button
            type="button"
            className="jp-Button jp-mod-accept jp-mod-styled"
            data-testid="group-join"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                await joinGroup(group.id);
                await load();
              })
            }
          >
            Join the group
          </button>
        </div>
      ) : (
        <>
          <section
            className="jp-StudySession-groupSection"
            aria-label="Group sessions"
          >
            {group.active_session_id !== null ? (
              <div
                className="jp-StudySession-ohNotice"
                data-testid="group-live"
              >
                <span>A group session is on now.</span>
                <button
                  type="button"
                  className="jp-Button jp-mod-accept jp-mod-styled"
                  onClick={() => onOpenRoom(group.active_session_id as string)}
                >
                  Open the room
                </button>
              </div>
            ) : (
              <div className="jp-StudySession-ohButtons">
                <button
                  type="button"
                  className="jp-Button jp-mod-accept jp-mod-styled"
                  data-testid="group-start-now"
                  disabled={busy}
                  onClick={() =>
                    void act(async () => {
                      const session = await startGroupSession(group.id);
                      onOpenRoom(session.id);
                      await load();
                    })
                  }
                >
                  Start a session now
                </button>
                <button
                  type="button"
                  className="jp-Button jp-mod-styled"
                  aria-expanded={scheduling}
                  data-testid="group-schedule"
                  onClick={() => setScheduling(!scheduling)}
                >
                  {scheduling ? 'Cancel' : 'Schedule…'}
                </button>
              </div>
            )}
            {scheduling && (
              <ScheduleForm
                groupName={group.name}
                busy={busy}
                onSchedule={(title, when) =>
                  act(async () => {
                    await scheduleGroupSession(group.id, {
                      title,
                      scheduled_at: when.toISOString()
                    });
                    setScheduling(false);
                    await load();
                  })
                }
              />
            )}
            {upcoming.length > 0 && (
              <ul
                className="jp-StudySession-groupSessions"
                aria-label="Coming sessions"
                data-testid="group-sessions"
              >
                {upcoming.map(session => (
                  <li key={session.id}>
                    <button
                      type="button"
                      className="jp-StudySession-ohLink"
                      onClick={() => onOpenRoom(session.id)}
                    >
                      {session.title}
                    </button>{' '}
                    <span className="jp-StudySession-ohMuted">
                      {formatScheduledAt(session.scheduled_at)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            {group.last_place !== null && (
              <p className="jp-StudySession-ohMuted">
                Last place: {group.last_place.notebook_path}
                {group.last_place.section
                  ? `, ${group.last_place.section}`
                  : ''}
              </p>
            )}
          </section>

          <section className="jp-StudySession-groupSection" aria-label="Chat">
            <GroupChat groupId={group.id} me={me.username} isAdmin={isAdmin} />
          </section>
        </>
      )}

      <section className="jp-StudySession-groupSection" aria-label="Members">
        <h3 className="jp-StudySession-heading">Members</h3>
        <ul
          className="jp-StudySession-ohPeople jp-mod-column"
          data-testid="group-members"
        >
          {joinedMembers.map(member => (
            <li key={member.user.username} data-username={member.user.username}>
              <Avatar
                user={member.user}
                status={model?.statusOf(member.user.username)}
                size={20}
              />
              <span>{member.user.display_name}</span>
              {member.role === 'admin' && (
                <span className="jp-StudySession-ohTopic">admin</span>
              )}
            </li>
          ))}
        </ul>
        {invitees.length > 0 && (
          <p className="jp-StudySession-ohMuted">
            Invited: {invitees.map(m => m.user.display_name).join(', ')}
          </p>
        )}
      </section>

      {isAdmin && (
        <section
          className="jp-StudySession-groupSection"
          aria-label="Invite link"
        >
          {link === null ? (
            <button
              type="button"
              className="jp-Button jp-mod-styled"
              data-testid="group-make-link"
              disabled={busy}
              onClick={() =>
                void act(async () => {
                  const made = await createInviteLink(group.id);
                  setLink(
                    buildInviteLink(
                      ServerConnection.makeSettings().baseUrl,
                      group.id,
                      made.token ?? ''
                    )
                  );
                })
              }
            >
              Create an invite link
            </button>
          ) : (
            <InviteLinkBox link={link} />
          )}
        </section>
      )}

      {group.my_state !== null && (
        <div className="jp-StudySession-ohButtons">
          <button
            type="button"
            className="jp-Button jp-mod-warn jp-mod-styled"
            data-testid="group-leave"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                await leaveGroup(group.id);
                onBack();
              })
            }
          >
            {joined ? 'Leave the group' : 'Decline the invitation'}
          </button>
        </div>
      )}
    </div>
  );
}

function ScheduleForm(props: {
  groupName: string;
  busy: boolean;
  onSchedule: (title: string, when: Date) => Promise<void>;
}): React.ReactElement {
  const [title, setTitle] = React.useState(props.groupName);
  const [when, setWhen] = React.useState(() => {
    const next = new Date(Date.now() + 60 * 60_000);
    next.setMinutes(0, 0, 0);
    return toLocalInput(next);
  });
  const ids = React.useId();
  const instant = fromLocalInput(when);
  return (
    <form
      className="jp-StudySession-ohForm"
      aria-label="Schedule a group session"
      onSubmit={event => {
        event.preventDefault();
        if (instant !== null) {
          void props.onSchedule(title.trim(), instant);
        }
      }}
    >
      <label htmlFor={`${ids}-title`}>Title</label>
      <input
        id={`${ids}-title`}
        className="jp-mod-styled jp-StudySession-ohInput"
        required
        maxLength={100}
        value={title}
        onChange={event => setTitle(event.target.value)}
      />
      <label htmlFor={`${ids}-when`}>When (your time)</label>
      <input
        id={`${ids}-when`}
        type="datetime-local"
        className="jp-mod-styled jp-StudySession-ohInput"
        required
        value={when}
        onChange={event => setWhen(event.target.value)}
      />
      <button
        type="submit"
        className="jp-Button jp-mod-accept jp-mod-styled"
        disabled={props.busy || instant === null || title.trim() === ''}
      >
        Schedule the session
      </button>
    </form>
  );
}

function InviteLinkBox(props: { link: string }): React.ReactElement {
  const [copied, setCopied] = React.useState(false);
  const id = React.useId();
  return (
    <div className="jp-StudySession-ohForm">
      <label htmlFor={id}>
        Invite link (valid for a week; anyone with it can join)
      </label>
      <div className="jp-StudySession-groupsInline">
        <input
          id={id}
          className="jp-mod-styled jp-StudySession-ohInput"
          data-testid="group-link"
          readOnly
          value={props.link}
          onFocus={event => event.target.select()}
        />
        <button
          type="button"
          className="jp-Button jp-mod-styled"
          onClick={() =>
            void navigator.clipboard
              ?.writeText(props.link)
              .then(() => setCopied(true))
              .catch(() => undefined)
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
