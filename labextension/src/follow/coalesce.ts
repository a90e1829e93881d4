/**
 * Send the latest of a stream of values at most once per interval: the first
 * at once, later ones when the interval has passed, and only the newest of
 * those that came meanwhile (the last one is always sent).
 */
export class Coalescer<T> {
  constructor(
    private readonly intervalMs: number,
    private readonly send: (value: T) => void,
    private readonly clock: () => number = () => Date.now()
  ) {}

  /** Offer a value; it is sent now, or replaces the one waiting. */
  push(value: T): void {
    this._pending = { value };
    if (this._timer !== null) {
      return;
    }
    const wait = this._sentAt + this.intervalMs - this.clock();
    if (wait <= 0) {
      this._flush();
    } else {
      this._timer = setTimeout(() => this._flush(), wait);
    }
  }

  /** Drop the value waiting, if any. */
  cancel(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._pending = null;
  }

  private _flush(): void {
    this._timer = null;
    const pending = this._pending;
    this._pending = null;
    if (pending !== null) {
      this._sentAt = this.clock();
      this.send(pending.value);
    }
  }

  private _pending: { value: T } | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _sentAt = -Infinity;
}
