/**
 * A WebSocket the test drives by hand: `open()`, `receive(frame)`, `drop()`;
 * what the client sent is in `sent`.
 */

type Handler = ((event: unknown) => void) | null;

export class FakeSocketServer {
  /** Every socket the client created, oldest first. */
  readonly sockets: FakeWebSocket[] = [];

  get latest(): FakeWebSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (socket === undefined) {
      throw new Error('the client created no socket');
    }
    return socket;
  }

  /** The constructor to give the client. */
  get WebSocket(): typeof WebSocket {
    const server = this.sockets;
    class Socket extends FakeWebSocket {
      constructor(url: string) {
        super(url);
        server.push(this);
      }
    }
    return Socket as unknown as typeof WebSocket;
  }
}

export class FakeWebSocket {
  constructor(readonly url: string) {}

  readyState = 0;
  readonly sent: string[] = [];
  closedByClient = false;
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;

  /** The ops the client sent, decoded. */
  get ops(): Array<Record<string, unknown> & { id: number; op: string }> {
    return this.sent.map(frame => JSON.parse(frame));
  }

  /** The last op named `op`. */
  lastOp(op: string): Record<string, unknown> & { id: number; op: string } {
    const found = this.ops.filter(o => o.op === op).pop();
    if (found === undefined) {
      throw new Error(`no ${op} op was sent`);
    }
    return found;
  }

  send(data: string): void {
    if (this.readyState !== 1) {
      throw new Error('send on a socket that is not open');
    }
    this.sent.push(data);
  }

  close(): void {
    this.closedByClient = true;
    if (this.readyState !== 3) {
      this.readyState = 3;
      this.onclose?.({ code: 1000 });
    }
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: unknown): void {
    this.onmessage?.({
      data: typeof frame === 'string' ? frame : JSON.stringify(frame)
    });
  }

  /** Answer op `id` successfully. */
  ack(id: number, data: unknown = null): void {
    this.receive({ re: id, ok: true, data });
  }

  /** The connection is lost. */
  drop(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006 });
  }
}
