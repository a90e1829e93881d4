import * as React from 'react';

import { realtime } from '../common/connection';
import { useJoinNotOpenYet, useStore } from '../common/hooks';
import { presence as tabPresence, PresenceModel } from '../common/presence';
import { usePresence, usePresenceWatch } from '../common/usePresence';
import { Chat } from './Chat';
import { Goals } from './Goals';
import { Participants } from './Participants';
import { createRoomApi, IRoomApi } from './roomApi';
import { RoomHeader } from './RoomHeader';
import { IRoomClient, IRoomSnapshot, RoomModel, RoomPhase } from './roomModel';
import {
  canControlTimer,
  canDeleteGoal,
  canDeleteMessage,
  canEditMessage,
  canEnd,
  canJoin,
  canManageParticipants,
  canStart,
  canWrite,
  IRoomActor,
  isHostOrCoHost,
  isOpenStatus,
  roomSettings
} from './roomState';
import { useFollowModel } from '../follow/models';
import { StudyNotebook } from '../follow/StudyNotebook';
import { SessionSummary } from './SessionSummary';
import type { DocName } from './sharedDoc';
import { NotesPreview } from './notes/NotesPreview';
import type { ISharedDocsProps } from './SharedDocs';
import { SharedTimer } from './SharedTimer';
import { StudyServerLink } from './StudyServerLink';
import { createCallApi, ICallApi } from './video/callApi';
import { CallModel } from './video/callModel';
import { RecordingList, useCall, VideoArea } from './video/VideoArea';

export interface IRoomProps {
  sessionId: string;
  /** The REST calls; against the page's server by default. */
  api?: IRoomApi;
  /** The realtime client; the tab's shared one by default. */
  client?: IRoomClient;
  /** Presence of the participants; the tab's model by default, `null` for none. */
  presence?: PresenceModel | null;
  /** Told the session's title whenever it is known or changes. */
  onTitle?(title: string): void;
  /**
   * Told once why the room is not there for this user: the session does not
   * exist (or they may not see it), or the host removed them.
   */
  onUnavailable?(reason: string): void;
  /** Opens the session's study notebook in JupyterLab (absent: no such button). */
  onOpenNotebook?(sessionId: string): void;
  /** The call's REST calls; against the page's server by default. */
  callApi?: ICallApi;
  /** Opens the notes or the whiteboard in their own tab (no button without it). */
  onOpenDoc?(name: DocName, info: IOpenDocInfo): void;
  /**
   * The live notes and whiteboard (`SharedDocs`, given by the JupyterLab panel);
   * without it, the notes are shown read-only (the notebook widget, which must
   * not load a second Yjs into the page).
   */
  sharedDocs?: React.ComponentType<ISharedDocsProps>;
}

/** What a document's own tab needs to know of the room. */
export interface IOpenDocInfo {
  me: string;
  isHost: boolean;
  title: string;
}

/** Why a room is not there for its user, by phase. */
const UNAVAILABLE: Partial<Record<RoomPhase, string>> = {
  missing: 'that session no longer exists, or you can no longer see it',
  removed: 'the host removed you from this session'
};

/**
 * A session room: header with the shared timer and host actions, chat, goals
 * and participants, laid out as the session's settings say; the summary once
 * it ends. Pure React: the JupyterLab panel and the notebook widget both
 * render it.
 */
export function Room(props: IRoomProps): React.ReactElement {
  const { sessionId } = props;
  const api = React.useMemo(() => props.api ?? createRoomApi(), [props.api]);
  const client = props.client ?? realtime();
  const model = React.useMemo(
    () => new RoomModel({ sessionId, api, client }),
    [sessionId, api, client]
  );
  React.useEffect(() => {
    void model.reload();
    return () => model.dispose();
  }, [model]);
  const state = useStore(model);
  const presenceModel = usePresence(
    props.presence === undefined ? tabPresence() : props.presence
  );
  usePresenceWatch(
    presenceModel,
    state.phase === 'room' ? [{ session: sessionId }] : []
  );

  const title = state.session?.title;
  const onTitle = props.onTitle;
  React.useEffect(() => {
    if (title !== undefined) {
      onTitle?.(title);
    }
  }, [title, onTitle]);

  const unavailable = UNAVAILABLE[state.phase];
  const onUnavailable = props.onUnavailable;
  React.useEffect(() => {
    if (unavailable !== undefined) {
      onUnavailable?.(unavailable);
    }
  }, [unavailable, onUnavailable]);

  const actor = model.actor;
  if (state.phase === 'loading' && state.session === null) {
    return (
      <div className="jp-StudySession-roomUI jp-StudySession-room jp-StudySession-roomGate">
        <p className="jp-StudySession-muted" role="status">
          Loading the study room…
        </p>
      </div>
    );
  }
  if (
    state.phase === 'error' ||
    state.phase === 'missing' ||
    state.session === null ||
    actor === null
  ) {
    return (
      <div className="jp-StudySession-roomUI jp-StudySession-room jp-StudySession-roomGate">
        <p className="jp-StudySession-error" role="alert">
          {state.error ?? 'The study room could not be loaded.'}
        </p>
        <button
          type="button"
          className="jp-StudySession-button"
          onClick={() => void model.reload()}
        >
          Try again
        </button>
      </div>
    );
  }
  if (state.phase !== 'room' && state.phase !== 'loading') {
    return <RoomGate model={model} state={state} actor={actor} />;
  }
  return (
    <RoomView
      model={model}
      state={state}
      actor={actor}
      statusOf={username => presenceModel?.statusOf(username)}
      client={client}
      api={api}
      onOpenNotebook={props.onOpenNotebook}
      callApi={props.callApi}
      onOpenDoc={props.onOpenDoc}
      sharedDocs={props.sharedDocs}
    />
  );
}

