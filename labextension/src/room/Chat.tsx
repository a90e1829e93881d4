import * as React from 'react';

import { Avatar } from '../common/Avatar';
import { realtime } from '../common/connection';
import { useNow, useStore } from '../common/hooks';
import { errorMessage } from '../common/store';
import { ChatModel, IChannelClient, IChatPage } from './chatModel';
import {
  ChatMessage,
  continuesGroup,
  describeTypists,
  formatMessageTime,
  typists
} from './chatState';
import { Markdown } from './Markdown';
import { markdownText, parseMarkdown } from './safeMarkdown';

export interface IChatProps {
  /** The channel with the chat's events: `session:<id>` or `group:<id>`. */
  channel: string;
  /** The current user's username. */
  me: string;
  /** The page of history before the message `before` (the newest for `null`). */
  loadPage(before: string | null): Promise<IChatPage>;
  /** `key`: the message's idempotency key, the same for every try. */
  send(text: string, key: string): Promise<ChatMessage>;
  edit(messageId: string, text: string): Promise<ChatMessage>;
  /** Delete, leaving a tombstone. */
  remove(messageId: string): Promise<ChatMessage>;
  /** Tell the others the user is typing (optional). */
  typing?(): Promise<unknown>;
  /** Whether the user may edit this message; their own ones by default. */
  canEdit?(message: ChatMessage): boolean;
  /** Whether the user may delete this message; their own ones by default. */
  canDelete?(message: ChatMessage): boolean;
  /** Why the user cannot write (the chat is read-only when set). */
  readOnlyReason?: string | null;
  /** The heading, "Chat" by default. */
  title?: string;
  /** The realtime client; the tab's shared one by default. */
  client?: IChannelClient;
}

/** Older messages load when the log is scrolled this close to its top (px). */
const LOAD_OLDER_AT = 48;
/** The log follows new messages while scrolled this close to its bottom (px). */
const STICK_TO_BOTTOM = 80;

/**
 * A live chat: history that loads as you scroll up, live messages, a typing
 * indicator, editing and deleting (tombstones), Markdown rendered safely.
 * It works for any channel: a session room or a study group.
 */
