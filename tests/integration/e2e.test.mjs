// 15. End to end in a real browser: `neo-events demo` (the server serving the built portals,
// the demo login, the simulated services as its child) driven by Debian's Chromium through
// playwright-core, with the portals' real @neo-events/vue and centrifuge-js. What users of
// scripts/dev.sh see: a deployment's lifecycle, tenant isolation, presence between two browsers,
// a server restart under a connected portal, and exam timers agreeing across browsers whose own
// clocks disagree. Screenshots go to artifacts/e2e/<portal>-<step>.png (git-ignored).
// Runs on both engines: under NEO_TEST_ENGINE=redis the demo runs on a real redis-server.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { REPO_ROOT, assertCleanExit } from './harness.mjs';
import { launchChromium } from './browser/support.mjs';
import { WEB_DIST, demoEngine, demoIdentity, startDemo } from './e2e/demo.mjs';

const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'e2e');
const built = existsSync(path.join(WEB_DIST, 'index.html'));
const T = { timeout: 60_000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser = null;
let engine = null;
let identity = null;
let demo = null;
const contexts = new Set();
let diag = [];

before(
  async () => {
    if (!built) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    engine = await demoEngine();
    identity = await demoIdentity();
    demo = await startDemo({ identity, engineEnv: engine.env });
  },
  { timeout: 30_000 },
);

afterEach(async (t) => {
  for (const c of [...contexts]) {
    contexts.delete(c);
    await c.close().catch(() => {});
  }
  if (t && t.passed === false) {
    process.stderr.write(
      `\n--- browser console during "${t.name}" ---\n${diag.join('\n')}\n--- demo output (tail) ---\n` +
        `${(demo?.output ?? '').split('\n').slice(-60).join('\n')}\n--- end ---\n`,
    );
  }
  diag = [];
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (demo && !demo.stopResult) assertCleanExit(await demo.stop());
  await engine?.stop();
});

/**
 * A new browser context signed in as `user` at `portal` ('tenant', 'admin', 'certification'),
 * once the connection indicator says connected. `clockSkewMs` moves that browser's clock.
 */
async function openPortal(user, portal, { clockSkewMs = 0 } = {}) {
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  contexts.add(context);
  const page = await context.newPage();
  if (clockSkewMs) {
    await page.addInitScript((skew) => {
      const now = Date.now;
      Date.now = () => now() + skew;
    }, clockSkewMs);
  }
  page.on('console', (m) => diag.push(`[${user}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => diag.push(`[${user}] pageerror: ${e.message}`));
  await page.goto(`${demo.url}/login`);
  await page.click(`[data-testid=login-${user}]`);
  await page.waitForURL(/\/(tenant|admin)$/);
  if (!page.url().endsWith(`/${portal}`)) await page.click(`[data-testid=nav-${portal}]`);
  await page.waitForSelector(`[data-testid=portal-${portal}]`);
  await page.waitForSelector('[data-testid=connection][data-state=connected]', { timeout: 10_000 });
  return { context, page };
}

const shot = (page, portal, step) => page.screenshot({ path: path.join(ARTIFACTS, `${portal}-${step}.png`) });

/** Polls `fn` in the page every `everyMs` until it returns a truthy value (or throws after `ms`). */
async function pollPage(page, fn, arg, { ms = 30_000, everyMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await sleep(everyMs);
  }
}

const deploymentsShown = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('[data-deployment]')].map((el) => ({
      id: el.getAttribute('data-deployment'),
      status: el.getAttribute('data-status'),
      progress: Number(el.querySelector('[role=progressbar]').getAttribute('aria-valuenow')),
      log: el.querySelector('[data-testid=deployment-log]')?.textContent ?? '',
    })),
  );

describe(
  'portals end to end (neo-events demo + Chromium)',
  { skip: built ? false : 'web/dist is not built (scripts/setup.sh builds it)' },
  () => {
    it('a tenant user sees a deployment go from starting to completed, with progress and logs', T, async () => {
      const { page } = await openPortal('u-1-2', 'tenant');
      const history = new Map(); // deployment id -> [{status, progress}] as seen, in order
      const deadline = Date.now() + 45_000;
      let done = null;
      while (!done && Date.now() < deadline) {
        for (const d of await deploymentsShown(page)) {
          const seen = history.get(d.id) ?? [];
          const lastSeen = seen.at(-1);
          if (!lastSeen || lastSeen.status !== d.status || lastSeen.progress !== d.progress)
            seen.push({ status: d.status, progress: d.progress, log: d.log });
          history.set(d.id, seen);
          if (d.status === 'completed' && seen[0].status === 'starting') done = { id: d.id, seen };
        }
        if (!done) await sleep(80);
      }
      assert.ok(done, `no deployment seen from starting to completed: ${JSON.stringify([...history])}`);
      const { id, seen } = done;
      assert.match(id, /^d-1-/);
      assert.equal(seen[0].progress, 0);
      const running = seen.filter((s) => s.status === 'running').map((s) => s.progress);
      assert.ok(running.length >= 2, JSON.stringify(seen));
      assert.deepEqual(
        running,
        [...running].sort((a, b) => a - b),
      );
      assert.equal(seen.at(-1).progress, 100);
      assert.match(seen.at(-1).log, /\[info\] pulling image/);
      assert.match(seen.at(-1).log, /step 4\/4 done/);
      assert.equal(await page.locator('[data-testid=deployment-status]').first().textContent(), 'concluída');
      await shot(page, 'tenant', 'deployment-completed');
    });

    it("tenant 1's portal never shows tenant 2's events; the admin sees both tenants", T, async () => {
      const { page: tenant1 } = await openPortal('u-1-1', 'tenant');
      const { page: admin } = await openPortal('admin', 'admin');
      const tenantsInFeed = await pollPage(
        admin,
        () => {
          const t = new Set(
            [...document.querySelectorAll('[data-testid=tenant-activity] [data-tenant]')].map((e) => e.dataset.tenant),
          );
          return t.has('1') && t.has('2') ? [...t].sort() : null;
        },
        null,
        { what: 'admin activity feed with tenants 1 and 2' },
      );
      assert.deepEqual(tenantsInFeed, ['1', '2']);
      // Meanwhile (and for a few more seconds) tenant 1 saw only its own deployments and invoices.
      await pollPage(tenant1, () => document.querySelectorAll('[data-deployment]').length > 0, null, {
        what: 'deployments',
      });
      for (let i = 0; i < 10; i++) {
        const text = await tenant1.locator('[data-testid=portal-tenant]').textContent();
        assert.doesNotMatch(text, /d-2-\d|inv-2-\d|u-2-\d/, 'tenant 2 data in tenant 1 portal');
        assert.match(text, /d-1-\d/);
        await sleep(300);
      }
      await pollPage(
        admin,
        () => document.querySelector('[data-testid=system-connections] strong').textContent !== '—',
        null,
        {
          what: 'system figures',
        },
      );
      await shot(admin, 'admin', 'dashboard');
      await shot(tenant1, 'tenant', 'tenant1-isolated');
    });

    it('two browsers see each other in UserPresence, and the leave when one closes', T, async () => {
      const a = await openPortal('u-1-1', 'tenant');
      const b = await openPortal('u-1-2', 'tenant');
      const users = (page) =>
        page.evaluate(() =>
          [...document.querySelectorAll('[data-testid=user-presence] [data-user]')].map((e) => e.dataset.user).sort(),
        );
      await pollPage(
        a.page,
        () => document.querySelectorAll('[data-testid=user-presence] [data-user]').length === 2,
        null,
        {
          what: 'A sees two users',
        },
      );
      await pollPage(
        b.page,
        () => document.querySelectorAll('[data-testid=user-presence] [data-user]').length === 2,
        null,
        {
          what: 'B sees two users',
        },
      );
      assert.deepEqual(await users(a.page), ['u-1-1', 'u-1-2']);
      assert.deepEqual(await users(b.page), ['u-1-1', 'u-1-2']);
      await shot(a.page, 'tenant', 'presence-two');
      await b.context.close();
      contexts.delete(b.context);
      await pollPage(
        a.page,
        () => document.querySelectorAll('[data-testid=user-presence] [data-user]').length === 1,
        null,
        {
          what: 'A sees the leave',
          ms: 15_000,
        },
      );
      assert.deepEqual(await users(a.page), ['u-1-1']);
      await shot(a.page, 'tenant', 'presence-after-leave');
    });

    it('exam timers of two browsers agree within 1 s, though their clocks are 2 minutes apart', T, async () => {
      const a = await openPortal('u-1-1', 'certification');
      const b = await openPortal('u-1-2', 'certification', { clockSkewMs: 120_000 });
      const timer = (page) =>
        page.evaluate(() => {
          const el = document.querySelector('[data-testid=exam-timer]');
          const remaining = el.dataset.remainingMs;
          const offset = el.dataset.offsetMs;
          return remaining !== '' && offset !== '' ? { remaining: Number(remaining), offset: Number(offset) } : null;
        });
      await pollPage(a.page, () => document.querySelector('[data-testid=exam-timer]').dataset.offsetMs !== '', null, {
        what: 'A synced',
      });
      await pollPage(
        b.page,
        () => document.querySelector('[data-testid=exam-timer]').dataset.remainingMs !== '',
        null,
        {
          what: 'B has a timer',
        },
      );
      await pollPage(b.page, () => document.querySelector('[data-testid=exam-timer]').dataset.offsetMs !== '', null, {
        what: 'B synced',
      });
      const [ta, tb] = await Promise.all([timer(a.page), timer(b.page)]);
      // B's clock is 2 minutes ahead: its estimated offset says so, and its countdown does not.
      assert.ok(Math.abs(tb.offset + 120_000) < 1000, `B offset ${tb.offset}`);
      assert.ok(Math.abs(ta.offset) < 1000, `A offset ${ta.offset}`);
      assert.ok(ta.remaining > 0 && tb.remaining > 0, JSON.stringify({ ta, tb }));
      assert.ok(Math.abs(ta.remaining - tb.remaining) < 1000, `timers differ: ${ta.remaining} vs ${tb.remaining}`);
      await shot(a.page, 'certification', 'timer-a');
      await shot(b.page, 'certification', 'timer-b-skewed');
    });

    it(
      'server restarted under a connected portal: reconnecting, then recovered or reloaded after the gap',
      T,
      async () => {
        const { page } = await openPortal('u-1-1', 'tenant');
        await pollPage(page, () => document.querySelectorAll('[data-deployment]').length > 0, null, {
          what: 'deployments',
        });
        assertCleanExit(await demo.stop());
        await page.waitForSelector('[data-testid=connection][data-state=connecting]', { timeout: 10_000 });
        assert.match(await page.locator('[data-testid=connection]').textContent(), /Reconectando/);
        await shot(page, 'tenant', 'reconnecting');
        // The same demo again, without its services this time, so that what the portal missed is
        // exactly the deployment events published here, right after the server is back and
        // (usually) before the portal's next reconnect attempt.
        demo = await startDemo({ identity, engineEnv: engine.env, args: ['--services', '/nonexistent/services.mjs'] });
        const timestamp = new Date().toISOString();
        for (const [n, status, progress] of [
          [1, 'starting', 0],
          [2, 'running', 50],
          [3, 'completed', 100],
        ]) {
          const res = await fetch(`${demo.url}/api/publish`, {
            method: 'POST',
            headers: { 'X-API-Key': identity.apiKey },
            body: JSON.stringify({
              channel: 'tenant:1:deployments',
              data: { type: 'deployment_update', deploymentId: `d-missed-${n}`, status, progress, timestamp },
            }),
          });
          assert.deepEqual(Object.keys(await res.json()), ['result']);
        }
        await page.waitForSelector('[data-testid=connection][data-state=connected]', { timeout: 20_000 });
        // Memory engine: a new history epoch, so the resubscribe cannot recover and the monitor
        // reloads from history; Redis: the history outlived the server and the SDK recovers.
        const outcome = await pollPage(
          page,
          () =>
            (document.querySelector('[data-testid=gap-reloaded]') && 'gap') ||
            (document.querySelector('[data-testid=recovered]') && 'recovered'),
          null,
          { what: 'gap reload or recovery', ms: 15_000 },
        );
        await shot(page, 'tenant', `after-restart-${outcome}`);
        assert.equal(outcome, process.env.NEO_TEST_ENGINE === 'redis' ? 'recovered' : 'gap');
        await pollPage(page, () => document.querySelector('[data-deployment=d-missed-3]')?.dataset.status, null, {
          what: 'the missed deployment events in the monitor',
          ms: 15_000,
        });
        const shown = (await deploymentsShown(page)).map((d) => `${d.id} ${d.status}`);
        for (const line of ['d-missed-1 starting', 'd-missed-2 running', 'd-missed-3 completed'])
          assert.ok(shown.includes(line), `${line} in ${shown}`);
      },
    );
  },
);
