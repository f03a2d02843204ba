// Graceful rollout on SIGTERM: readiness (/ready) turns 503 first, liveness (/health) stays 200
// while draining, and the clients are still
// served during shutdown.drain_delay; then every client is told to reconnect (close 3001
// "shutdown"), spread evenly over shutdown.spread so the reconnects do not arrive as one spike;
// the process exits 0 well within shutdown.timeout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertCleanExit, rawConnected, rawWs, startServer, tokenFor } from './harness.mjs';

const CLIENTS = 40;
const DRAIN_MS = 300;
const SPREAD_MS = 1000;
const TIMEOUT_MS = 5000;
const USER = { user: 'u-rollout', tenant: '1', roles: ['tenant_user'] };

/** The largest number of `times` inside any window of `windowMs`. */
function busiestWindow(times, windowMs) {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j] - sorted[i] > windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe('graceful rollout', () => {
  it(
    'SIGTERM: /ready 503 first, clients served through the drain, 3001 spread over the window, exit in time',
    { timeout: 20_000 },
    async () => {
      const server = await startServer({
        shutdown: { drain_delay: `${DRAIN_MS}ms`, spread: `${SPREAD_MS}ms`, timeout: `${TIMEOUT_MS}ms` },
      });
      const clients = [];
      for (let i = 0; i < CLIENTS; i++)
        clients.push(await rawConnected(server, { ...USER, user: `u-${i}` }, { autoPong: true }));
      const closes = clients.map((c) => c.closed.then((info) => ({ ...info, at: Date.now() })));

      let readyDownAt = null;
      let healthWhileDraining = null;
      let polling = true;
      const status = (path) =>
        fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(500) }).then(
          (r) => r.status,
          () => 0,
        );
      const poll = (async () => {
        while (polling && readyDownAt === null) {
          if ((await status('/ready')) !== 200) {
            readyDownAt = Date.now();
            healthWhileDraining = await status('/health');
          } else await new Promise((r) => setTimeout(r, 10));
        }
      })();

      const sigterm = Date.now();
      const stopped = server.stop();
      // During the drain a new client is still accepted and served.
      await new Promise((r) => setTimeout(r, DRAIN_MS / 3));
      const late = rawWs(server.wsUrl);
      await late.opened;
      const reply = await late.connect(tokenFor(server, { ...USER, user: 'u-late' }));
      assert.ok(reply.connect, `a connect during the drain is served: ${JSON.stringify(reply)}`);
      const lateClose = late.closed.then((info) => ({ ...info, at: Date.now() }));

      const result = await stopped;
      polling = false;
      await poll;
      assertCleanExit(result);
      assert.ok(result.ms < TIMEOUT_MS, `exit after ${result.ms} ms (timeout ${TIMEOUT_MS} ms)`);

      const all = await Promise.all([...closes, lateClose]);
      for (const c of all) assert.deepEqual({ code: c.code, reason: c.reason }, { code: 3001, reason: 'shutdown' });
      const times = all.map((c) => c.at);
      const first = Math.min(...times);
      assert.ok(
        readyDownAt !== null && readyDownAt < first,
        `/ready turned 503 (${readyDownAt - sigterm} ms) before the first close (${first - sigterm} ms)`,
      );
      assert.equal(healthWhileDraining, 200, 'a draining node is still alive (/health)');
      assert.ok(
        first - sigterm >= DRAIN_MS - 50,
        `the first close came ${first - sigterm} ms after SIGTERM, within the drain delay`,
      );
      const busiest = busiestWindow(times, 200);
      assert.ok(busiest <= all.length / 2, `${busiest} of ${all.length} closes within 200 ms: not spread`);
      const span = Math.max(...times) - first;
      assert.ok(span >= SPREAD_MS * 0.6, `closes spread over ${span} ms, expected about ${SPREAD_MS} ms`);
      assert.match(result.output, /draining: \/ready answers 503; clients are told to reconnect in 300 ms/);
    },
  );
});
