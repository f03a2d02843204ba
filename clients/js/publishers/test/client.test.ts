import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EventClient, EventError, backoffDelay, parseRetryAfter, type RetryInfo } from '../src/index.js';
import { FakeServer, type PublishCommand } from './fake-server.js';

let fake: FakeServer;
const clients: EventClient[] = [];

beforeEach(async () => {
  fake = await new FakeServer().start();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 0 })));
  await fake.stop();
});

function client(options: Partial<ConstructorParameters<typeof EventClient>[0]> = {}): EventClient {
  const c = new EventClient({ url: fake.url, apiKey: 'k3y', backoff: { initialMs: 20, maxMs: 100 }, ...options });
  clients.push(c);
  return c;
}

/** Records the client's `retry` events. */
function retries(c: EventClient): RetryInfo[] {
  const list: RetryInfo[] = [];
  c.on('retry', (r) => list.push(r));
  return list;
}

/**
 * Handler: a publication whose data has `fail: [codes]` gets those API error codes on its first
 * sends (one per send, same idempotency key), then succeeds.
 */
function failAsScripted() {
  const seen = new Map<string, number>();
  fake.handler = (req, f) => ({
    replies: req.commands.map((c: PublishCommand) => {
      const n = (seen.get(c.idempotency_key) ?? 0) + 1;
      seen.set(c.idempotency_key, n);
      const fail = (c.data as { fail?: number[] }).fail ?? [];
      const code = fail[n - 1];
      if (code !== undefined) return { error: { code, message: `scripted ${code}` } };
      return { publish: f.applied(c) };
    }),
  });
}

/** Sends of each idempotency key, in order. */
function keysOf(channel: string): string[] {
  return fake.commands.filter((c) => c.channel === channel).map((c) => c.idempotency_key);
}

async function rejection(p: Promise<unknown>): Promise<EventError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EventError);
    return e as EventError;
  }
  throw new Error('expected a rejection');
}

describe('EventClient: requests and micro-batching', () => {
  it('posts {"commands":[{"publish":{channel,data,idempotency_key}}]} to {url}/api/batch with X-API-Key', async () => {
    const c = client();
    const result = await c.publish('tenant:1:deployments', { type: 'x', n: 1 });
    expect(result).toEqual({ offset: 1, epoch: 'fake' });
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req!.path).toBe('/api/batch');
    expect(req!.headers['x-api-key']).toBe('k3y');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.commands).toEqual([
      { channel: 'tenant:1:deployments', data: { type: 'x', n: 1 }, idempotency_key: expect.any(String) },
    ]);
    expect(req!.commands[0]!.idempotency_key).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('a trailing slash in url and a given idempotency key are honoured; {} results pass through', async () => {
    fake.handler = (req) => ({ replies: req.commands.map(() => ({ publish: {} })) });
    const c = new EventClient({ url: `${fake.url}/`, apiKey: 'k' });
    clients.push(c);
    await expect(c.publish('system:x', 1, { idempotencyKey: 'my-key' })).resolves.toEqual({});
    expect(fake.requests[0]!.path).toBe('/api/batch');
    expect(fake.requests[0]!.commands[0]!.idempotency_key).toBe('my-key');
  });

  it('publications of one tick on different channels leave in one request', async () => {
    const c = client();
    const channels = ['a:1', 'a:2', 'a:3', 'b:1', 'b:2'];
    const results = await Promise.all(channels.map((ch, i) => c.publish(ch, { i })));
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.commands.map((x) => x.channel)).toEqual(channels);
    expect(results).toEqual(channels.map(() => ({ offset: 1, epoch: 'fake' })));
    const keys = new Set(fake.commands.map((x) => x.idempotency_key));
    expect(keys.size).toBe(channels.length);
  });

  it('a channel has one publication in flight at a time: its publications go in order, one per request', async () => {
    const c = client();
    const all = [];
    for (let i = 1; i <= 3; i++) all.push(c.publish('tenant:1:deployments', { i }));
    for (let i = 1; i <= 2; i++) all.push(c.publish('tenant:1:billing', { i }));
    await Promise.all(all);
    expect(
      fake.requests.map((r) => r.commands.map((x) => `${x.channel.split(':')[2]}${(x.data as { i: number }).i}`)),
    ).toEqual([['deployments1', 'billing1'], ['deployments2', 'billing2'], ['deployments3']]);
    expect(fake.dataOf('tenant:1:deployments')).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
  });

  it('maxBatch splits a tick into several requests', async () => {
    const c = client({ maxBatch: 2 });
    await Promise.all(['c1', 'c2', 'c3', 'c4', 'c5'].map((ch) => c.publish(ch, {})));
    expect(fake.requests.map((r) => r.commands.length)).toEqual([2, 2, 1]);
  });

  it('keeps the connection alive across requests', async () => {
    const c = client();
    for (let i = 0; i < 3; i++) await c.publish('a:b', { i });
    expect(fake.requests).toHaveLength(3);
    expect(new Set(fake.requests.map((r) => r.remotePort)).size).toBe(1);
  });
});

