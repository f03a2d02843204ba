import { ref } from 'vue';
import { describe, expect, it, vi } from 'vitest';

import { bestSample, useChannel, useEvents, usePresence, useServerTime } from '../src/index.js';
import { browserApp, flush, tick } from './helpers.js';

const CH = 'tenant:1:deployments';
const info = (client: string, user: string) => ({ client, user });

describe('createEvents', () => {
  it('creates one client per app, raw, and connects it unless told not to', () => {
    const t = browserApp({ name: 'portal-x', getToken: async () => 'tok' });
    expect(t.fake.connectCalls).toBe(1);
    expect(t.fake.options.name).toBe('portal-x');
    expect(typeof t.fake.options.getToken).toBe('function');
    const a = t.run(() => useEvents()).result;
    const b = t.run(() => useEvents()).result;
    a.connect();
    b.connect();
    expect(t.plugin.context.client.value).toBe(t.fake); // markRaw: no Proxy around it
    expect(browserApp({ autoConnect: false }).fake.connectCalls).toBe(0);
  });

  it('useEvents follows the client: state, lastDisconnect, error; setToken and publish go to it', async () => {
    const t = browserApp();
    const e = t.run(() => useEvents()).result;
    expect(e.state.value).toBe('connecting');
    t.fake.connected();
    expect(e.isConnected.value).toBe(true);
    t.fake.emit('connecting', { code: 3001, reason: 'shutdown' });
    t.fake.setState('connecting');
    expect(e.isConnected.value).toBe(false);
    expect(e.lastDisconnect.value).toEqual({ code: 3001, reason: 'shutdown' });
    t.fake.emit('error', { type: 'transport', error: { code: 2, message: 'transport closed' } });
    expect(e.error.value).toEqual({ code: 2, reason: 'transport closed' });
    e.setToken('t2');
    expect(t.fake.tokens).toEqual(['t2']);
    await e.publish('tenant:1:notifications', { x: 1 });
    expect(t.fake.published).toEqual([['tenant:1:notifications', { x: 1 }]]);
  });

  it('useEvents().subscribe shares the channel and returns an idempotent unsubscribe', () => {
    const t = browserApp();
    const seen: unknown[] = [];
    const { result: e } = t.run(() => useEvents());
    const off = e.subscribe(CH, (d) => seen.push(d));
    const { scope } = t.run(() => useChannel(CH));
    expect(t.fake.created).toEqual([CH]);
    t.fake.subs.get(CH)!.publication({ n: 1 });
    expect(seen).toEqual([{ n: 1 }]);
    off();
    off();
    expect(t.fake.removed).toEqual([]);
    scope.stop();
    expect(t.fake.removed).toEqual([CH]);
  });
});

