import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';

import { type BackoffOptions, backoffDelay, parseRetryAfter } from './backoff.js';
import { checkChannelName } from './channels.js';
import { EventError, type EventErrorKind } from './errors.js';
import { type HttpAnswer, type PendingRequest, TransportFailure, postJson } from './http.js';

export interface EventClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8000`; requests go to `{url}/api/batch`. */
  url: string;
  /** The server API key (`api.key`, or a tenant key from `api.tenant_keys`). */
  apiKey: string;
  /** Per-request deadline (ms), connect to last byte of the answer. Default 5000. */
  timeoutMs?: number;
  /** Retries of a publication after a temporary failure (so at most retries + 1 sends). Default 5. */
  retries?: number;
  /** Retry delays: see backoffDelay. */
  backoff?: BackoffOptions;
  /** Publications accepted but not yet settled, at most; publish() rejects beyond. Default 10000. */
  maxQueue?: number;
  /** Publications per /api/batch request, at most. Default 500. */
  maxBatch?: number;
  /** Request body size (bytes) up to which more publications join a request. Default 1 MiB. */
  maxBatchBytes?: number;
  /** Requests in flight at once, at most. Default 4. */
  maxConcurrentRequests?: number;
  /** HTTP(S) agent to use (the client then leaves it open on close()); default: a keep-alive agent of its own. */
  agent?: http.Agent;
  /** Source of randomness in [0, 1) for the retry jitter (tests pin it). Default Math.random. */
  random?: () => number;
}

export interface PublishOptions {
  /** Sent as `idempotency_key`; default a random UUID. Every retry carries the same key. */
  idempotencyKey?: string;
}

/** The server's answer to a publication: its position in the channel's history, when it keeps one. */
export interface PublishResult {
  offset?: number;
  epoch?: string;
}

export interface RetryInfo {
  channel: string;
  idempotencyKey: string;
  /** The retry about to be made: 1 for the first. */
  attempt: number;
  delayMs: number;
  error: EventError;
}

interface EventClientEvents {
  /** A publication failed temporarily and will be sent again after `delayMs`. */
  retry: [RetryInfo];
}

/** One publication, from publish() until it is settled. */
interface Item {
  channel: string;
  key: string;
  /** `{"publish":{...}}`, serialized once. */
  command: string;
  /** Requests made so far. */
  sends: number;
  settled: boolean;
  resolve: (r: PublishResult) => void;
  reject: (e: EventError) => void;
}

/** The publications of one channel, in publish() order. Only the head is ever in flight. */
interface Lane {
  channel: string;
  items: Item[];
  /** The head is in a request or waiting for its retry. */
  busy: boolean;
}

/** A failure of one publication, before it becomes an EventError. */
interface Failure {
  kind: EventErrorKind;
  code: number;
  message: string;
  temporary: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

/** Server API error codes that are temporary: 100 internal (engine) error, 111 too many requests. */
const TEMPORARY_CODES = new Set([100, 111]);
/** HTTP statuses that are retried: 5xx and 429. */
const temporaryStatus = (status: number) => status >= 500 || status === 429;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min)
    throw new TypeError(`EventClient: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/**
 * Publishes to a neo-events (Centrifugo-compatible) server through its HTTP API.
 *
 * - Micro-batching: publications made in the same turn of the event loop leave in one
 *   `POST /api/batch` request (up to `maxBatch` / `maxBatchBytes`).
 * - Order per channel: a channel's publications are applied in publish() order, retries
 *   included. Only one publication per channel is in flight at a time; the next one is sent once
 *   the server has answered the previous one (or its retries ran out). Several publications of
 *   one channel in the same request would not keep that promise: the server applies a batch's
 *   commands independently, so when one got a temporary error (111, 100) a later one of the same
 *   channel could already have been applied before the retry.
 * - Retries with the same `idempotency_key` after temporary failures: network errors, timeouts,
 *   HTTP 5xx/429 (Retry-After honoured), server error codes 100 and 111; jittered exponential
 *   backoff. Any other server error code rejects at once with an EventError.
 * - Keep-alive HTTP(S) connections through one agent.
 */
export class EventClient extends EventEmitter<EventClientEvents> {
  readonly url: URL;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly maxQueue: number;
  private readonly apiKey: string;
  private readonly backoff: Required<BackoffOptions>;
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;
  private readonly maxConcurrent: number;
  private readonly random: () => number;
  private readonly agent: http.Agent;
  private readonly ownAgent: boolean;

  private readonly lanes = new Map<string, Lane>();
  /** Lanes whose head may be sent now, in the order they became ready. */
  private readonly ready = new Set<Lane>();
  private readonly requests = new Set<PendingRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending = 0;
  private flushScheduled = false;
  private closed = false;
  /** close()'s deadline passed: failures are final. */
  private closingNow = false;
  private closing: Promise<void> | undefined;
  private drainWaiters: Array<() => void> = [];

