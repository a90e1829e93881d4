import { addIcon, refreshIcon } from '@jupyterlab/ui-components';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import * as React from 'react';

import type { ISession } from '../common/api';
import type { PresenceModel, PresenceScope } from '../common/presence';
import { StatusMenu } from '../common/StatusMenu';
import { tabId, tabPanelId, Tabs } from '../common/Tabs';
import { usePresence, usePresenceWatch } from '../common/usePresence';
import type { IOfficeHours } from '../officehours/api';
import {
  STUDY_TABS,
  StudyModel,
  StudyTab,
  TAB_LABELS
} from '../sessions/model';
import { sessionActions } from '../sessions/sessionActions';
import { SessionCard } from '../sessions/SessionCard';
import { SessionList } from '../sessions/SessionList';
import { OfficeHoursList } from './OfficeHoursList';

export interface IStudySidebarProps {
  model: StudyModel;
  presence: PresenceModel;
  /** Bumped whenever the office hours should load again. */
  version: number;
  /** Whether the live connection is down (the lists may be behind). */
  offline: boolean;
  loadOfficeHours: () => Promise<IOfficeHours[]>;
  /** Follow an office hours' queue live (staff get live counts). */
  followQueue: (officehoursId: string, onChange: () => void) => IDisposable;
  /** The Groups tab's content. */
  renderGroups: () => React.ReactElement;
  onCreate: () => void;
  onRefresh: () => void;
  onOpenOfficeHours: (id: string) => void;
}

/** Re-render when a signal fires. */
export function useSignal(signal: ISignal<unknown, unknown>): void {
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const bump = (): void => setVersion(v => v + 1);
    signal.connect(bump);
    return () => {
      signal.disconnect(bump);
    };
  }, [signal]);
}

/**
 * Whose presence the cards of a list show: a session's members (their
 * channel) where the user may follow it, the hosts by name otherwise.
 */
export function presenceScopes(
  sessions: readonly ISession[] | null
): PresenceScope[] {
  if (sessions === null) {
    return [];
  }
  const scopes: PresenceScope[] = [];
  const hosts = new Set<string>();
  for (const session of sessions) {
    const member = session.my_state === 'joined' || session.my_state === 'left';
    const live = session.status === 'scheduled' || session.status === 'active';
    if (member && live) {
      scopes.push({ session: session.id });
    } else {
      hosts.add(session.host.username);
    }
  }
  if (hosts.size > 0) {
    scopes.push({ users: [...hosts].sort() });
  }
  return scopes;
}

const EMPTY: Readonly<Record<'mine' | 'browse' | 'history', string>> = {
  mine: 'No upcoming sessions. Create one, or browse the public ones.',
  browse: 'No public sessions to join right now.',
  history:
    'No past sessions yet. Sessions you took part in appear here once they end.'
};

/**
 * The Study sidebar: your status and "New session" in the header, the tabs
 * My sessions / Browse / History / Groups, and the course's office hours.
 */
export function StudySidebar(props: IStudySidebarProps): React.ReactElement {
  const { model, version, offline } = props;
  useSignal(model.changed);
  useSignal(model.mine.changed);
  useSignal(model.browse.changed);
  useSignal(model.history.changed);
  const presence = usePresence(props.presence);
  const tab = model.tab;
  const list = model.list(tab);
  usePresenceWatch(presence, presenceScopes(list?.state.sessions ?? null));
  const me = model.me;
  const isStaff = me !== null && me.course_role !== 'student';
  const statusOf = (name: string) => presence?.statusOf(name);

  const renderCard = (session: ISession): React.ReactElement => (
    <SessionCard
      key={session.id}
      session={session}
      actions={sessionActions(session, isStaff)}
      card={model.card(session.id)}
      hostStatus={statusOf(session.host.username)}
      onAction={action => void model.perform(session, action)}
      onDismiss={() => model.dismiss(session.id)}
    />
  );

  const panel = (current: StudyTab): React.ReactElement => {
    if (current === 'groups') {
      return props.renderGroups();
    }
    const sessions = model.list(current);
    if (sessions === null) {
      return <></>;
    }
    return (
      <SessionList
        state={sessions.state}
        label={TAB_LABELS[current]}
        onRetry={() => void sessions.refresh()}
        renderCard={renderCard}
        empty={
          <>
            <p>{EMPTY[current]}</p>
            {current === 'mine' && (
              <div className="jp-StudySession-emptyActions">
                <button
                  type="button"
                  className="jp-Button jp-mod-accept"
                  onClick={props.onCreate}
                >
                  New session
                </button>
                <button
                  type="button"
                  className="jp-Button jp-mod-reject"
                  onClick={() => model.setTab('browse')}
                >
                  Browse
                </button>
              </div>
            )}
          </>
        }
      />
    );
  };

  return (
    <div className="jp-StudySession-panel">
      <header className="jp-StudySession-header">
        <h2 className="jp-StudySession-heading">Study</h2>
        <div className="jp-StudySession-headerTools">
          {me !== null && presence !== null && (
            <StatusMenu me={me} presence={presence} />
          )}
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-StudySession-iconButton"
            title="New study session"
            aria-label="New study session"
            data-testid="studysession-create"
            onClick={props.onCreate}
          >
            <addIcon.react tag="span" />
          </button>
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-StudySession-iconButton jp-StudySession-refresh"
            title="Refresh"
            aria-label="Refresh study sessions"
            data-testid="studysession-refresh"
            onClick={props.onRefresh}
          >
            <refreshIcon.react tag="span" />
          </button>
        </div>
      </header>
      {offline && (
        <div className="jp-StudySession-offline" role="status">
          Reconnecting… the lists may be out of date.
        </div>
      )}
      <Tabs
        tabs={STUDY_TABS}
        labels={TAB_LABELS}
        selected={tab}
        onSelect={next => model.setTab(next)}
        label="Study sessions"
        idPrefix="jp-StudySession"
      />
      <div
        className="jp-StudySession-tabPanel"
        role="tabpanel"
        id={tabPanelId('jp-StudySession', tab)}
        aria-labelledby={tabId('jp-StudySession', tab)}
        data-testid={`studysession-panel-${tab}`}
      >
        {panel(tab)}
      </div>
      <OfficeHoursList
        load={props.loadOfficeHours}
        version={version}
        onOpen={props.onOpenOfficeHours}
        presence={presence}
        follow={isStaff ? props.followQueue : undefined}
      />
    </div>
  );
}
