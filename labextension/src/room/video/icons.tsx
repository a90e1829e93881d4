/**
 * The call's small icons (Material Design glyphs, Apache-2.0), inline so the
 * notebook widget needs nothing from JupyterLab. A slash marks "off".
 */
import * as React from 'react';

function Glyph(props: { path: string; off?: boolean }): React.ReactElement {
  return (
    <svg
      className={'jp-StudySession-glyph' + (props.off ? ' jp-mod-off' : '')}
      viewBox="0 0 24 24"
      width="16"
      height="16"
      aria-hidden="true"
    >
      <path fill="currentColor" d={props.path} />
      {props.off && (
        <path d="M3 3 21 21" stroke="currentColor" strokeWidth="2.2" />
      )}
    </svg>
  );
}

export function MicIcon(props: { off?: boolean }): React.ReactElement {
  return (
    <Glyph
      off={props.off}
      path="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5.3-3A5.3 5.3 0 0 1 12 16.1 5.3 5.3 0 0 1 6.7 11H5c0 3.4 2.7 6.2 6 6.7V21h2v-3.3c3.3-.5 6-3.3 6-6.7h-1.7z"
    />
  );
}

export function CameraIcon(props: { off?: boolean }): React.ReactElement {
  return (
    <Glyph
      off={props.off}
      path="M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11l-4 4z"
    />
  );
}

export function ScreenIcon(): React.ReactElement {
  return (
    <Glyph path="M20 18a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2H0v2h24v-2h-4zM4 6h16v10H4V6z" />
  );
}