export function Chat(props: IChatProps): React.ReactElement {
  const latest = React.useRef(props);
  latest.current = props;
  const client = props.client;
  const model = React.useMemo(
    () =>
      new ChatModel({
        channel: props.channel,
        me: props.me,
        client: client ?? realtime(),
        source: {
          loadPage: before => latest.current.loadPage(before),
          send: (text, key) => latest.current.send(text, key),
          edit: (id, text) => latest.current.edit(id, text),
          remove: id => latest.current.remove(id),
          typing: () => latest.current.typing?.() ?? Promise.resolve()
        }
      }),
    [props.channel, props.me, client]
  );
  React.useEffect(() => {
    model.start();
    return () => model.dispose();
  }, [model]);

  const state = useStore(model);
  const now = useNow(1000, state.typing.until.size > 0);
  const typingText = describeTypists(typists(state.typing, now, props.me));
  const headingId = React.useId();
  const readOnly = props.readOnlyReason ?? null;
  const canEdit =
    props.canEdit ?? ((m: ChatMessage) => m.sender.username === props.me);
  const canDelete =
    props.canDelete ?? ((m: ChatMessage) => m.sender.username === props.me);

  // -- scrolling -----------------------------------------------------------------
  const logRef = React.useRef<HTMLDivElement>(null);
  const fromBottom = React.useRef(0);
  const edges = React.useRef<{ first?: string; last?: string }>({});
  const scrollToEnd = React.useRef(true);

  React.useLayoutEffect(() => {
    const log = logRef.current;
    if (log === null) {
      return;
    }
    const first = state.messages[0]?.id;
    const last = state.messages[state.messages.length - 1]?.id;
    const previous = edges.current;
    if (scrollToEnd.current || fromBottom.current < STICK_TO_BOTTOM) {
      log.scrollTop = log.scrollHeight;
      scrollToEnd.current = state.messages.length === 0;
    } else if (previous.first !== first && previous.last === last) {
      // older messages above: keep what the user was reading in place
      log.scrollTop = log.scrollHeight - log.clientHeight - fromBottom.current;
    }
    edges.current = { first, last };
    fromBottom.current = log.scrollHeight - log.clientHeight - log.scrollTop;
  }, [state.messages]);

  const onScroll = (): void => {
    const log = logRef.current;
    if (log === null) {
      return;
    }
    fromBottom.current = log.scrollHeight - log.clientHeight - log.scrollTop;
    if (log.scrollTop < LOAD_OLDER_AT && state.hasOlder) {
      void model.loadOlder();
    }
  };

  const send = async (text: string): Promise<void> => {
    scrollToEnd.current = true;
    await model.send(text);
  };

  const announcement =
    state.lastLive === null
      ? ''
      : `${state.lastLive.sender.display_name}: ${markdownText(
          parseMarkdown(state.lastLive.text)
        )}`;

  return (
    <section
      className="jp-StudySession-roomUI jp-StudySession-chat"
      aria-labelledby={headingId}
      data-testid="studysession-chat"
    >
      <h3 className="jp-StudySession-sectionTitle" id={headingId}>
        {props.title ?? 'Chat'}
      </h3>
      <div
        className="jp-StudySession-chatLog"
        ref={logRef}
        onScroll={onScroll}
        tabIndex={0}
        role="region"
        aria-label="Messages"
      >
        {state.hasOlder && (
          <button
            type="button"
            className="jp-StudySession-linkButton jp-StudySession-loadOlder"
            onClick={() => void model.loadOlder()}
            disabled={state.loading !== 'none'}
          >
            {state.loading === 'older'
              ? 'Loading older messages…'
              : 'Load older messages'}
          </button>
        )}
        {state.loading === 'newest' && !state.loaded && (
          <p className="jp-StudySession-muted">Loading messages…</p>
        )}
        {state.loaded && state.messages.length === 0 && (
          <p
            className="jp-StudySession-muted"
            data-testid="studysession-chat-empty"
          >
            No messages yet.
            {readOnly === null ? ' Say hello!' : ''}
          </p>
        )}
        <ol className="jp-StudySession-messages">
          {state.messages.map((message, index) => (
            <ChatMessageItem
              key={message.id}
              message={message}
              continued={continuesGroup(state.messages[index - 1], message)}
              mine={message.sender.username === props.me}
              canEdit={readOnly === null && canEdit(message)}
              canDelete={readOnly === null && canDelete(message)}
              onEdit={text => model.edit(message.id, text)}
              onDelete={() => model.remove(message.id)}
            />
          ))}
        </ol>
      </div>
      {state.error !== null && (
        <p className="jp-StudySession-error" role="alert">
          {state.error}
        </p>
      )}
      <div className="jp-StudySession-typing" data-testid="studysession-typing">
        {typingText}
      </div>
      {readOnly === null ? (
        <ChatComposer onSend={send} onTyped={() => model.typed()} />
      ) : (
        <p className="jp-StudySession-muted jp-StudySession-readOnly">
          {readOnly}
        </p>
      )}
      <div className="jp-StudySession-visuallyHidden" aria-live="polite">
        {announcement}
      </div>
    </section>
  );
}

interface IChatMessageItemProps {
  message: ChatMessage;
  /** Same sender as the message before, shortly after: no header. */
  continued: boolean;
  mine: boolean;
  canEdit: boolean;
  canDelete: boolean;
  onEdit(text: string): Promise<void>;
  onDelete(): Promise<void>;
}

