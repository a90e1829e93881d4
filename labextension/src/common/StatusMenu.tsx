import * as React from 'react';

import type { IUserSummary } from './api';
import { errorMessage } from './apiError';
import { Avatar, PRESENCE_LABELS } from './Avatar';
import type { ManualStatus, PresenceModel } from './presence';
import type { IPresencePreferences, PresenceStatus } from './realtimeProtocol';

/** The choices of the status menu: a manual status, or appearing offline. */
export type StatusChoice = ManualStatus | 'offline';

export const STATUS_CHOICES: readonly StatusChoice[] = [
  'online',
  'away',
  'busy',
  'dnd',
  'offline'
];

export const CHOICE_LABELS: Readonly<Record<StatusChoice, string>> = {
  online: 'Online',
  away: 'Away',
  busy: 'Busy',
  dnd: 'Do not disturb',
  offline: 'Appear offline'
};

/** The choice the menu shows as selected, from the user's preferences. */
export function currentChoice(
  preferences: IPresencePreferences | null
): StatusChoice {
  if (preferences === null) {
    return 'online';
  }
  if (preferences.appear_offline) {
    return 'offline';
  }
  return preferences.status ?? 'online';
}

/**
 * What `presence.set` gets for a choice. "Online" goes back to automatic
 * (online while here, away when idle); "Appear offline" keeps the status.
 */
export function choicePayload(choice: StatusChoice): {
  status?: ManualStatus | null;
  appear_offline: boolean;
} {
  if (choice === 'offline') {
    return { appear_offline: true };
  }
  return {
    status: choice === 'online' ? null : choice,
    appear_offline: false
  };
}

/** The dot others see for a choice. */
function choiceDot(choice: StatusChoice): PresenceStatus {
  return choice;
}

export interface IStatusMenuProps {
  me: IUserSummary;
  presence: PresenceModel;
}

/**
 * The current user's avatar with their status; opens a menu to set a status,
 * appear offline, or hide what they are doing.
 */
export function StatusMenu({
  me,
  presence
}: IStatusMenuProps): React.ReactElement {
  const [open, setOpen] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const buttonRef = React.useRef<HTMLButtonElement>(null);
  const menuRef = React.useRef<HTMLDivElement>(null);
  const preferences = presence.preferences;
  const choice = currentChoice(preferences);
  const ownStatus = presence.statusOf(me.username);
  const dot: PresenceStatus =
    choice === 'offline' ? 'offline' : (ownStatus ?? choiceDot(choice));

  const close = React.useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) {
      buttonRef.current?.focus();
    }
  }, []);

  React.useEffect(() => {
    if (!open) {
      return;
    }
    const first =
      menuRef.current?.querySelector<HTMLElement>(
        '[role^="menuitem"][aria-checked="true"]'
      ) ?? menuRef.current?.querySelector<HTMLElement>('[role^="menuitem"]');
    first?.focus();
    const onPointer = (event: MouseEvent): void => {
      const target = event.target as Node;
      if (
        !menuRef.current?.contains(target) &&
        !buttonRef.current?.contains(target)
      ) {
        close(false);
      }
    };
    document.addEventListener('mousedown', onPointer, true);
    return () => document.removeEventListener('mousedown', onPointer, true);
  }, [open, close]);

  const apply = async (
    payload: Parameters<PresenceModel['set']>[0]
  ): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await presence.set(payload);
    } catch (failure) {
      setError(
        errorMessage(failure, 'Your status could not be changed. Try again.')
      );
    } finally {
      setBusy(false);
    }
  };

  const onMenuKey = (event: React.KeyboardEvent): void => {
    const items = Array.from(
      menuRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? []
    );
    const index = items.indexOf(document.activeElement as HTMLElement);
    let next: number | null = null;
    switch (event.key) {
      case 'ArrowDown':
        next = (index + 1) % items.length;
        break;
      case 'ArrowUp':
        next = (index - 1 + items.length) % items.length;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = items.length - 1;
        break;
      case 'Escape':
      case 'Tab':
        event.preventDefault();
        event.stopPropagation();
        close(true);
        return;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    items[next]?.focus();
  };

  const hideActivity = preferences?.hide_activity ?? false;
  return (
    <div className="jp-StudySession-statusMenu">
      <button
        ref={buttonRef}
        type="button"
        className="jp-Button jp-mod-minimal jp-StudySession-statusButton"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={`Your status: ${CHOICE_LABELS[choice]}. Change status`}
        title="Change your status"
        data-testid="studysession-status-button"
        onClick={() => setOpen(!open)}
      >
        <Avatar user={me} status={dot} size={22} />
        <span className="jp-StudySession-statusLabel">
          {CHOICE_LABELS[choice]}
        </span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div
          ref={menuRef}
          className="jp-StudySession-menu"
          role="menu"
          aria-label="Your status"
          onKeyDown={onMenuKey}
          data-testid="studysession-status-menu"
        >
          {STATUS_CHOICES.map(option => (
            <button
              key={option}
              type="button"
              role="menuitemradio"
              aria-checked={option === choice}
              tabIndex={-1}
              disabled={busy}
              className="jp-StudySession-menuItem"
              onClick={() => {
                void apply(choicePayload(option));
                close(true);
              }}
            >
              <span
                className={`jp-StudySession-statusDot jp-StudySession-menuDot jp-mod-${choiceDot(option)}`}
                aria-hidden="true"
              />
              {CHOICE_LABELS[option]}
              {option === choice && (
                <span className="jp-StudySession-check" aria-hidden="true">
                  ✓
                </span>
              )}
            </button>
          ))}
          <div className="jp-StudySession-menuSeparator" role="separator" />
          <button
            type="button"
            role="menuitemcheckbox"
            aria-checked={!hideActivity}
            tabIndex={-1}
            disabled={busy}
            className="jp-StudySession-menuItem"
            onClick={() => {
              void apply({ hide_activity: !hideActivity });
              close(true);
            }}
          >
            <span className="jp-StudySession-menuBox" aria-hidden="true">
              {hideActivity ? '' : '✓'}
            </span>
            Show what I'm studying
          </button>
        </div>
      )}
      {error !== null && (
        <div className="jp-StudySession-statusError" role="alert">
          {error}
        </div>
      )}
      {preferences !== null && (
        <span className="jp-StudySession-visuallyHidden" aria-live="polite">
          {PRESENCE_LABELS[dot]}
        </span>
      )}
    </div>
  );
}
