/**
 * A minimal observable state holder for the models of the room, office hours
 * and groups, shaped for React's `useSyncExternalStore` (see `useStore` in
 * `hooks.ts`), and the user-facing text of an error.
 */
import { APIError } from './apiError';
import { RealtimeError } from './realtimeProtocol';

/** Holds an immutable state object and tells listeners when it is replaced. */
export class Store<T extends object> {
  constructor(initial: T) {
    this._state = initial;
  }

  /** The current state; a new object after every change. */
  get state(): T {
    return this._state;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Listen to changes; returns the function that stops listening. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this._listeners.add(listener);
    return () => {
      this._listeners.delete(listener);
    };
  };

  /** The current state (for `useSyncExternalStore`). */
  readonly getSnapshot = (): T => this._state;

  dispose(): void {
    this._isDisposed = true;
    this._listeners.clear();
  }

  /** Replace some fields of the state and tell the listeners. */
  protected set(changes: Partial<T>): void {
    if (this._isDisposed) {
      return;
    }
    this._state = { ...this._state, ...changes };
    for (const listener of [...this._listeners]) {
      listener();
    }
  }

  private _state: T;
  private _isDisposed = false;
  private readonly _listeners = new Set<() => void>();
}

/** What to tell the user about a failed call. */
export function errorMessage(error: unknown): string {
  if (error instanceof APIError || error instanceof RealtimeError) {
    return error.message;
  }
  return 'Something went wrong. Try again in a moment.';
}
