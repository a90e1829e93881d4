/**
 * Following in a notebook panel: while this user leads, their place (active
 * cell, its heading, where it sits on screen) goes to the room, coalesced;
 * while someone else leads, their places move this notebook: the same cell
 * becomes active and is scrolled to the same spot. Scrolling, clicking or
 * typing in the notebook pauses following (the bar offers to resume, which
 * jumps to the leader's place).
 */
import type { NotebookPanel, Notebook } from '@jupyterlab/notebook';
import { Signal } from '@lumino/signaling';

import { Coalescer } from './coalesce';
import type { FollowModel, IPlaceReceived } from './followModel';
import {
  headingOf,
  ICellInfo,
  ILocated,
  INotebookPlace,
  locate,
  placeOf
} from './place';

/** How often the leader's place goes out, at most (ms). */
export const PLACE_INTERVAL_MS = 100;

/** What the follow bar shows. */
export type FollowMode = 'leading' | 'following' | 'paused' | 'idle';

/** User input that means "I am looking elsewhere". */
const PAUSING_EVENTS = ['wheel', 'mousedown', 'keydown', 'touchstart'];

export class NotebookFollower {
  constructor(
    readonly panel: NotebookPanel,
    readonly model: FollowModel
  ) {
    this._send = new Coalescer<INotebookPlace>(PLACE_INTERVAL_MS, place => {
      void this.model.sendPlace(place);
    });
    const notebook = panel.content;
    notebook.activeCellChanged.connect(this._onMoved, this);
    this._scroller = notebook.outerNode;
    this._scroller.addEventListener('scroll', this._onScroll, {
      passive: true
    });
    for (const type of PAUSING_EVENTS) {
      notebook.node.addEventListener(type, this._onInput, true);
    }
    model.placeReceived.connect(this._onPlace, this);
    this._unsubscribe = model.subscribe(() => this._onState());
    this._onState();
  }

  /** Changes of `mode` and `notice`. */
  readonly changed = new Signal<this, void>(this);

  get mode(): FollowMode {
    return this._mode;
  }

  /** A sentence for the follower (the copies differ, the cell was deleted). */
  get notice(): string | null {
    return this._notice;
  }

  /** Whether this panel shows the session's study notebook. */
  get isStudyNotebook(): boolean {
    const notebook = this.model.state.follow?.notebook;
    return notebook != null && notebook.path === this.panel.context.path;
  }

  /** Follow again and jump to the leader's place. */
  resume(): void {
    this._paused = false;
    this._onState();
    const place = this.model.state.follow?.place;
    if (place) {
      void this.go(place);
    }
  }

  /** Stop following until `resume`. */
  pause(): void {
    if (this._mode === 'following') {
      this._paused = true;
      this._onState();
    }
  }

  /** Make the place's cell active and scroll it where the leader sees it. */
  async go(place: INotebookPlace): Promise<ILocated | null> {
    const notebook = this.panel.content;
    const found = locate(cellsOf(notebook), place);
    this._setNotice(found?.differs ?? null);
    if (found === null) {
      return null;
    }
    this._moving = true;
    try {
      notebook.activeCellIndex = found.index;
      await scrollCell(notebook, found.index, place.offset);
    } finally {
      this._moving = false;
    }
    return found;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._send.cancel();
    const notebook = this.panel.content;
    notebook.activeCellChanged.disconnect(this._onMoved, this);
    this._scroller.removeEventListener('scroll', this._onScroll);
    for (const type of PAUSING_EVENTS) {
      notebook.node.removeEventListener(type, this._onInput, true);
    }
    this.model.placeReceived.disconnect(this._onPlace, this);
    this._unsubscribe();
    void this.model.setStatus('elsewhere');
    Signal.clearData(this);
  }

  private _onState(): void {
    const { follow, ended } = this.model.state;
    const leader = follow?.leader?.username ?? null;
    let mode: FollowMode = 'idle';
    if (!ended && this.isStudyNotebook && leader !== null) {
      if (leader === this.model.me) {
        mode = 'leading';
      } else {
        mode = this._paused ? 'paused' : 'following';
      }
    }
    const started = mode !== this._mode;
    this._mode = mode;
    if (started && mode === 'leading') {
      this._publish(); // the room sees where the new leader is
    }
    if (started && mode === 'following' && follow?.place) {
      void this.go(follow.place);
    }
    if (mode !== 'leading') {
      void this.model.setStatus(
        mode === 'following'
          ? 'following'
          : mode === 'paused'
            ? 'paused'
            : 'elsewhere'
      );
    }
    if (started) {
      this.changed.emit();
    }
  }

  private _onPlace(_: FollowModel, received: IPlaceReceived): void {
    if (this._mode === 'following' && this.isStudyNotebook) {
      void this.go(received.place);
    }
  }

  private _onMoved(): void {
    if (this._mode === 'leading') {
      this._publish();
    }
  }

  private readonly _onScroll = (): void => {
    if (this._mode === 'leading') {
      this._publish();
    }
  };

  private readonly _onInput = (): void => {
    if (!this._moving) {
      this.pause();
    }
  };

  private _publish(): void {
    const notebook = this.panel.content;
    const index = notebook.activeCellIndex;
    if (index < 0 || notebook.widgets.length === 0) {
      return;
    }
    this._send.push(
      placeOf(
        this.panel.context.path,
        cellsOf(notebook),
        index,
        offsetOf(notebook, index)
      )
    );
  }

  private _setNotice(notice: string | null): void {
    if (notice !== this._notice) {
      this._notice = notice;
      this.changed.emit();
    }
  }

  private readonly _send: Coalescer<INotebookPlace>;
  private readonly _scroller: HTMLElement;
  private readonly _unsubscribe: () => void;
  private _mode: FollowMode = 'idle';
  private _paused = false;
  private _moving = false;
  private _notice: string | null = null;
  private _disposed = false;
}

/** The cells of a notebook as `place.ts` needs them. */
export function cellsOf(notebook: Notebook): ICellInfo[] {
  const cells = notebook.model?.sharedModel.cells ?? [];
  return cells.map(cell => ({
    id: cell.id,
    heading: headingOf(cell.cell_type, cell.getSource())
  }));
}

/** Where cell `index` sits in the notebook's view (0: at the top). */
function offsetOf(notebook: Notebook, index: number): number {
  const cell = notebook.widgets[index];
  const view = notebook.outerNode;
  if (!cell || view.clientHeight === 0) {
    return 0;
  }
  const top =
    cell.node.getBoundingClientRect().top - view.getBoundingClientRect().top;
  return top / view.clientHeight;
}

/**
 * Scroll so that cell `index` sits at `offset` of the view's height: at once
 * when the cell is in the page, through the notebook's windowing otherwise.
 */
async function scrollCell(
  notebook: Notebook,
  index: number,
  offset: number
): Promise<void> {
  const view = notebook.outerNode;
  let cell = notebook.widgets[index];
  if (!cell || !cell.node.isConnected) {
    await notebook.scrollToItem(index, 'start');
    cell = notebook.widgets[index];
  }
  if (!cell || !cell.node.isConnected || view.clientHeight === 0) {
    return;
  }
  const top =
    cell.node.getBoundingClientRect().top - view.getBoundingClientRect().top;
  const wanted = Math.max(0, Math.min(0.8, offset)) * view.clientHeight;
  view.scrollTop += top - wanted;
}
