import * as React from 'react';

import type { IRoomApi, IRoomSession, IStudyServer } from './roomApi';

export interface IStudyServerLinkProps {
  api: IRoomApi;
  session: IRoomSession;
  /** The person looking at the room. */
  me: string;
}

/**
 * On a course hub, while the session is active: "The study notebook is on
 * Bob's server", with a link that opens his server in a new tab (the study
 * service shared it with you for the session). Nothing when sharing is off,
 * for the host (it is their own server), or before the share exists.
 */
export function StudyServerLink(
  props: IStudyServerLinkProps
): React.ReactElement | null {
  const { api, session, me } = props;
  const active = session.status === 'active';
  const [server, setServer] = React.useState<IStudyServer | null>(null);
  React.useEffect(() => {
    if (!active || session.host.username === me) {
      setServer(null);
      return;
    }
    let current = true;
    api.getStudyServer(session.id).then(
      found => current && setServer(found),
      () => current && setServer(null) // a server without sharing: no link
    );
    return () => {
      current = false;
    };
  }, [api, session.id, session.host.username, me, active]);
  if (server === null || !server.sharing || !server.shared) {
    return null;
  }
  return (
    <p
      className="jp-StudySession-banner jp-StudySession-studyServer"
      data-testid="studysession-study-server"
    >
      <span>
        The study notebook is on {session.host.display_name}&apos;s server.{' '}
      </span>
      <a href={server.url} target="_blank" rel="noopener noreferrer">
        Open {session.host.display_name}&apos;s server
      </a>
    </p>
  );
}