  constructor(options: EventClientOptions) {
    super();
    if (!isObject(options)) throw new TypeError('EventClient: options {url, apiKey} are required');
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError(`EventClient: url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`EventClient: url must be http: or https:, got ${url.protocol}`);
    }
    if (typeof options.apiKey !== 'string' || options.apiKey === '') {
      throw new TypeError('EventClient: apiKey must be a non-empty string');
    }
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/batch`;
    this.url = url;
    this.apiKey = options.apiKey;
    this.timeoutMs = positiveInt('timeoutMs', options.timeoutMs ?? 5000);
    this.retries = positiveInt('retries', options.retries ?? 5, 0);
    this.maxQueue = positiveInt('maxQueue', options.maxQueue ?? 10_000);
    this.maxBatch = positiveInt('maxBatch', options.maxBatch ?? 500);
    this.maxBatchBytes = positiveInt('maxBatchBytes', options.maxBatchBytes ?? 1 << 20);
    this.maxConcurrent = positiveInt('maxConcurrentRequests', options.maxConcurrentRequests ?? 4);
    this.backoff = {
      initialMs: positiveInt('backoff.initialMs', options.backoff?.initialMs ?? 100),
      maxMs: positiveInt('backoff.maxMs', options.backoff?.maxMs ?? 10_000),
    };
    this.random = options.random ?? Math.random;
    this.ownAgent = options.agent === undefined;
    this.agent =
      options.agent ??
      new (url.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: this.maxConcurrent });
  }

  /** Publications accepted and not yet settled. */
  get queued(): number {
    return this.pending;
  }

  /**
   * Publishes `data` (any JSON value) on `channel`. Resolves with the server's `{offset, epoch}`
   * (`{}` when the channel's namespace keeps no history); rejects with an EventError.
   */
  publish(channel: string, data: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    return new Promise<PublishResult>((resolve, reject) => {
      if (this.closed) {
        throw new EventError({
          kind: 'closed',
          code: 0,
          message: 'the EventClient is closed',
          temporary: false,
          channel,
        });
      }
      checkChannelName(channel);
      if (data === undefined) throw new TypeError('publish: data is required (any JSON value)');
      const key = options.idempotencyKey ?? randomUUID();
      if (typeof key !== 'string' || key === '')
        throw new TypeError('publish: idempotencyKey must be a non-empty string');
      const command = JSON.stringify({ publish: { channel, data, idempotency_key: key } });
      if (this.pending >= this.maxQueue) {
        throw new EventError({
          kind: 'queue_full',
          code: 0,
          message: `${this.pending} publications are already waiting (maxQueue ${this.maxQueue})`,
          temporary: true,
          channel,
        });
      }
      const item: Item = { channel, key, command, sends: 0, settled: false, resolve, reject };
      let lane = this.lanes.get(channel);
      if (!lane) {
        lane = { channel, items: [], busy: false };
        this.lanes.set(channel, lane);
      }
      lane.items.push(item);
      this.pending++;
      if (!lane.busy) this.markReady(lane);
    });
  }