function ChatMessageItem(props: IChatMessageItemProps): React.ReactElement {
  const { message, continued } = props;
  const [mode, setMode] = React.useState<'view' | 'edit' | 'confirmDelete'>(
    'view'
  );
  const [error, setError] = React.useState<string | null>(null);
  const deleted = message.deleted_at !== null;
  const time = formatMessageTime(message.created_at);

  const run = async (action: () => Promise<void>): Promise<void> => {
    setError(null);
    try {
      await action();
      setMode('view');
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <li
      className={
        'jp-StudySession-message' +
        (continued ? ' jp-mod-continued' : '') +
        (props.mine ? ' jp-mod-mine' : '') +
        (deleted ? ' jp-mod-deleted' : '')
      }
      data-testid="studysession-message"
      data-message-id={message.id}
    >
      <div className="jp-StudySession-messageAvatar">
        {!continued && <Avatar user={message.sender} size={28} />}
      </div>
      <div className="jp-StudySession-messageBody">
        {!continued && (
          <div className="jp-StudySession-messageHeader">
            <span className="jp-StudySession-messageSender">
              {message.sender.display_name}
            </span>
            <time dateTime={message.created_at}>{time}</time>
          </div>
        )}
        {deleted ? (
          <p className="jp-StudySession-muted jp-StudySession-tombstone">
            This message was deleted.
          </p>
        ) : mode === 'edit' ? (
          <MessageEditor
            initial={message.text}
            onSave={text => run(() => props.onEdit(text))}
            onCancel={() => {
              setError(null);
              setMode('view');
            }}
          />
        ) : (
          <div className="jp-StudySession-messageText">
            {continued && (
              <span className="jp-StudySession-visuallyHidden">
                {message.sender.display_name}, {time}:{' '}
              </span>
            )}
            <Markdown text={message.text} />
            {message.edited_at !== null && (
              <span
                className="jp-StudySession-muted jp-StudySession-edited"
                title={`Edited ${formatMessageTime(message.edited_at)}`}
              >
                (edited)
              </span>
            )}
          </div>
        )}
        {mode === 'confirmDelete' && (
          <div className="jp-StudySession-confirm" role="group">
            <span>Delete this message for everyone?</span>
            <button
              type="button"
              className="jp-StudySession-button jp-mod-danger"
              onClick={() => void run(props.onDelete)}
              autoFocus
            >
              Delete
            </button>
            <button
              type="button"
              className="jp-StudySession-button"
              onClick={() => setMode('view')}
            >
              Cancel
            </button>
          </div>
        )}
        {error !== null && (
          <p className="jp-StudySession-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {!deleted && mode === 'view' && (props.canEdit || props.canDelete) && (
        <div className="jp-StudySession-messageActions">
          {props.canEdit && (
            <button
              type="button"
              className="jp-StudySession-linkButton"
              aria-label={`Edit your message from ${time}`}
              onClick={() => setMode('edit')}
            >
              Edit
            </button>
          )}
          {props.canDelete && (
            <button
              type="button"
              className="jp-StudySession-linkButton"
              aria-label={`Delete the message of ${message.sender.display_name} from ${time}`}
              onClick={() => setMode('confirmDelete')}
            >
              Delete
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function MessageEditor(props: {
  initial: string;
  onSave(text: string): Promise<void>;
  onCancel(): void;
}): React.ReactElement {
  const [text, setText] = React.useState(props.initial);
  const [saving, setSaving] = React.useState(false);
  const save = async (): Promise<void> => {
    if (text.trim() === '' || saving) {
      return;
    }
    setSaving(true);
    try {
      await props.onSave(text);
    } finally {
      setSaving(false);
    }
  };
  return (
    <form
      className="jp-StudySession-messageEditor"
      onSubmit={event => {
        event.preventDefault();
        void save();
      }}
    >
      <textarea
        className="jp-StudySession-input"
        aria-label="Edit message"
        value={text}
        autoFocus
        rows={Math.min(6, text.split('\n').length + 1)}
        maxLength={4000}
        onChange={event => setText(event.target.value)}
        onKeyDown={event => {
          if (event.key === 'Escape') {
            event.preventDefault();
            props.onCancel();
          } else if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            void save();
          }
        }}
      />
      <div className="jp-StudySession-formButtons">
        <button
          type="submit"
          className="jp-StudySession-button jp-mod-accept"
          disabled={saving || text.trim() === ''}
        >
          Save
        </button>
        <button
          type="button"
          className="jp-StudySession-button"
          onClick={props.onCancel}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}

function ChatComposer(props: {
  onSend(text: string): Promise<void>;
  onTyped(): void;
}): React.ReactElement {
  const [text, setText] = React.useState('');
  const [sending, setSending] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const inputId = React.useId();

  const send = async (): Promise<void> => {
    if (text.trim() === '' || sending) {
      return;
    }
    setSending(true);
    setError(null);
    try {
      await props.onSend(text);
      setText('');
    } catch (e) {
      setError(errorMessage(e)); // the draft stays, to try again
    } finally {
      setSending(false);
    }
  };

  return (
    <form
      className="jp-StudySession-composer"
      onSubmit={event => {
        event.preventDefault();
        void send();
      }}
    >
      <label className="jp-StudySession-visuallyHidden" htmlFor={inputId}>
        Message
      </label>
      <textarea
        id={inputId}
        className="jp-StudySession-input"
        data-testid="studysession-chat-input"
        placeholder="Write a message: Enter sends, Shift+Enter adds a line. Markdown works."
        value={text}
        rows={2}
        maxLength={4000}
        onChange={event => {
          setText(event.target.value);
          props.onTyped();
        }}
        onKeyDown={event => {
          if (
            event.key === 'Enter' &&
            !event.shiftKey &&
            !event.nativeEvent.isComposing
          ) {
            event.preventDefault();
            void send();
          }
        }}
      />
      <button
        type="submit"
        className="jp-StudySession-button jp-mod-accept"
        data-testid="studysession-chat-send"
        disabled={sending || text.trim() === ''}
      >
        Send
      </button>
      {error !== null && (
        <p className="jp-StudySession-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
