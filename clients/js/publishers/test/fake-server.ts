// An in-process stand-in for the neo-events server API: records every request (path, headers,
// parsed body, socket) and answers each batch through a handler the test sets. By default every
// publish succeeds with a per-channel offset, like a namespace with history.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PublishCommand {
  channel: string;
  data: unknown;
  idempotency_key: string;
}

export interface Recorded {
  n: number;
  path: string;
  headers: http.IncomingHttpHeaders;
  commands: PublishCommand[];
  /** Client port of the connection (the same for requests on one kept-alive socket). */
  remotePort: number;
}

/** What a handler returns: an answer, or what to do to the connection instead. */
export type Answer =
  | { status?: number; headers?: Record<string, string>; body: unknown }
  | { replies: unknown[] }
  | 'drop' // destroy the socket without answering
  | 'hang'; // never answer

export type Handler = (req: Recorded, fake: FakeServer) => Answer | Promise<Answer>;

export class FakeServer {
  readonly requests: Recorded[] = [];
  handler: Handler = (req, fake) => ({ replies: req.commands.map((c) => ({ publish: fake.applied(c) })) });
  /** Publications the fake applied, per channel, in order. */
  readonly channels = new Map<string, PublishCommand[]>();
  private server: http.Server;
  private waiters = new Set<() => void>();
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { commands: { publish: PublishCommand }[] };
        const rec: Recorded = {
          n: this.requests.length + 1,
          path: req.url ?? '',
          headers: req.headers,
          commands: body.commands.map((c) => c.publish),
          remotePort: req.socket.remotePort ?? 0,
        };
        this.requests.push(rec);
        for (const w of [...this.waiters]) w();
        const answer = await this.handler(rec, this);
        if (answer === 'drop') return req.socket.destroy();
        if (answer === 'hang') return;
        const full = 'replies' in answer ? { status: 200, body: { replies: answer.replies } } : answer;
        const text = typeof full.body === 'string' ? full.body : JSON.stringify(full.body);
        res.writeHead(full.status ?? 200, { 'Content-Type': 'application/json', ...(full.headers ?? {}) });
        res.end(text);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Applies a publication (appends it to its channel) and returns its position. */
  applied(c: PublishCommand): { offset: number; epoch: string } {
    const list = this.channels.get(c.channel) ?? [];
    list.push(c);
    this.channels.set(c.channel, list);
    return { offset: list.length, epoch: 'fake' };
  }

  /** Data of the publications applied on `channel`, in order. */
  dataOf(channel: string): unknown[] {
    return (this.channels.get(channel) ?? []).map((c) => c.data);
  }

  /** Every publish command received, in arrival order. */
  get commands(): PublishCommand[] {
    return this.requests.flatMap((r) => r.commands);
  }

  /** Resolves once `n` requests arrived. */
  untilRequests(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.requests.length >= n) {
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
      check();
    });
  }
}