  /**
   * Stops taking publications, gives the pending ones up to `timeoutMs` (default: the client's
   * timeoutMs) to be delivered, retries included, then rejects what is left with a `closed`
   * EventError and ends the agent's connections (unless the agent was passed in).
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    this.closing = (async () => {
      if (this.pending > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => this.drainWaiters.push(resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
        clearTimeout(timer);
      }
      this.abandonAll();
      if (this.ownAgent) this.agent.destroy();
    })();
    return this.closing;
  }

  // -------------------------------------------------------------------------------------------

  private markReady(lane: Lane): void {
    this.ready.add(lane);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate: after every publish() of this turn of the event loop, promise callbacks
    // included, so they share one request.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.ready.size > 0 && this.requests.size < this.maxConcurrent) {
      const batch: Item[] = [];
      let bytes = 0;
      for (const lane of this.ready) {
        const head = lane.items[0]!;
        if (batch.length > 0 && (batch.length >= this.maxBatch || bytes + head.command.length > this.maxBatchBytes))
          break;
        this.ready.delete(lane);
        lane.busy = true;
        batch.push(head);
        bytes += head.command.length + 1;
      }
      this.send(batch);
    }
  }

  private send(batch: Item[]): void {
    for (const item of batch) item.sends++;
    const body = `{"commands":[${batch.map((i) => i.command).join(',')}]}`;
    const request = postJson(this.url, body, { 'X-API-Key': this.apiKey }, this.agent, this.timeoutMs);
    this.requests.add(request);
    void request.answer
      .then(
        (answer) => this.onAnswer(batch, answer),
        (error: unknown) => this.onFailure(batch, transportFailure(error)),
      )
      .finally(() => {
        this.requests.delete(request);
        if (this.ready.size > 0) this.flush();
      });
  }

  private onAnswer(batch: Item[], answer: HttpAnswer): void {
    if (answer.status !== 200) {
      const retryAfterMs = parseRetryAfter(headerValue(answer.headers['retry-after']));
      return this.onFailure(batch, {
        kind: 'http',
        code: answer.status,
        message: `HTTP ${answer.status} from ${this.url.pathname}${answer.body ? `: ${answer.body.trim().slice(0, 200)}` : ''}`,
        temporary: temporaryStatus(answer.status),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return this.onFailure(batch, protocolFailure(`answer is not JSON: ${answer.body.slice(0, 200)}`));
    }
    if (isObject(parsed) && isObject(parsed.error)) return this.onFailure(batch, apiFailure(parsed.error));
    const replies = isObject(parsed) ? parsed.replies : undefined;
    if (!Array.isArray(replies) || replies.length !== batch.length) {
      return this.onFailure(
        batch,
        protocolFailure(`expected {"replies": [${batch.length} replies]}, got ${answer.body.slice(0, 200)}`),
      );
    }
    batch.forEach((item, i) => {
      const reply: unknown = replies[i];
      if (isObject(reply) && isObject(reply.publish)) return this.succeed(item, publishResult(reply.publish));
      if (isObject(reply) && isObject(reply.error)) return this.fail(item, apiFailure(reply.error));
      this.fail(item, protocolFailure(`unexpected reply ${JSON.stringify(reply)}`));
    });
  }

  private onFailure(batch: Item[], failure: Failure): void {
    for (const item of batch) this.fail(item, failure);
  }

  private succeed(item: Item, result: PublishResult): void {
    if (item.settled) return;
    item.settled = true;
    item.resolve(result);
    this.advance(item);
  }

  /** Retries `item` when the failure is temporary and retries remain; rejects it otherwise. */
  private fail(item: Item, failure: Failure): void {
    if (item.settled) return;
    const lane = this.lanes.get(item.channel)!;
    if (failure.temporary && item.sends <= this.retries && !this.closingNow) {
      const attempt = item.sends;
      const delayMs = Math.max(backoffDelay(attempt, this.backoff, this.random), failure.retryAfterMs ?? 0);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        lane.busy = false;
        this.markReady(lane);
      }, delayMs);
      this.timers.add(timer);
      this.emit('retry', {
        channel: item.channel,
        idempotencyKey: item.key,
        attempt,
        delayMs,
        error: toError(failure, item),
      });
      return;
    }
    item.settled = true;
    item.reject(toError(failure, item));
    this.advance(item);
  }

  /** `item` (its lane's head) is settled: the lane's next publication may go. */
  private advance(item: Item): void {
    const lane = this.lanes.get(item.channel)!;
    lane.items.shift();
    lane.busy = false;
    this.pending--;
    if (lane.items.length > 0) this.markReady(lane);
    else this.lanes.delete(item.channel);
    if (this.pending === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** close(): the deadline passed. Everything still pending is rejected. */
  private abandonAll(): void {
    this.closingNow = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.requests) request.abort();
    const closed: Failure = {
      kind: 'closed',
      code: 0,
      message: 'the EventClient was closed before the publication was delivered',
      temporary: false,
    };
    for (const lane of [...this.lanes.values()]) {
      for (const item of [...lane.items]) this.fail(item, closed);
    }
    this.ready.clear();
  }
}

function toError(failure: Failure, item: Item): EventError {
  return new EventError({ ...failure, channel: item.channel, attempts: item.sends });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function apiFailure(error: Record<string, unknown>): Failure {
  const code = typeof error.code === 'number' ? error.code : 0;
  return {
    kind: 'api',
    code,
    message: typeof error.message === 'string' ? error.message : `error ${code}`,
    temporary: TEMPORARY_CODES.has(code),
  };
}

function protocolFailure(message: string): Failure {
  return { kind: 'protocol', code: 0, message: `not a server API answer: ${message}`, temporary: false };
}

function transportFailure(error: unknown): Failure {
  const reason = error instanceof TransportFailure ? error.reason : 'network';
  const message = error instanceof Error ? error.message : String(error);
  return { kind: reason, code: 0, message, temporary: true, cause: error };
}

function publishResult(reply: Record<string, unknown>): PublishResult {
  const result: PublishResult = {};
  if (typeof reply.offset === 'number') result.offset = reply.offset;
  if (typeof reply.epoch === 'string') result.epoch = reply.epoch;
  return result;
}
