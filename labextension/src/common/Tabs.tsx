import * as React from 'react';

export interface ITabsProps<T extends string> {
  /** The tabs, in order. */
  tabs: readonly T[];
  labels: Readonly<Record<T, string>>;
  selected: T;
  onSelect: (tab: T) => void;
  /** The tab list's accessible name. */
  label: string;
  /** Prefix of the tab and panel element ids. */
  idPrefix: string;
}

/** The id of a tab's panel, which its `TabPanel` must carry. */
export function tabPanelId(idPrefix: string, tab: string): string {
  return `${idPrefix}-panel-${tab}`;
}

/** The id of a tab, which labels its panel. */
export function tabId(idPrefix: string, tab: string): string {
  return `${idPrefix}-tab-${tab}`;
}

/**
 * A WAI-ARIA tab list: one tab in the Tab order (the selected one), the arrow
 * keys, Home and End move between tabs and select them.
 */
export function Tabs<T extends string>(
  props: ITabsProps<T>
): React.ReactElement {
  const { tabs, labels, selected, onSelect, label, idPrefix } = props;
  const refs = React.useRef(new Map<T, HTMLButtonElement>());

  const move = (event: React.KeyboardEvent, from: T): void => {
    const index = tabs.indexOf(from);
    let next: number;
    switch (event.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        next = (index + 1) % tabs.length;
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        next = (index - 1 + tabs.length) % tabs.length;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = tabs.length - 1;
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    const tab = tabs[next] as T;
    onSelect(tab);
    refs.current.get(tab)?.focus();
  };

  return (
    <div className="jp-StudySession-tabs" role="tablist" aria-label={label}>
      {tabs.map(tab => (
        <button
          key={tab}
          ref={node => {
            if (node) {
              refs.current.set(tab, node);
            } else {
              refs.current.delete(tab);
            }
          }}
          type="button"
          role="tab"
          id={tabId(idPrefix, tab)}
          aria-selected={tab === selected}
          aria-controls={tabPanelId(idPrefix, tab)}
          tabIndex={tab === selected ? 0 : -1}
          className={`jp-StudySession-tab${tab === selected ? ' jp-mod-selected' : ''}`}
          onClick={() => onSelect(tab)}
          onKeyDown={event => move(event, tab)}
        >
          {labels[tab]}
        </button>
      ))}
    </div>
  );
}
