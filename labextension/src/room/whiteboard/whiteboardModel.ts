/**
 * The whiteboard's state over its shared document: the shapes (from the
 * `Y.Map` named `shapes`), the other people's pointers (from awareness), and
 * the changes this user makes, which undo and redo only touch when they are
 * their own.
 */
import * as Y from 'yjs';

import { Store } from '../../common/store';
import type { SharedDoc } from '../sharedDoc';
import { IShape, parseShape, sortShapes } from './shapes';

/** Another person's pointer on the board, in board coordinates. */
export interface IPointer {
  clientId: number;
  name: string;
  color: string;
  x: number;
  y: number;
}

export interface IWhiteboardState {
  /** Shapes in drawing order, bottom first. */
  shapes: Array<[string, IShape]>;
  pointers: IPointer[];
  canUndo: boolean;
  canRedo: boolean;
}

/** The origin of this user's changes: the undo manager tracks only these. */
const LOCAL = Symbol('whiteboard-local');

function newId(): string {
  return Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
}

export class WhiteboardModel extends Store<IWhiteboardState> {
  readonly map: Y.Map<unknown>;

  constructor(
    readonly shared: SharedDoc,
    readonly me: string
  ) {
    super({ shapes: [], pointers: [], canUndo: false, canRedo: false });
    this.map = shared.doc.getMap('shapes');
    this._undo = new Y.UndoManager(this.map, {
      trackedOrigins: new Set([LOCAL]),
      captureTimeout: 0 // each shape, move or erase is one step
    });
    this.map.observe(this._readShapes);
    this._undo.on('stack-item-added', this._readStacks);
    this._undo.on('stack-item-popped', this._readStacks);
    shared.awareness.on('change', this._readPointers);
    this._readShapes();
  }

  /** Add a shape on top of the others; returns its id. */
  add(shape: Omit<IShape, 'z' | 'author'>): string {
    const id = newId();
    const top = this.state.shapes.reduce((z, [, s]) => Math.max(z, s.z), 0);
    this._change(() =>
      this.map.set(id, { ...shape, z: top + 1, author: this.me })
    );
    return id;
  }

  /** Replace a shape (after a move). */
  update(id: string, shape: IShape): void {
    this._change(() => this.map.set(id, { ...shape }));
  }

  remove(ids: Iterable<string>): void {
    this._change(() => {
      for (const id of ids) {
        this.map.delete(id);
      }
    });
  }

  undo(): void {
    this._undo.undo();
  }

  redo(): void {
    this._undo.redo();
  }

  /** Show this user's pointer to the others (`null`: off the board). */
  setPointer(point: { x: number; y: number } | null): void {
    this.shared.awareness.setLocalStateField('pointer', point);
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.map.unobserve(this._readShapes);
    this.shared.awareness.off('change', this._readPointers);
    this._undo.destroy();
    super.dispose();
  }

  private _change(change: () => void): void {
    this.shared.doc.transact(change, LOCAL);
  }

  private readonly _readShapes = (): void => {
    const shapes: Array<[string, IShape]> = [];
    this.map.forEach((value, id) => {
      const shape = parseShape(value);
      if (shape !== null) {
        shapes.push([id, shape]);
      }
    });
    this.set({ shapes: sortShapes(shapes) });
  };

  private readonly _readStacks = (): void => {
    this.set({
      canUndo: this._undo.undoStack.length > 0,
      canRedo: this._undo.redoStack.length > 0
    });
  };

  private readonly _readPointers = (): void => {
    const pointers: IPointer[] = [];
    const mine = this.shared.doc.clientID;
    this.shared.awareness.getStates().forEach((state, clientId) => {
      const pointer = state.pointer as { x?: unknown; y?: unknown } | null;
      const user = (state.user ?? {}) as { name?: unknown; color?: unknown };
      if (
        clientId === mine ||
        pointer === null ||
        typeof pointer !== 'object' ||
        typeof pointer.x !== 'number' ||
        typeof pointer.y !== 'number'
      ) {
        return;
      }
      pointers.push({
        clientId,
        name: typeof user.name === 'string' ? user.name : 'Someone',
        color: typeof user.color === 'string' ? user.color : '#888888',
        x: pointer.x,
        y: pointer.y
      });
    });
    this.set({ pointers });
  };

  private readonly _undo: Y.UndoManager;
}
