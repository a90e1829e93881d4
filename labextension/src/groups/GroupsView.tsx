/**
 * Study groups: the user's groups and invitations, public groups to join,
 * creating a group, joining with an invite link, and one open group
 * (`GroupDetail`). The sidebar's Groups tab renders `GroupsView`.
 */
import * as React from 'react';

import { getMe, IMe } from '../common/api';
import { realtime } from '../common/connection';
import { errorMessage } from '../common/store';
import { InvitePicker } from '../sessions/InvitePicker';
import { createStudyApi } from '../sessions/sessionsApi';
import {
  browseGroups,
  createGroup,
  IGroup,
  joinGroup,
  leaveGroup,
  listMyGroups
} from './api';
import { GroupDetail } from './GroupDetail';
import { parseInviteLink } from './inviteLink';
import { partitionGroups } from './state';

export interface IGroupsViewProps {
  /** Open a session room (the glue runs `studysession:open-room`). */
  onOpenRoom: (sessionId: string) => void;
  /** A group to show first (for example one just joined from a link). */
  initialGroupId?: string | null;
}

/** Notifications after which the user's group list is out of date. */
const GROUP_KINDS = new Set(['group_invite', 'group_removed']);

export function GroupsView(props: IGroupsViewProps): React.ReactElement {
  const [me, setMe] = React.useState<IMe | null>(null);
  const [mine, setMine] = React.useState<IGroup[] | null>(null);
  const [publicGroups, setPublicGroups] = React.useState<IGroup[]>([]);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [openId, setOpenId] = React.useState<string | null>(
    props.initialGroupId ?? null
  );
  const [creating, setCreating] = React.useState(false);

  const load = React.useCallback(async () => {
    try {
      const [groups, browse] = await Promise.all([
        listMyGroups(),
        browseGroups()
      ]);
      setMine(groups);
      setPublicGroups(browse);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);

  React.useEffect(() => {
    let subscription: { dispose(): void } | null = null;
    let cancelled = false;
    void (async () => {
      try {
        const user = await getMe();
        if (cancelled) {
          return;
        }
        setMe(user);
        subscription = realtime().subscribe(`user:${user.username}`, event => {
          if (
            event.type === 'notification' &&
            GROUP_KINDS.has(event.data.kind)
          ) {
            void load();
          }
        });
      } catch (err) {
        setError(errorMessage(err));
      }
    })();
    void load();
    return () => {
      cancelled = true;
      subscription?.dispose();
    };
  }, [load]);

  React.useEffect(() => {
    if (props.initialGroupId) {
      setOpenId(props.initialGroupId);
    }
  }, [props.initialGroupId]);

  const act = async (action: () => Promise<void>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  if (openId !== null && me !== null) {
    return (
      <GroupDetail
        key={openId}
        groupId={openId}
        me={me}
        onBack={() => {
          setOpenId(null);
          void load();
        }}
        onOpenRoom={props.onOpenRoom}
      />
    );
  }

  const { joined, invited } = partitionGroups(mine ?? []);
  /** Join a group (an invitation or a public one) and open it. */
  const joinButton = (group: IGroup): React.ReactElement => (
    <button
      type="button"
      className="jp-Button jp-mod-accept jp-mod-styled"
      disabled={busy}
      aria-label={`Join ${group.name}`}
      onClick={() =>
        void act(async () => {
          await joinGroup(group.id);
          setOpenId(group.id);
        })
      }
    >
      Join
    </button>
  );
  return (
    <div className="jp-StudySession-groups" data-testid="groups-view">
      <div className="jp-StudySession-groupsBar">
        <button
          type="button"
          className="jp-Button jp-mod-accept jp-mod-styled"
          data-testid="groups-new"
          aria-expanded={creating}
          onClick={() => setCreating(!creating)}
        >
          {creating ? 'Cancel' : 'New group'}
        </button>
      </div>
      {error !== null && (
        <div
          className="jp-StudySession-error"
          role="alert"
          data-testid="groups-error"
        >
          {error}
        </div>
      )}
      {creating && (
        <CreateGroupForm
          busy={busy}
          onCreate={request =>
            act(async () => {
              const group = await createGroup(request);
              setCreating(false);
              setOpenId(group.id);
            })
          }
        />
      )}
      {mine === null ? (
        error === null && (
          <p className="jp-StudySession-loading" role="status">
            Loading study groups…
          </p>
        )
      ) : (
        <>
          {invited.length > 0 && (
            <GroupList
              title="Invitations"
              groups={invited}
              testId="groups-invited"
              onOpen={setOpenId}
              action={group => (
                <>
                  {joinButton(group)}
                  <button
                    type="button"
                    className="jp-Button jp-mod-styled"
                    disabled={busy}
                    onClick={() =>
                      void act(async () => {
                        await leaveGroup(group.id);
                        await load();
                      })
                    }
                  >
                    Decline
                  </button>
                </>
              )}
            />
          )}
          <GroupList
            title="My groups"
            groups={joined}
            testId="groups-mine"
            empty="You are in no study group yet. Create one, or join a public one below."
            onOpen={setOpenId}
          />
          <GroupList
            title="Public groups"
            groups={publicGroups}
            testId="groups-public"
            empty="No public groups to join."
            onOpen={setOpenId}
            action={joinButton}
          />
        </>
      )}
      <JoinByLinkForm
        busy={busy}
        onJoin={(groupId, token) =>
          act(async () => {
            await joinGroup(groupId, token);
            setOpenId(groupId);
          })
        }
      />
    </div>
  );
}

function GroupList(props: {
  title: string;
  groups: readonly IGroup[];
  testId: string;
  empty?: string;
  onOpen: (groupId: string) => void;
  action?: (group: IGroup) => React.ReactNode;
}): React.ReactElement | null {
  const { title, groups, testId, empty, onOpen, action } = props;
  if (groups.length === 0 && empty === undefined) {
    return null;
  }
  return (
    <section className="jp-StudySession-groupSection" aria-label={title}>
      <h3 className="jp-StudySession-heading">{title}</h3>
      {groups.length === 0 ? (
        <p className="jp-StudySession-empty">{empty}</p>
      ) : (
        <ul className="jp-StudySession-list" data-testid={testId}>
          {groups.map(group => (
            <li
              key={group.id}
              className="jp-StudySession-card"
              data-testid="group-card"
              data-group-id={group.id}
            >
              <div className="jp-StudySession-cardHeader">
                <button
                  type="button"
                  className="jp-StudySession-ohLink"
                  onClick={() => onOpen(group.id)}
                >
                  {group.name}
                </button>
                {group.active_session_id !== null && (
                  <span className="jp-StudySession-status jp-mod-active">
                    Live
                  </span>
                )}
              </div>
              <div className="jp-StudySession-details">
                <span>
                  {group.subject ?? (group.is_public ? 'Public' : 'Private')}
                </span>
                <span>
                  {group.member_count === 1
                    ? '1 member'
                    : `${group.member_count} members`}
                </span>
              </div>
              {action && (
                <div className="jp-StudySession-ohButtons">{action(group)}</div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CreateGroupForm(props: {
  busy: boolean;
  onCreate: (request: {
    name: string;
    description: string;
    subject: string | null;
    is_public: boolean;
    invite: string[];
  }) => Promise<boolean>;
}): React.ReactElement {
  const [name, setName] = React.useState('');
  const [description, setDescription] = React.useState('');
  const [subject, setSubject] = React.useState('');
  const [isPublic, setPublic] = React.useState(false);
  const [invite, setInvite] = React.useState<string[]>([]);
  const ids = React.useId();
  const suggest = React.useMemo(() => {
    const api = createStudyApi();
    return (q: string) => api.suggestPeople(q);
  }, []);
  return (
    <form
      className="jp-StudySession-ohForm jp-StudySession-groupForm"
      aria-label="New study group"
      onSubmit={event => {
        event.preventDefault();
        void props.onCreate({
          name: name.trim(),
          description: description.trim(),
          subject: subject.trim() || null,
          is_public: isPublic,
          invite
        });
      }}
    >
      <label htmlFor={`${ids}-name`}>Name</label>
      <input
        id={`${ids}-name`}
        className="jp-mod-styled jp-StudySession-ohInput"
        data-testid="group-name"
        required
        maxLength={100}
        value={name}
        onChange={event => setName(event.target.value)}
      />
      <label htmlFor={`${ids}-subject`}>Subject (optional)</label>
      <input
        id={`${ids}-subject`}
        className="jp-mod-styled jp-StudySession-ohInput"
        maxLength={100}
        value={subject}
        onChange={event => setSubject(event.target.value)}
      />
      <label htmlFor={`${ids}-description`}>Description (optional)</label>
      <textarea
        id={`${ids}-description`}
        className="jp-StudySession-ohInput"
        maxLength={2000}
        rows={2}
        value={description}
        onChange={event => setDescription(event.target.value)}
      />
      <label className="jp-StudySession-ohCheck">
        <input
          type="checkbox"
          data-testid="group-public"
          checked={isPublic}
          onChange={event => setPublic(event.target.checked)}
        />
        Public: anyone can find and join it
      </label>
      <label htmlFor={`${ids}-invite`}>Invite people (optional)</label>
      <InvitePicker
        id={`${ids}-invite`}
        value={invite}
        onChange={setInvite}
        suggest={suggest}
      />
      <button
        type="submit"
        className="jp-Button jp-mod-accept jp-mod-styled"
        data-testid="group-create"
        disabled={props.busy || name.trim() === ''}
      >
        Create group
      </button>
    </form>
  );
}

function JoinByLinkForm(props: {
  busy: boolean;
  onJoin: (groupId: string, token: string) => Promise<boolean>;
}): React.ReactElement {
  const [link, setLink] = React.useState('');
  const [problem, setProblem] = React.useState<string | null>(null);
  const id = React.useId();
  return (
    <form
      className="jp-StudySession-ohForm"
      aria-label="Join with an invite link"
      onSubmit={event => {
        event.preventDefault();
        const invite = parseInviteLink(link);
        if (invite === null) {
          setProblem('This is not a study group invite link.');
          return;
        }
        setProblem(null);
        void props.onJoin(invite.groupId, invite.token).then(ok => {
          if (ok) {
            setLink('');
          }
        });
      }}
    >
      <label htmlFor={id}>Join with an invite link</label>
      <div className="jp-StudySession-groupsInline">
        <input
          id={id}
          className="jp-mod-styled jp-StudySession-ohInput"
          data-testid="group-invite-link"
          placeholder="Paste the link here"
          value={link}
          aria-invalid={problem !== null}
          onChange={event => {
            setLink(event.target.value);
            setProblem(null);
          }}
        />
        <button
          type="submit"
          className="jp-Button jp-mod-styled"
          disabled={props.busy || link.trim() === ''}
        >
          Join
        </button>
      </div>
      {problem !== null && (
        <p className="jp-StudySession-ohMuted" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
