// A real loopback HTTP receiver for the delivery tests: Bun.serve on 127.0.0.1 with an
// ephemeral port, programmable per request (status sequence, extra headers such as
// Retry-After, a delay, or "hang": hold the request until released or stopped), recording every
// request it receives. Plus a TCP listener that accepts connections and never answers, and a
// port that refuses connections. Nothing here ever listens on or dials a non-loopback address.
import type { Server, TCPSocketListener } from "bun";

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-case names, as the Fetch Headers object gives them. */
  headers: Record<string, string>;
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only after this many milliseconds. */
  delayMs?: number;
  /** Never answer (until `release()` or `stop()`). */
  hang?: boolean;
}

export type Behaviour = (request: RecordedRequest, index: number) => Reply;

export interface ReceiverOptions {
  /** Status of the n-th request; the last one repeats. Default [202]. */
  statuses?: number[];
  /** Extra response headers, e.g. { "retry-after": "1" }. */
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
  /** Full control; overrides the options above. */
  behaviour?: Behaviour;
}

function behaviourOf(options: ReceiverOptions): Behaviour {
  if (options.behaviour) return options.behaviour;
  const statuses = options.statuses && options.statuses.length > 0 ? options.statuses : [202];
  return (_request, index) => ({
    status: statuses[Math.min(index, statuses.length - 1)],
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.delayMs ? { delayMs: options.delayMs } : {}),
    ...(options.hang ? { hang: true } : {}),
  });
}

export class Receiver {
  readonly requests: RecordedRequest[] = [];
  private behaviour: Behaviour;
  private readonly waiting = new Set<() => void>();
  private readonly server: Server<undefined>;

  constructor(options: ReceiverOptions = {}) {
    this.behaviour = behaviourOf(options);
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: 0, // a held request must stay held, not be cut after 10 s
      fetch: (request) => this.handle(request),
    });
  }

  get port(): number {
    return this.server.port as number;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/telemetry`;
  }

  /** Requests received but not answered yet (held or delayed). */
  get holding(): number {
    return this.waiting.size;
  }

  /** Change what the following requests get. */
  behave(options: ReceiverOptions): void {
    this.behaviour = behaviourOf(options);
  }

  /** Answer every held request now (with 503: the sender has usually given up anyway). */
  release(): void {
    for (const answer of [...this.waiting]) answer();
  }

  bodies(): unknown[] {
    return this.requests.map((r) => JSON.parse(r.body));
  }

  eventIds(): string[] {
    return this.bodies().map((b) => (b as { event_id: string }).event_id);
  }

  async stop(): Promise<void> {
    this.release();
    await this.server.stop(true);
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const recorded: RecordedRequest = {
      method: request.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(request.headers.entries()),
      body: await request.text(),
      at: Date.now(),
    };
    const index = this.requests.length;
    this.requests.push(recorded);
    const reply = this.behaviour(recorded, index);
    if (reply.hang || reply.delayMs) {
      const released = await new Promise<boolean>((resolve) => {
        const answer = () => {
          this.waiting.delete(answer);
          clearTimeout(timer);
          resolve(true);
        };
        const timer = reply.hang
          ? undefined
          : setTimeout(() => {
              this.waiting.delete(answer);
              resolve(false);
            }, reply.delayMs);
        this.waiting.add(answer);
      });
      if (released) return new Response("released", { status: 503 });
    }
    return new Response(reply.body ?? "", { status: reply.status ?? 202, headers: reply.headers ?? {} });
  }
}

export function startReceiver(options: ReceiverOptions = {}): Receiver {
  return new Receiver(options);
}

/** Accepts TCP connections on loopback and never writes a byte back. */
export class SilentServer {
  connections = 0;
  bytes = 0;
  private readonly listener: TCPSocketListener<undefined>;

  constructor() {
    this.listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: () => {
          this.connections++;
        },
        data: (_socket, data) => {
          this.bytes += data.byteLength;
        },
      },
    });
  }

  get port(): number {
    return this.listener.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/telemetry`;
  }

  stop(): void {
    this.listener.stop(true);
  }
}

/** A loopback port nothing listens on (bound, then released): connecting is refused. */
export function refusedPort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
