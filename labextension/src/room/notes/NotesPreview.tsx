import * as React from 'react';

import { requestText, sessionPath } from '../../common/api';
import { Markdown } from '../Markdown';

/** How often the preview reads the notes again (ms). */
const REFRESH_MS = 5_000;

/**
 * The session's shared notes, read (not edited) over REST every few seconds:
 * what the notebook widget shows, so that it loads no Yjs or editor of its
 * own next to JupyterLab's.
 */
export function NotesPreview(props: { sessionId: string }): React.ReactElement {
  const { sessionId } = props;
  const [text, setText] = React.useState<string | null>(null);
  React.useEffect(() => {
    let stopped = false;
    const load = async (): Promise<void> => {
      try {
        const reply = await requestText(
          sessionPath(sessionId, '/docs/notes.md')
        );
        if (!stopped) {
          setText(reply.body);
        }
      } catch {
        // not readable (yet): the room says why; keep what was shown
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [sessionId]);
  return (
    <section
      className="jp-StudySession-docs jp-mod-preview"
      aria-label="Shared notes"
      data-testid="studysession-notes-preview"
    >
      <h3 className="jp-StudySession-sectionTitle">Notes</h3>
      {text === null || text === '' ? (
        <p className="jp-StudySession-muted">
          {text === null ? 'Loading the notes…' : 'No notes yet.'}
        </p>
      ) : (
        <div className="jp-StudySession-notesPreview">
          <Markdown text={text} />
        </div>
      )}
      <p className="jp-StudySession-muted">
        Open the room in JupyterLab to write the notes and draw on the
        whiteboard together.
      </p>
    </section>
  );
}