/** Before the room: join it, or why it is not there. */
function RoomGate(props: {
  model: RoomModel;
  state: IRoomSnapshot;
  actor: IRoomActor;
}): React.ReactElement {
  const { model, state } = props;
  const session = state.session!;
  const notYet = useJoinNotOpenYet(session, state.phase === 'join');
  const notYetId = React.useId();
  let text: string;
  switch (state.phase) {
    case 'join':
      text =
        props.actor.state === 'invited'
          ? `${session.host.display_name} invited you to this study session. Join it to chat, set goals and follow the timer with the others.`
          : 'Join this study session to chat, set goals and follow the timer with the others.';
      break;
    case 'removed':
      text = 'The host removed you from this session.';
      break;
    default:
      text =
        session.status === 'cancelled'
          ? 'This session was cancelled.'
          : 'This session has ended.';
  }
  return (
    <div className="jp-StudySession-roomUI jp-StudySession-room jp-StudySession-roomGate">
      <h2>{session.title}</h2>
      {session.description && <p>{session.description}</p>}
      <p data-testid="studysession-room-gate">{text}</p>
      {state.phase === 'join' && (
        <button
          type="button"
          className="jp-StudySession-button jp-mod-accept"
          data-testid="studysession-join-room"
          onClick={() => notYet === null && void model.join()}
          disabled={state.busy.has('join')}
          aria-disabled={notYet !== null || undefined}
          aria-describedby={notYet !== null ? notYetId : undefined}
        >
          {state.busy.has('join') ? 'Joining…' : 'Join session'}
        </button>
      )}
      {state.phase === 'join' && notYet !== null && (
        <p id={notYetId} data-testid="studysession-join-opens">
          {notYet}
        </p>
      )}
      {state.notice !== null && (
        <p className="jp-StudySession-error" role="alert">
          {state.notice}
        </p>
      )}
      {state.phase === 'ended' && state.summary !== null && (
        <SessionSummary summary={state.summary} participants={[]} />
      )}
    </div>
  );
}