describe('useChannel', () => {
  it('one SDK subscription per channel, counted, released with the last scope, idempotently', () => {
    const t = browserApp();
    const a = t.run(() => useChannel(CH));
    const b = t.run(() => useChannel(CH));
    expect(t.fake.created).toEqual([CH]);
    expect(t.plugin.context.registry.users(CH)).toBe(2);
    t.fake.subs.get(CH)!.subscribed();
    expect(a.result.isSubscribed.value).toBe(true);
    expect(b.result.isSubscribed.value).toBe(true);
    a.scope.stop();
    a.scope.stop();
    expect(t.plugin.context.registry.users(CH)).toBe(1);
    expect(t.fake.removed).toEqual([]);
    b.scope.stop();
    expect(t.fake.removed).toEqual([CH]);
    expect(t.plugin.context.registry.users(CH)).toBe(0);
    // A new user after that gets a new subscription (no "already exists").
    t.run(() => useChannel(CH));
    expect(t.fake.created).toEqual([CH, CH]);
  });

  it('a late user sees the current state and the subscribed context, but no gap', () => {
    const t = browserApp();
    t.run(() => useChannel(CH));
    t.fake.subs.get(CH)!.subscribed({ wasRecovering: true, recovered: false });
    const late = t.run(() => {
      const c = useChannel(CH);
      const gaps = vi.fn();
      c.onGap(gaps);
      return { c, gaps };
    }).result;
    expect(late.c.state.value).toBe('subscribed');
    expect(late.gaps).not.toHaveBeenCalled();
  });

  it('publications fill last and a bounded events list; parse applies', () => {
    const t = browserApp();
    const { result: c } = t.run(() => useChannel<number>(CH, { buffer: 3, parse: (d) => (d as { n: number }).n }));
    const got: number[] = [];
    c.onPublication((n) => got.push(n));
    const sub = t.fake.subs.get(CH)!;
    for (const n of [1, 2, 3, 4, 5]) sub.publication({ n });
    expect(c.last.value).toBe(5);
    expect(c.events.value).toEqual([3, 4, 5]);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  it('a ref channel switches the subscription; null pauses it', async () => {
    const t = browserApp();
    const name = ref<string | null>('tenant:1:billing');
    const { result: c } = t.run(() => useChannel(name));
    expect(t.fake.created).toEqual(['tenant:1:billing']);
    name.value = 'tenant:2:billing';
    await tick();
    expect(t.fake.removed).toEqual(['tenant:1:billing']);
    expect(t.fake.created).toEqual(['tenant:1:billing', 'tenant:2:billing']);
    name.value = null;
    await tick();
    expect(t.fake.removed).toEqual(['tenant:1:billing', 'tenant:2:billing']);
    expect(c.state.value).toBe('unsubscribed');
    name.value = 'tenant:1:billing';
    await tick();
    expect(t.fake.subs.has('tenant:1:billing')).toBe(true);
  });

  it('onGap fires when a resubscribe could not recover, not when it did', () => {
    const t = browserApp();
    const { result: c } = t.run(() => useChannel(CH));
    const gaps = vi.fn();
    c.onGap(gaps);
    const sub = t.fake.subs.get(CH)!;
    sub.subscribed();
    expect(c.recovered.value).toBe(true);
    sub.subscribed({ wasRecovering: true, recovered: true });
    expect(gaps).not.toHaveBeenCalled();
    expect(c.recovered.value).toBe(true);
    sub.subscribed({ wasRecovering: true, recovered: false });
    expect(gaps).toHaveBeenCalledTimes(1);
    expect(c.recovered.value).toBe(false);
  });

  it('asks for recovery by default; joinLeave only when wanted', () => {
    const t = browserApp();
    t.run(() => useChannel(CH));
    expect(t.fake.subs.get(CH)!.options).toMatchObject({ recoverable: true, joinLeave: false });
  });

  it('channels used before the client exists subscribe once it does', async () => {
    const { FakeClient } = await import('./fake-client.js');
    const fake = new FakeClient();
    // protobuf: the client is created asynchronously (a dynamic import in real use).
    const t = browserApp({ protocol: 'protobuf', clientFactory: () => fake.asClient() });
    t.run(() => useChannel(CH));
    expect(fake.created).toEqual([]);
    await flush();
    expect(fake.created).toEqual([CH]);
  });
});

describe('usePresence', () => {
  it('reads presence after every subscribe, then applies joins and leaves', async () => {
    const t = browserApp();
    t.fake.presenceAnswer = async () => ({ clients: { c1: info('c1', 'u1'), c2: info('c2', 'u2') } });
    const { result: p } = t.run(() => usePresence('tenant:1:presence'));
    const sub = t.fake.subs.get('tenant:1:presence')!;
    expect(sub.options.joinLeave).toBe(true);
    sub.subscribed();
    await flush();
    expect(p.count.value).toBe(2);
    sub.join(info('c3', 'u1'));
    expect(p.users.value).toEqual([
      { user: 'u1', connections: 2, info: info('c1', 'u1') },
      { user: 'u2', connections: 1, info: info('c2', 'u2') },
    ]);
    sub.leave(info('c2', 'u2'));
    expect([...p.clients.value.keys()]).toEqual(['c1', 'c3']);
    // Reconnected: what happened meanwhile comes from a new read.
    t.fake.presenceAnswer = async () => ({ clients: { c9: info('c9', 'u9') } });
    sub.subscribed({ wasRecovering: true, recovered: true });
    await flush();
    expect(t.fake.presenceCalls).toEqual(['tenant:1:presence', 'tenant:1:presence']);
    expect([...p.clients.value.keys()]).toEqual(['c9']);
  });

  it('a leave arriving while presence is read is applied to the result', async () => {
    const t = browserApp();
    let answer: (v: { clients: Record<string, { client: string; user: string }> }) => void = () => {};
    t.fake.presenceAnswer = () => new Promise((r) => (answer = r));
    const { result: p } = t.run(() => usePresence('tenant:1:presence'));
    const sub = t.fake.subs.get('tenant:1:presence')!;
    sub.subscribed();
    sub.leave(info('c1', 'u1'));
    answer({ clients: { c1: info('c1', 'u1'), c2: info('c2', 'u2') } });
    await flush();
    expect([...p.clients.value.keys()]).toEqual(['c2']);
  });
});

describe('useServerTime', () => {
  it('estimates the offset from the best of a few `time` RPCs and refreshes it on reconnect', async () => {
    const t = browserApp();
    let local = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => local);
    const rtts = [80, 20, 50];
    let call = 0;
    t.fake.rpcAnswer = async (method) => {
      expect(method).toBe('time');
      const rtt = rtts[call++ % rtts.length]!;
      const sent = local;
      local += rtt;
      // The server is 5 s ahead; it answers at the midpoint of the round trip.
      return { data: { time: sent + rtt / 2 + 5000 } };
    };
    const { result: time, scope } = t.run(() => useServerTime());
    expect(time.synced.value).toBe(false);
    t.fake.connected();
    await flush();
    expect(t.fake.rpcCalls.length).toBe(3);
    expect(time.offset.value).toBe(5000);
    expect(time.rtt.value).toBe(20);
    expect(time.serverNow()).toBe(local + 5000);
    t.fake.connected(); // reconnected
    await flush();
    expect(t.fake.rpcCalls.length).toBe(6);
    scope.stop();
    t.fake.connected();
    await flush();
    expect(t.fake.rpcCalls.length).toBe(6); // nobody uses it any more
    vi.restoreAllMocks();
  });

  it('keeps null when the server has no `time` RPC (108)', async () => {
    const t = browserApp();
    t.fake.rpcAnswer = () => Promise.reject({ code: 108, message: 'not available' });
    const { result: time } = t.run(() => useServerTime());
    t.fake.connected();
    await flush();
    expect(time.offset.value).toBe(null);
    expect(bestSample([])).toBe(null);
  });
});
