/**
 * The room's shared notes and whiteboard, one at a time behind two tabs (each
 * also opens as its own main-area tab when `onOpenDoc` is given).
 */
import type { ServerConnection } from '@jupyterlab/services';
import * as React from 'react';

import { sendJSON, sessionPath } from '../common/api';
import { tabId, tabPanelId, Tabs } from '../common/Tabs';
import { Notes } from './notes/Notes';
import { DocName, SharedDoc } from './sharedDoc';
import { Whiteboard } from './whiteboard/Whiteboard';

/** A session's document, connected while the component is mounted. */
export function useSharedDoc(
  sessionId: string,
  name: DocName,
  settings?: ServerConnection.ISettings
): SharedDoc {
  const shared = React.useMemo(
    () => new SharedDoc({ sessionId, name, settings }),
    [sessionId, name, settings]
  );
  React.useEffect(() => () => shared.dispose(), [shared]);
  return shared;
}

export interface ISharedDocProps {
  sessionId: string;
  /** The current user's name. */
  me: string;
  /** The host or a co-host: may clear the whiteboard. */
  isHost: boolean;
  onOpenDoc?(name: DocName): void;
  settings?: ServerConnection.ISettings;
  /** Why the user cannot edit, as the room knows it (`null`: they can). */
  readOnlyReason?: string | null;
}

/** One document's panel: the notes editor or the whiteboard. */
export function SharedDocPanel(
  props: ISharedDocProps & { name: DocName }
): React.ReactElement {
  const { sessionId, name, onOpenDoc, settings } = props;
  const shared = useSharedDoc(sessionId, name, settings);
  const readOnlyReason = props.readOnlyReason ?? null;
  React.useEffect(() => {
    if (readOnlyReason !== null) {
      shared.markReadOnly(readOnlyReason);
    }
  }, [shared, readOnlyReason]);
  const openTab = onOpenDoc ? () => onOpenDoc(name) : undefined;
  if (name === 'notes') {
    return <Notes key={sessionId} shared={shared} onOpenTab={openTab} />;
  }
  return (
    <Whiteboard
      key={sessionId}
      shared={shared}
      me={props.me}
      canClear={props.isHost}
      onClear={() =>
        sendJSON(
          sessionPath(sessionId, '/docs/whiteboard/clear'),
          {},
          'POST',
          settings
        )
      }
      onOpenTab={openTab}
    />
  );
}

const LABELS: Record<DocName, string> = {
  notes: 'Notes',
  whiteboard: 'Whiteboard'
};

export type ISharedDocsProps = ISharedDocProps & { names: DocName[] };

/** The notes and the whiteboard of the room (those its settings turn on). */
export function SharedDocs(props: ISharedDocsProps): React.ReactElement | null {
  const [selected, setSelected] = React.useState<DocName | undefined>(
    props.names[0]
  );
  const name =
    selected !== undefined && props.names.includes(selected)
      ? selected
      : props.names[0];
  if (name === undefined) {
    return null;
  }
  const prefix = `jp-StudySession-docs-${props.sessionId}`;
  return (
    <section
      className="jp-StudySession-docs"
      aria-label="Shared notes and whiteboard"
    >
      <Tabs
        tabs={props.names}
        labels={LABELS}
        selected={name}
        onSelect={setSelected}
        label="Shared documents"
        idPrefix={prefix}
      />
      <div
        role="tabpanel"
        id={tabPanelId(prefix, name)}
        aria-labelledby={tabId(prefix, name)}
        className="jp-StudySession-docsPanel"
      >
        <SharedDocPanel {...props} name={name} />
      </div>
    </section>
  );
}
