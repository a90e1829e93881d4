import * as React from 'react';

import type { ISharedDocState } from './sharedDoc';

/**
 * What a shared document's panel says about its connection: loading, offline
 * (edits are kept and merge when it is back), read-only and why, or closed
 * for good and why. Nothing while it is synced and editable.
 */
export function DocStatus(props: {
  state: ISharedDocState;
  what: string;
}): React.ReactElement | null {
  const { state, what } = props;
  let text: string | null = null;
  let kind = 'jp-StudySession-banner';
  if (state.closed !== null) {
    text = state.closed;
    kind += ' jp-mod-error';
  } else if (state.status === 'connecting') {
    text = `Loading the ${what}…`;
  } else if (state.readOnly !== null) {
    text = `Read-only: ${state.readOnly}`;
    kind += ' jp-mod-readonly';
  } else if (state.status === 'offline') {
    text = `Offline: your changes to the ${what} are kept and merge with the others' when the connection is back.`;
  }
  if (text === null) {
    return null;
  }
  return (
    <p
      className={kind}
      role="status"
      data-testid="studysession-doc-status"
      data-status={
        state.closed !== null
          ? 'closed'
          : state.readOnly !== null
            ? 'read-only'
            : state.status
      }
    >
      {text}
    </p>
  );
}

/** The button that opens a document in its own tab (nothing without `onOpenTab`). */
export function OpenTabButton(props: {
  onOpenTab?: () => void;
}): React.ReactElement | null {
  if (!props.onOpenTab) {
    return null;
  }
  return (
    <button
      type="button"
      className="jp-StudySession-linkButton"
      onClick={props.onOpenTab}
    >
      Open in a tab
    </button>
  );
}
