// What the fault tests and the soak check on every subscriber: every acknowledged publication
// once and in order, or the subscriber was told `recovered: false` - never a silent gap.
//
// steadyPublisher() publishes through the server API at a steady pace and records each answer;
// watch() records a centrifuge-js subscription's events in arrival order; checkDelivery()
// holds one against the other. loggedSubscriber(), assertAnswered() and assertDelivered() are
// the fault suites' common steps on top (redis_faults, redis_sentinel).
import assert from 'node:assert/strict';

import { apiPost, waitFor } from '../harness.mjs';
import { sleep, until } from './cluster.mjs';

/**
 * Publishes {via, i} to `channel` through `node` every `everyMs` (one request at a time, each
 * bounded by apiPost's 5 s timeout). `sent` holds {via, i, at, done, status, offset, epoch,
 * code, other} per request; stop() ends the loop and resolves when the last request is done.
 */
export function steadyPublisher(node, channel, { everyMs = 20, via = node.name } = {}) {
  const sent = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 1; !stopped; i++) {
      const entry = { via, i, at: Date.now() };
      try {
        const res = await apiPost(node, 'publish', { channel, data: { via, i } });
        entry.status = res.status;
        if (res.json?.result) Object.assign(entry, { offset: res.json.result.offset, epoch: res.json.result.epoch });
        else if (res.json?.error) entry.code = res.json.error.code;
        else entry.other = res.text;
      } catch (e) {
        entry.other = `request failed: ${e.message}`;
      }
      entry.done = Date.now();
      sent.push(entry);
      await sleep(Math.max(0, everyMs - (entry.done - entry.at)));
    }
  })();
  return {
    sent,
    acked: () => sent.filter((e) => e.offset !== undefined),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * Records a subscription's subscribed / subscribing / unsubscribed / publication events in order
 * into `log` (several subscriptions of one logical client can share one).
 */
export function watch(sub, log = []) {
  sub.on('subscribed', (ctx) =>
    log.push({ kind: 'subscribed', recovered: ctx.recovered, wasRecovering: ctx.wasRecovering, ...ctx.streamPosition }),
  );
  sub.on('subscribing', (ctx) => log.push({ kind: 'subscribing', code: ctx.code }));
  sub.on('unsubscribed', (ctx) => log.push({ kind: 'unsubscribed', code: ctx.code }));
  sub.on('publication', (p) => log.push({ kind: 'pub', offset: p.offset, data: p.data }));
  return log;
}

const key = (epoch, offset) => `${epoch}/${offset}`;

/**
 * Holds a watch() log against the acknowledged publications (`acked`: {via, i, offset, epoch}).
 * The log must start with a subscribe made before any of them. Returns
 *   outcome   'whole' (never told anything) or 'told recovered false'
 *   problems  broken promises: a gap or a repeat without recovered false, a publication other
 *             than the one acknowledged at its position, a recovery claimed across epochs,
 *             an unsubscribe the client did not ask for
 *   missing   acknowledged publications the subscriber should hold and does not (yet)
 */
export function checkDelivery(log, acked) {
  const ackedAt = new Map(acked.map((a) => [key(a.epoch, a.offset), a]));
  const problems = [];
  const received = new Set();
  let told = false;
  let epoch = null;
  let last = null; // offset of the last publication (or the fresh subscribe's top); null: any
  let since = null; // {epoch, after}: from here on, every acknowledged publication is owed
  for (const [n, e] of log.entries()) {
    if (e.kind === 'unsubscribed') problems.push(`#${n}: unsubscribed with code ${e.code}`);
    if (e.kind === 'subscribed') {
      if (!e.wasRecovering) {
        [epoch, last] = [e.epoch, e.offset];
        since = { epoch, after: e.offset };
      } else if (e.recovered) {
        if (e.epoch !== epoch) problems.push(`#${n}: recovered true across epochs ${epoch} -> ${e.epoch}`);
      } else {
        told = true;
        [epoch, last, since] = [e.epoch, null, null];
      }
    }
    if (e.kind !== 'pub') continue;
    if (last !== null && e.offset !== last + 1) {
      problems.push(`#${n}: offset ${e.offset} after ${last} without recovered false`);
    }
    since ??= { epoch, after: e.offset - 1 };
    last = e.offset;
    received.add(key(epoch, e.offset));
    const a = ackedAt.get(key(epoch, e.offset));
    if (a && (e.data?.via !== a.via || e.data?.i !== a.i)) {
      problems.push(`#${n}: offset ${e.offset} carries ${JSON.stringify(e.data)}, acknowledged was ${a.via} ${a.i}`);
    }
  }
  const owed = since ? acked.filter((a) => a.epoch === since.epoch && a.offset > since.after) : [];
  const missing = owed.filter((a) => !received.has(key(a.epoch, a.offset)));
  return { outcome: told ? 'told recovered false' : 'whole', problems, missing };
}

/** Where the log's subscriber stands: {epoch, offset} to recover from, or null before any subscribe. */
export function position(log) {
  let offset = null;
  for (let k = log.length - 1; k >= 0; k--) {
    const e = log[k];
    if (e.kind === 'pub') offset ??= e.offset;
    if (e.kind === 'subscribed') return { epoch: e.epoch, offset: offset ?? e.offset };
  }
  return null;
}

/** A centrifuge-js subscriber to `channel` on `node` (cluster.mjs) whose every event is logged by watch(). */
export async function loggedSubscriber(c, node, name, channel, roles) {
  const { client } = await c.connect(node, { user: name, roles });
  const disconnects = [];
  client.on('disconnected', (ctx) => disconnects.push(ctx));
  const sub = client.newSubscription(channel, { minResubscribeDelay: 100, maxResubscribeDelay: 1000 });
  sub.on('error', () => {});
  const log = watch(sub);
  const subscribed = waitFor(sub, 'subscribed', 5000, { failOn: ['unsubscribed'] });
  sub.subscribe();
  await subscribed;
  return { name, node, client, sub, log, disconnects };
}

/** Stops the publishers (an object of steadyPublisher()s); resolves every acknowledged publication. */
export async function stopPublishing(publishers) {
  await Promise.all(Object.values(publishers).map((p) => p.stop()));
  return Object.values(publishers).flatMap((p) => p.acked());
}

/** Every request answered within its bound, with HTTP 200 and an offset or error 100. */
export function assertAnswered(publishers) {
  for (const p of Object.values(publishers)) {
    for (const e of p.sent) {
      assert.equal(e.other, undefined, `publish ${e.via} ${e.i}: no answer: ${JSON.stringify(e)}`);
      assert.equal(e.status, 200, `publish ${e.via} ${e.i}: ${JSON.stringify(e)}`);
      assert.ok(e.offset !== undefined || e.code === 100, `publish ${e.via} ${e.i}: neither an offset nor 100: ${JSON.stringify(e)}`);
    }
  }
}

/**
 * Waits until no subscriber (loggedSubscriber()) misses an acknowledged publication, then
 * asserts that none broke a promise; resolves each subscriber's outcome ('whole' or 'told
 * recovered false').
 */
export async function assertDelivered(subscribers, acked) {
  const verdicts = () => subscribers.map((s) => ({ s, ...checkDelivery(s.log, acked) }));
  await until(() => verdicts().every((v) => v.missing.length === 0), 15_000, () =>
    verdicts()
      .filter((v) => v.missing.length)
      .map((v) => `${v.s.name} to receive offsets ${v.missing.map((a) => a.offset).join(',')} (log tail ${JSON.stringify(v.s.log.slice(-5))})`)
      .join('; '),
  );
  await sleep(300); // a duplicate or a stray publication would show up by now
  for (const v of verdicts()) assert.deepEqual(v.problems, [], `subscriber ${v.s.name} on ${v.s.node.name}`);
  return Object.fromEntries(verdicts().map((v) => [v.s.name, v.outcome]));
}