function RoomView(props: {
  model: RoomModel;
  state: IRoomSnapshot;
  actor: IRoomActor;
  statusOf(username: string): ReturnType<PresenceModel['statusOf']>;
  client: IRoomClient;
  api: IRoomApi;
  onOpenNotebook?(sessionId: string): void;
  callApi?: ICallApi;
  onOpenDoc?(name: DocName, info: IOpenDocInfo): void;
  sharedDocs?: React.ComponentType<ISharedDocsProps>;
}): React.ReactElement {
  const { model, state, actor } = props;
  const session = state.session!;
  const settings = roomSettings(session.settings);
  const callApi = React.useMemo(
    () => props.callApi ?? createCallApi(),
    [props.callApi]
  );
  const hasCall =
    settings.video && session.status === 'active' && actor.state === 'joined';
  const callModel = React.useMemo(
    () =>
      hasCall
        ? new CallModel({
            sessionId: session.id,
            me: actor.username,
            client: props.client,
            api: callApi
          })
        : null,
    [hasCall, session.id, actor.username, props.client, callApi]
  );
  React.useEffect(() => () => callModel?.dispose(), [callModel]);
  const call = useCall(callModel);
  const writable = canWrite(session, actor);
  const busyPeople = new Set(
    [...state.busy]
      .filter(action => action.startsWith('participant:'))
      .map(action => action.slice('participant:'.length))
  );
  const chatSource = React.useMemo(() => model.chatSource(), [model]);
  // the study notebook: for participants joined now, in a session still open
  const follow = useFollowModel(
    actor.state === 'joined' && isOpenStatus(session.status) ? session.id : null
  );
  const onOpenNotebook = props.onOpenNotebook;

  const timer =
    settings.timer && isOpenStatus(session.status) ? (
      <SharedTimer
        view={state.timer}
        canControl={canControlTimer(session, actor, settings)}
        busy={state.busy.has('timer')}
        onAction={action => void model.controlTimer(action)}
        large={settings.layout === 'focus'}
      />
    ) : null;

  const readOnlyReason = writable
    ? null
    : session.status === 'completed' || session.status === 'cancelled'
      ? 'The session is over: its chat, notes and whiteboard are read-only.'
      : 'Join the session to write in it.';

  const chat = settings.chat ? (
    <Chat
      channel={model.channel}
      me={actor.username}
      client={props.client}
      {...chatSource}
      canEdit={message => canEditMessage(session, actor, message)}
      canDelete={message => canDeleteMessage(session, actor, message)}
      readOnlyReason={readOnlyReason}
    />
  ) : null;

  const goals = (
    <Goals
      goals={state.goals}
      canEdit={writable}
      canDelete={goal => canDeleteGoal(session, actor, goal)}
      busy={state.busy.has('goal')}
      onAdd={title => model.addGoal(title)}
      onToggle={(id, done) => model.setGoalDone(id, done)}
      onDelete={id => void model.deleteGoal(id)}
    />
  );

  const people = (
    <Participants
      participants={state.participants}
      me={actor.username}
      statusOf={props.statusOf}
      canManage={canManageParticipants(session, actor)}
      ended={session.status === 'completed'}
      busy={busyPeople}
      onSetRole={(username, role) => void model.setRole(username, role)}
      onRemove={username => void model.removeParticipant(username)}
      callMemberOf={
        call
          ? username => call.members.find(m => m.username === username)
          : undefined
      }
    />
  );

  const docNames = (['notes', 'whiteboard'] as const).filter(
    name => settings[name]
  );
  const isHost = isHostOrCoHost(actor);
  const onOpenDoc = props.onOpenDoc;
  const LiveDocs = props.sharedDocs;
  const docs =
    LiveDocs !== undefined ? (
      <LiveDocs
        sessionId={session.id}
        names={docNames}
        me={actor.username}
        isHost={isHost}
        readOnlyReason={readOnlyReason}
        onOpenDoc={
          onOpenDoc &&
          (name =>
            onOpenDoc(name, {
              me: actor.username,
              isHost,
              title: session.title
            }))
        }
      />
    ) : settings.notes ? (
      <NotesPreview sessionId={session.id} />
    ) : null;

  let body: React.ReactNode;
  switch (settings.layout) {
    case 'focus':
      body = (
        <>
          <div className="jp-StudySession-roomMain">
            {timer}
            {goals}
            {docs}
          </div>
          <div className="jp-StudySession-roomSide">
            {chat}
            {people}
          </div>
        </>
      );
      break;
    case 'grid':
      body = (
        <>
          {chat}
          {goals}
          {people}
          {docs}
        </>
      );
      break;
    default:
      body = (
        <>
          <div className="jp-StudySession-roomMain">
            {chat ?? goals}
            {docs}
          </div>
          <div className="jp-StudySession-roomSide">
            {chat !== null && goals}
            {people}
          </div>
        </>
      );
  }

  return (
    <div
      className={`jp-StudySession-roomUI jp-StudySession-room jp-mod-${settings.layout}`}
      data-testid="studysession-room"
      data-session-id={session.id}
    >
      <RoomHeader
        session={session}
        offsetMs={state.timer?.offsetMs ?? 0}
        canStart={canStart(session, actor)}
        canEnd={canEnd(session, actor)}
        canJoin={canJoin(session, actor)}
        busy={{
          start: state.busy.has('start'),
          end: state.busy.has('end'),
          join: state.busy.has('join')
        }}
        onStart={() => void model.startSession()}
        onEnd={() => void model.endSession()}
        onJoin={() => void model.join()}
      >
        {settings.layout !== 'focus' && timer}
      </RoomHeader>
      <StudyServerLink api={props.api} session={session} me={actor.username} />
      {state.connection !== 'open' && (
        <p className="jp-StudySession-banner" role="status">
          Connection lost. Reconnecting… The room catches up as soon as it is
          back.
        </p>
      )}
      {state.notice !== null && (
        <div className="jp-StudySession-banner jp-mod-error" role="alert">
          <span>{state.notice}</span>
          <button
            type="button"
            className="jp-StudySession-linkButton"
            onClick={() => model.dismissNotice()}
          >
            Dismiss
          </button>
        </div>
      )}
      {state.summary !== null && session.status === 'completed' && (
        <SessionSummary
          summary={state.summary}
          participants={state.participants}
          focusOnShow={state.endedLive}
        >
          <RecordingList
            sessionId={session.id}
            api={callApi}
            canDownload={
              actor.role === 'host' || actor.courseRole !== 'student'
            }
          />
        </SessionSummary>
      )}
      {callModel !== null && (
        <VideoArea
          model={callModel}
          canModerate={actor.role === 'host' || actor.role === 'co_host'}
          canRecord={actor.role === 'host'}
          canShareScreen={settings.screenShare}
        />
      )}
      {follow !== null && (
        <StudyNotebook
          model={follow}
          participants={state.participants}
          canChoose={actor.role === 'host' || actor.role === 'co_host'}
          onOpen={onOpenNotebook && (() => onOpenNotebook(session.id))}
        />
      )}
      <div className="jp-StudySession-roomBody">{body}</div>
    </div>
  );
}
