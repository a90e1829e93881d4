/**
 * The shared notes: a CodeMirror 6 Markdown editor bound to the document's
 * `Y.Text` (`source`) by y-codemirror.next, with the others' cursors and
 * selections (names and colours from the server-verified awareness), undo
 * that only undoes your own edits, and a preview drawn by the room's safe
 * Markdown renderer.
 */
import { defaultKeymap } from '@codemirror/commands';
import { markdown } from '@codemirror/lang-markdown';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import * as React from 'react';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import * as Y from 'yjs';

import { downloadText } from '../../common/download';
import { useStore } from '../../common/hooks';
import { DocStatus, OpenTabButton } from '../DocStatus';
import { Markdown } from '../Markdown';
import type { SharedDoc } from '../sharedDoc';

export type NotesMode = 'edit' | 'preview' | 'split';

export interface INotesProps {
  shared: SharedDoc;
  /** Shows "Open in a tab". */
  onOpenTab?(): void;
  /** How it opens (default: the editor). */
  mode?: NotesMode;
}

/** The text of the notes, kept up to date. */
function useText(text: Y.Text): string {
  const [value, setValue] = React.useState(() => text.toString());
  React.useEffect(() => {
    const update = (): void => setValue(text.toString());
    text.observe(update);
    update();
    return () => text.unobserve(update);
  }, [text]);
  return value;
}

const theme = EditorView.theme({
  '&': {
    color: 'var(--jp-content-font-color1)',
    backgroundColor: 'var(--jp-layout-color0)',
    fontSize: 'var(--jp-code-font-size)',
    height: '100%'
  },
  '.cm-content': {
    fontFamily: 'var(--jp-code-font-family)',
    caretColor: 'var(--jp-editor-cursor-color)'
  },
  '.cm-cursor': { borderLeftColor: 'var(--jp-editor-cursor-color)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': {
    backgroundColor: 'var(--jp-editor-selected-background)'
  },
  '.cm-scroller': { overflow: 'auto' }
});

export function Notes(props: INotesProps): React.ReactElement {
  const { shared } = props;
  const state = useStore(shared);
  const editable = shared.editable;
  const [mode, setMode] = React.useState<NotesMode>(props.mode ?? 'edit');
  const host = React.useRef<HTMLDivElement>(null);
  const view = React.useRef<EditorView | null>(null);
  const readOnly = React.useMemo(() => new Compartment(), []);
  const text = React.useMemo(() => shared.doc.getText('source'), [shared]);
  const markdownText = useText(text);

  React.useEffect(() => {
    const undoManager = new Y.UndoManager(text);
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: text.toString(),
        extensions: [
          // no Tab binding: Tab moves the focus on (no keyboard trap)
          keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
          markdown(),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({
            'aria-label': 'Shared notes (Markdown)'
          }),
          placeholder(
            'Shared notes: everyone in the room writes here (Markdown).'
          ),
          theme,
          yCollab(text, shared.awareness, { undoManager }),
          readOnly.of([
            EditorState.readOnly.of(true),
            EditorView.editable.of(false)
          ])
        ]
      })
    });
    view.current = editor;
    return () => {
      view.current = null;
      editor.destroy();
      undoManager.destroy();
    };
  }, [shared, text, readOnly]);

  React.useEffect(() => {
    view.current?.dispatch({
      effects: readOnly.reconfigure([
        EditorState.readOnly.of(!editable),
        EditorView.editable.of(editable)
      ])
    });
  }, [editable, readOnly]);

  const modes: Array<[NotesMode, string]> = [
    ['edit', 'Edit'],
    ['split', 'Both'],
    ['preview', 'Preview']
  ];
  return (
    <div
      className={`jp-StudySession-notes jp-mod-${mode}`}
      data-testid="studysession-notes"
      data-editable={editable}
    >
      <div
        className="jp-StudySession-docToolbar"
        role="toolbar"
        aria-label="Notes"
      >
        <span role="group" aria-label="View">
          {modes.map(([name, label]) => (
            <button
              key={name}
              type="button"
              className="jp-StudySession-toolButton"
              aria-pressed={mode === name}
              onClick={() => setMode(name)}
            >
              {label}
            </button>
          ))}
        </span>
        <span className="jp-StudySession-toolSeparator" />
        <button
          type="button"
          className="jp-StudySession-linkButton"
          onClick={() =>
            downloadText(markdownText, 'notes.md', 'text/markdown')
          }
        >
          Download .md
        </button>
        <OpenTabButton onOpenTab={props.onOpenTab} />
      </div>
      <DocStatus state={state} what="notes" />
      <div className="jp-StudySession-notesBody">
        <div
          ref={host}
          className="jp-StudySession-notesEditor"
          data-testid="studysession-notes-editor"
          hidden={mode === 'preview'}
        />
        {mode !== 'edit' && (
          <div
            className="jp-StudySession-notesPreview"
            data-testid="studysession-notes-preview"
          >
            <Markdown text={markdownText} />
          </div>
        )}
      </div>
    </div>
  );
}
