// The soak (issue 15 item 5), 60 s of it: two neo-events nodes over one redis-server, 200
// clients churning without pause (connect, subscribe to a history channel recovering from where
// they were, receive, disconnect, again on the other node) while publishers post through both
// nodes. Every client ends with every acknowledged publication of its channel once and in order,
// every reconnect recovered (recovered true, no gap); each node's idle RSS and open fds after the
// churn are within 5 % of the idle baseline taken after a warm-up round (RSS with a slack of
// 8 MiB: allocator and ASan quarantine noise); both nodes exit 0 on SIGTERM without a
// sanitizer report. The same code runs for 10 minutes as a benchmark: bench/soak.sh.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { report, runSoak, withinLimits } from './support/soak.mjs';

// As abuse.test.mjs: a small ASan quarantine, returned to the OS quickly, so that RSS reflects
// live memory (the nodes inherit this process's environment).
const savedAsan = process.env.ASAN_OPTIONS;
process.env.ASAN_OPTIONS = [savedAsan, 'quarantine_size_mb=16', 'allocator_release_to_os_interval_ms=500'].filter(Boolean).join(':');
after(() => {
  if (savedAsan === undefined) delete process.env.ASAN_OPTIONS;
  else process.env.ASAN_OPTIONS = savedAsan;
});

describe('soak: connection churn across two nodes', () => {
  it('200 clients churn for 60 s: nothing lost, every reconnect recovered, idle RSS and fds back within 5 % of the baseline', { timeout: 180_000 }, async (t) => {
    const r = await runSoak(t, { clients: 200, warmupMs: 10_000, churnMs: 60_000, log: (m) => t.diagnostic(m) });
    await r.c.run(async () => {
      for (const line of report(r).split('\n')) t.diagnostic(line);
      assert.ok(r.cycles >= 200, `connect-subscribe-disconnect cycles: ${r.cycles}`);
      assert.ok(r.published >= 100, `publications acknowledged: ${r.published}`);
      for (const v of r.verdicts) {
        assert.deepEqual(v.failures, [], `${v.name}: every visit connected and subscribed`);
        assert.deepEqual(v.problems, [], `${v.name}: no gap, repeat or foreign publication`);
        assert.deepEqual(v.missing.map((a) => a.offset), [], `${v.name}: every acknowledged publication received`);
        assert.equal(v.outcome, 'whole', `${v.name}: every reconnect recovered`);
        assert.equal(v.fresh, 1, `${v.name}: only the first subscribe starts without a position`);
      }
      const expected = Object.fromEntries(r.nodes.map((n) => [n.name, { rss: true, fds: true }]));
      assert.deepEqual(withinLimits(r.baseline, r.after), expected, report(r));
      await r.c.stopAll(); // exit 0 on SIGTERM, no sanitizer report
    });
  });
});