describe('EventClient: retries', () => {
  it.each([100, 111])(
    'error %i is retried with the same idempotency key; the channel waits, others go on',
    async (code) => {
      failAsScripted();
      const c = client();
      const seen = retries(c);
      const a1 = c.publish('ch:a', { id: 'a1', fail: [code, code] });
      const a2 = c.publish('ch:a', { id: 'a2' });
      const b1 = c.publish('ch:b', { id: 'b1' });
      const b2 = c.publish('ch:b', { id: 'b2' });
      await Promise.all([a1, a2, b1, b2]);
      // a1 was sent three times with one key, and a2 not before a1 was applied.
      const aKeys = keysOf('ch:a');
      expect(aKeys).toHaveLength(4);
      expect(new Set(aKeys.slice(0, 3)).size).toBe(1);
      expect(aKeys[3]).not.toBe(aKeys[0]);
      expect(fake.dataOf('ch:a').map((d) => (d as { id: string }).id)).toEqual(['a1', 'a2']);
      const firstWithA2 = fake.requests.find((r) => r.commands.some((x) => (x.data as { id: string }).id === 'a2'))!;
      const lastWithA1 = fake.requests
        .filter((r) => r.commands.some((x) => (x.data as { id: string }).id === 'a1'))
        .at(-1)!;
      expect(firstWithA2.n).toBeGreaterThan(lastWithA1.n);
      // b2 did not wait for a1's retries.
      const b2Request = fake.requests.find((r) => r.commands.some((x) => (x.data as { id: string }).id === 'b2'))!;
      expect(b2Request.n).toBeLessThan(lastWithA1.n);
      expect(seen.map((r) => [r.channel, r.attempt, r.error.code])).toEqual([
        ['ch:a', 1, code],
        ['ch:a', 2, code],
      ]);
    },
  );

  it.each([102, 103, 107, 104, 108])(
    'error %i is not retried: one request, EventError with code and message',
    async (code) => {
      failAsScripted();
      const c = client();
      const seen = retries(c);
      const e = await rejection(c.publish('ch:a', { fail: [code] }));
      expect(e).toMatchObject({
        kind: 'api',
        code,
        message: `scripted ${code}`,
        temporary: false,
        channel: 'ch:a',
        attempts: 1,
      });
      expect(fake.requests).toHaveLength(1);
      expect(seen).toEqual([]);
      // The channel is free again: the next publication goes.
      await expect(c.publish('ch:a', { ok: true })).resolves.toEqual({ offset: 1, epoch: 'fake' });
    },
  );

  it('gives up after `retries` retries with the last error', async () => {
    failAsScripted();
    const c = client({ retries: 2 });
    const e = await rejection(c.publish('ch:a', { fail: [111, 111, 111, 111] }));
    expect(e).toMatchObject({ kind: 'api', code: 111, temporary: true, attempts: 3 });
    expect(keysOf('ch:a')).toHaveLength(3);
    expect(new Set(keysOf('ch:a')).size).toBe(1);
  });

  it('retries: 0 sends once', async () => {
    failAsScripted();
    const c = client({ retries: 0 });
    const e = await rejection(c.publish('ch:a', { fail: [100] }));
    expect(e).toMatchObject({ code: 100, attempts: 1 });
  });

  it('HTTP 503 is retried after Retry-After, same key', async () => {
    let n = 0;
    fake.handler = (req, f) =>
      ++n === 1
        ? { status: 503, headers: { 'Retry-After': '1' }, body: 'busy' }
        : { replies: req.commands.map((x) => ({ publish: f.applied(x) })) };
    const c = client({ backoff: { initialMs: 10, maxMs: 20 } });
    const seen = retries(c);
    await expect(c.publish('ch:a', { x: 1 })).resolves.toEqual({ offset: 1, epoch: 'fake' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.delayMs).toBe(1000);
    expect(seen[0]!.error).toMatchObject({ kind: 'http', code: 503, temporary: true });
    expect(new Set(keysOf('ch:a')).size).toBe(1);
    expect(keysOf('ch:a')).toHaveLength(2);
  });

  it('HTTP 500 and a top-level temporary error are retried; HTTP 401 is not', async () => {
    let n = 0;
    fake.handler = (req, f) => {
      n++;
      if (n === 1) return { status: 500, body: 'oops' };
      if (n === 2) return { body: { error: { code: 111, message: 'too many requests' } } };
      return { replies: req.commands.map((x) => ({ publish: f.applied(x) })) };
    };
    const c = client();
    await c.publish('ch:a', 1);
    expect(keysOf('ch:a')).toHaveLength(3);

    fake.handler = () => ({ status: 401, body: '{"error":"unauthorized"}' });
    const e = await rejection(c.publish('ch:b', 1));
    expect(e).toMatchObject({ kind: 'http', code: 401, temporary: false, attempts: 1 });
    expect(e.message).toContain('401');
    expect(keysOf('ch:b')).toHaveLength(1);
  });

  it('a dropped connection is retried with the same key', async () => {
    let n = 0;
    fake.handler = (req, f) => (++n === 1 ? 'drop' : { replies: req.commands.map((x) => ({ publish: f.applied(x) })) });
    const c = client();
    const seen = retries(c);
    await c.publish('ch:a', { x: 1 });
    expect(seen.map((r) => r.error.kind)).toEqual(['network']);
    expect(keysOf('ch:a')).toHaveLength(2);
    expect(new Set(keysOf('ch:a')).size).toBe(1);
    expect(fake.dataOf('ch:a')).toEqual([{ x: 1 }]);
  });

  it('a request without an answer within timeoutMs is retried with the same key', async () => {
    let n = 0;
    fake.handler = (req, f) => (++n === 1 ? 'hang' : { replies: req.commands.map((x) => ({ publish: f.applied(x) })) });
    const c = client({ timeoutMs: 200 });
    const seen = retries(c);
    await c.publish('ch:a', { x: 1 });
    expect(seen.map((r) => r.error.kind)).toEqual(['timeout']);
    expect(seen[0]!.error.message).toContain('200 ms');
    expect(new Set(keysOf('ch:a')).size).toBe(1);
  });

  it('an answer that is not the server API is a protocol error, not retried', async () => {
    fake.handler = () => ({ body: { replies: [] } });
    const c = client();
    const e = await rejection(c.publish('ch:a', 1));
    expect(e).toMatchObject({ kind: 'protocol', temporary: false });
    fake.handler = () => ({ body: 'not json' });
    await expect(c.publish('ch:a', 1)).rejects.toMatchObject({ kind: 'protocol' });
    expect(fake.requests).toHaveLength(2);
  });
});

describe('backoff', () => {
  const options = { initialMs: 100, maxMs: 1000 };

  it('is exponential with equal jitter: [ceiling/2, ceiling), ceiling capped at maxMs', () => {
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    ceilings.forEach((ceiling, i) => {
      expect(backoffDelay(i + 1, options, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(i + 1, options, () => 0.5)).toBe(ceiling * 0.75);
      const top = backoffDelay(i + 1, options, () => 1 - Number.EPSILON);
      expect(top).toBeLessThan(ceiling);
      expect(top).toBeGreaterThan(ceiling * 0.99);
    });
  });

  it('with Math.random stays within the bounds and spreads', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
      const samples = Array.from({ length: 500 }, () => backoffDelay(attempt, options, Math.random));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(ceiling / 2);
      expect(Math.max(...samples)).toBeLessThan(ceiling);
      expect(new Set(samples).size).toBeGreaterThan(400);
    }
  });

  it('the client waits what backoffDelay says with its random source', async () => {
    failAsScripted();
    const c = client({ backoff: { initialMs: 8, maxMs: 20 }, random: () => 0.25 });
    const seen = retries(c);
    await c.publish('ch:a', { fail: [111, 111, 111, 100] });
    expect(seen.map((r) => r.delayMs)).toEqual([5, 10, 12.5, 12.5]); // 0.625 x ceilings 8, 16, 20, 20;
    expect(seen.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('Retry-After: seconds or an HTTP date, capped at a minute', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-12-05T10:00:00Z');
    expect(parseRetryAfter('Sat, 05 Dec 2026 10:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('86400')).toBe(60_000);
  });
});

describe('EventClient: queue, close and bad input', () => {
  it('rejects beyond maxQueue at once; close() rejects what could not be delivered', async () => {
    fake.handler = () => 'hang';
    const c = client({ maxQueue: 3, timeoutMs: 60_000 });
    const pending = [1, 2, 3].map((i) => c.publish(`ch:${i}`, i));
    await fake.untilRequests(1);
    expect(c.queued).toBe(3);
    const e = await rejection(c.publish('ch:4', 4));
    expect(e).toMatchObject({ kind: 'queue_full', channel: 'ch:4' });
    expect(c.queued).toBe(3);
    await c.close({ timeoutMs: 0 });
    for (const p of pending) expect(await rejection(p)).toMatchObject({ kind: 'closed' });
    expect(c.queued).toBe(0);
    expect(await rejection(c.publish('ch:5', 5))).toMatchObject({ kind: 'closed' });
  });

  it('close() delivers what is pending first, retries included', async () => {
    failAsScripted();
    const c = client();
    const a = c.publish('ch:a', { fail: [111] });
    const b = c.publish('ch:a', { n: 2 });
    await c.close();
    await expect(a).resolves.toEqual({ offset: 1, epoch: 'fake' });
    await expect(b).resolves.toEqual({ offset: 2, epoch: 'fake' });
  });

  it('refuses bad channels, data and options before sending', async () => {
    const c = client();
    await expect(c.publish('', 1)).rejects.toThrow(/channel must be a non-empty string/);
    await expect(c.publish('tenant:1 :x', 1)).rejects.toThrow(/printable ASCII/);
    await expect(c.publish(`a:${'x'.repeat(300)}`, 1)).rejects.toThrow(/longer than 255/);
    await expect(c.publish('a:b', undefined)).rejects.toThrow(/data is required/);
    await expect(c.publish('a:b', { big: 10n })).rejects.toThrow(TypeError);
    expect(fake.requests).toHaveLength(0);
    expect(() => new EventClient({ url: 'ftp://x', apiKey: 'k' })).toThrow(/http: or https:/);
    expect(() => new EventClient({ url: 'nope', apiKey: 'k' })).toThrow(/absolute http\(s\) URL/);
    expect(() => new EventClient({ url: fake.url, apiKey: '' })).toThrow(/apiKey/);
    expect(() => new EventClient({ url: fake.url, apiKey: 'k', retries: -1 })).toThrow(
      /retries must be an integer >= 0/,
    );
  });
});
