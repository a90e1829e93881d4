import * as React from 'react';

import type { IUserSummary } from '../common/api';
import { Avatar } from '../common/Avatar';
import type { PresenceStatus } from '../common/realtimeProtocol';
import type { IUserSuggestion } from './sessionsApi';

export interface IInvitePickerProps {
  /** The usernames picked so far. */
  value: readonly string[];
  onChange: (usernames: string[]) => void;
  /** People matching what was typed, from those the user studied with. */
  suggest: (q: string) => Promise<IUserSuggestion[]>;
  /** A person's presence, when known. */
  statusOf?: (username: string) => PresenceStatus | undefined;
  /** The input's id, for its label. */
  id: string;
  /** Id of the element describing the field (its help or error). */
  describedBy?: string;
}

/** "Studied together 3 times", or null for nothing to say. */
export function sharedLabel(suggestion: IUserSuggestion): string | null {
  const parts: string[] = [];
  if (suggestion.shared_sessions > 0) {
    const n = suggestion.shared_sessions;
    parts.push(`${n} session${n === 1 ? '' : 's'} together`);
  }
  if (suggestion.shared_groups > 0) {
    const n = suggestion.shared_groups;
    parts.push(`${n} group${n === 1 ? '' : 's'}`);
  }
  return parts.length > 0 ? parts.join(', ') : null;
}

/**
 * Pick people by username: a combobox suggesting the people the user studied
 * with (arrow keys and Enter pick one; Enter on typed text invites that
 * username), and the picked people as removable chips.
 */
export function InvitePicker(props: IInvitePickerProps): React.ReactElement {
  const { value, onChange, suggest, statusOf, id, describedBy } = props;
  const [text, setText] = React.useState('');
  const [options, setOptions] = React.useState<IUserSuggestion[]>([]);
  const [active, setActive] = React.useState(-1);
  const [open, setOpen] = React.useState(false);
  const [known, setKnown] = React.useState<Map<string, IUserSummary>>(
    new Map()
  );
  const listId = `${id}-suggestions`;
  const request = React.useRef(0);

  React.useEffect(() => {
    if (!open) {
      return;
    }
    const ticket = ++request.current;
    const timer = setTimeout(() => {
      suggest(text.trim())
        .then(found => {
          if (ticket === request.current) {
            const fresh = found.filter(s => !value.includes(s.user.username));
            setOptions(fresh);
            setActive(fresh.length > 0 && text.trim() !== '' ? 0 : -1);
          }
        })
        .catch(() => {
          if (ticket === request.current) {
            setOptions([]);
          }
        });
    }, 150);
    return () => clearTimeout(timer);
  }, [text, open, value, suggest]);

  const add = (username: string, user?: IUserSummary): void => {
    const name = username.trim();
    if (name === '' || value.includes(name)) {
      setText('');
      return;
    }
    if (user !== undefined) {
      setKnown(new Map(known).set(name, user));
    }
    onChange([...value, name]);
    setText('');
    setActive(-1);
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>): void => {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        setOpen(true);
        setActive(options.length === 0 ? -1 : (active + 1) % options.length);
        break;
      case 'ArrowUp':
        event.preventDefault();
        setActive(
          options.length === 0
            ? -1
            : (active - 1 + options.length) % options.length
        );
        break;
      case 'Enter':
      case ',': {
        const chosen = open && active >= 0 ? options[active] : undefined;
        if (chosen !== undefined) {
          event.preventDefault();
          add(chosen.user.username, chosen.user);
        } else if (text.trim() !== '') {
          event.preventDefault();
          add(text);
        }
        break;
      }
      case 'Escape':
        if (open && options.length > 0) {
          event.preventDefault();
          event.stopPropagation();
          setOpen(false);
        }
        break;
      case 'Backspace':
        if (text === '' && value.length > 0) {
          onChange(value.slice(0, -1));
        }
        break;
    }
  };

  const expanded = open && options.length > 0;
  return (
    <div className="jp-StudySession-invitePicker">
      {value.length > 0 && (
        <ul className="jp-StudySession-chips" aria-label="People to invite">
          {value.map(name => {
            const user = known.get(name) ?? {
              username: name,
              display_name: name,
              initials: null,
              color: null,
              avatar_url: null
            };
            return (
              <li
                key={name}
                className="jp-StudySession-chip"
                data-testid="studysession-invitee"
              >
                <Avatar user={user} status={statusOf?.(name)} size={18} />
                <span>{user.display_name}</span>
                <button
                  type="button"
                  className="jp-StudySession-chipRemove"
                  aria-label={`Remove ${user.display_name}`}
                  title="Remove"
                  onClick={() => onChange(value.filter(n => n !== name))}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="jp-StudySession-combobox">
        <input
          id={id}
          className="jp-mod-styled jp-StudySession-input"
          type="text"
          role="combobox"
          autoComplete="off"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-describedby={describedBy}
          aria-activedescendant={
            expanded && active >= 0 ? `${listId}-${active}` : undefined
          }
          placeholder="Type a name or username"
          value={text}
          data-testid="studysession-invite-input"
          onChange={event => {
            setText(event.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
        />
        <ul
          id={listId}
          role="listbox"
          aria-label="Suggestions"
          className="jp-StudySession-suggestions"
          hidden={!expanded}
          data-testid="studysession-suggestions"
        >
          {options.map((option, index) => {
            const shared = sharedLabel(option);
            return (
              <li
                key={option.user.username}
                id={`${listId}-${index}`}
                role="option"
                aria-selected={index === active}
                className={`jp-StudySession-suggestion${
                  index === active ? ' jp-mod-active' : ''
                }`}
                onMouseDown={event => {
                  event.preventDefault(); // keep the focus in the input
                  add(option.user.username, option.user);
                }}
              >
                <Avatar
                  user={option.user}
                  status={statusOf?.(option.user.username)}
                  size={20}
                />
                <span className="jp-StudySession-suggestionName">
                  {option.user.display_name}
                </span>
                <span className="jp-StudySession-suggestionUser">
                  @{option.user.username}
                </span>
                {shared !== null && (
                  <span className="jp-StudySession-suggestionShared">
                    {shared}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </div>
    </div>
  );
}
