// The simulated NEO_STACK services: each one a function that, given the publishers and a
// scheduler, keeps publishing the events that service would. Every simulator acts once right
// away (so a short run shows every event type) and then at its own pace. The publishers given
// here never reject (run.mjs reports failures through their `error` events), so calls need no
// catch.

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const between = (min, max) => min + Math.random() * (max - min);
const round = (x, digits = 1) => Number(x.toFixed(digits));

/** Timers that all stop at once; `stopped` tells loops to end. */
export class Scheduler {
  stopped = false;
  #timers = new Set();
  #sleepers = new Set();

  /** Runs `fn` after `ms` unless stopped by then. */
  after(ms, fn) {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.#timers.add(t);
  }

  /** Runs `fn` now and every `ms` until stopped. */
  every(ms, fn) {
    const tick = () => {
      fn();
      this.after(ms, tick);
    };
    if (!this.stopped) tick();
  }

  /** Resolves after `ms`, or at once when stopped (loops then check `stopped`). */
  sleep(ms) {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const wake = () => {
        clearTimeout(t);
        this.#sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  stop() {
    this.stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const wake of [...this.#sleepers]) wake();
  }
}

/** The users a tenant has in the simulation: u-<tenant>-1, u-<tenant>-2. */
export const usersOf = (tenant) => [`u-${tenant}-1`, `u-${tenant}-2`];

/**
 * Deployer: deployments one after another per tenant: starting -> running (progress steps with
 * log lines) -> completed (mostly) or failed; tells the tenant and the admin feed.
 */
export function deployments({ deployments, notifications, activity }, tenants, s, { stepMs }) {
  let n = 0;
  for (const tenant of tenants) {
    (async () => {
      while (!s.stopped) {
        const id = `d-${tenant}-${++n}`;
        const instanceType = pick(['odoo', 'wordpress', 'nextcloud', 'postgres']);
        await deployments.publishStart(tenant, id, instanceType);
        await activity.publishTenantActivity(tenant, 'deployment_started', pick(usersOf(tenant)), { deploymentId: id });
        await deployments.publishDeploymentLog(tenant, id, `pulling image ${instanceType}:latest`, 'info');
        const fails = Math.random() < 0.15;
        for (const progress of [20, 40, 60, 80]) {
          await s.sleep(stepMs);
          if (s.stopped) return;
          if (fails && progress === 60) {
            await deployments.publishDeploymentLog(tenant, id, 'health check failed: connection refused', 'error');
            await deployments.publishDeploymentUpdate(tenant, id, 'failed', { error: 'health check failed' }, progress);
            await notifications.publishTenantNotification(
              tenant,
              'Deployment failed',
              `${id} failed its health check`,
              'error',
            );
            break;
          }
          await deployments.publishDeploymentUpdate(tenant, id, 'running', { step: progress / 20 }, progress);
          await deployments.publishDeploymentLog(
            tenant,
            id,
            `step ${progress / 20}/4 done`,
            progress === 80 ? 'warning' : 'info',
          );
        }
        if (!fails) {
          await s.sleep(stepMs);
          if (s.stopped) return;
          await deployments.publishDeploymentUpdate(tenant, id, 'completed', { url: `https://${id}.example` }, 100);
          await notifications.publishTenantNotification(
            tenant,
            'Deployment ready',
            `${id} is running`,
            'success',
            `/deployments/${id}`,
          );
        }
        await s.sleep(between(3, 8) * stepMs);
      }
    })();
  }
}

/** Billing: invoices created and then paid (sometimes failed, rarely refunded), usage against limits. */
export function billing({ billing, notifications }, tenants, s) {
  let n = 0;
  const usage = new Map(tenants.map((t) => [t, { cpu_hours: between(10, 50), storage_gb: between(5, 40) }]));
  const limits = { cpu_hours: 200, storage_gb: 100 };
  for (const tenant of tenants) {
    const invoice = () => {
      const id = `inv-${tenant}-${++n}`;
      const amount = round(between(50, 500), 2);
      billing.publishInvoiceEvent(tenant, id, 'created', amount);
      s.after(between(1000, 3000), () => {
        const outcome = Math.random() < 0.8 ? 'paid' : 'failed';
        billing.publishInvoiceEvent(tenant, id, outcome, amount);
        notifications.publishTenantNotification(
          tenant,
          `Invoice ${outcome}`,
          `${id}: ${amount}`,
          outcome === 'paid' ? 'success' : 'warning',
        );
        if (outcome === 'paid' && Math.random() < 0.1) {
          s.after(1000, () => billing.publishInvoiceEvent(tenant, id, 'refunded', amount));
        }
      });
      s.after(between(10_000, 20_000), invoice);
    };
    invoice();
    s.every(2000, () => {
      const u = usage.get(tenant);
      for (const resource of Object.keys(u)) {
        u[resource] = Math.min(limits[resource] * 1.1, u[resource] + between(0, 2));
        billing.publishUsageUpdate(tenant, resource, round(u[resource], 2), limits[resource]);
      }
    });
  }
}

/** Monitoring: metrics every second (tenant dashboards and admin:metrics), alerts now and then. */
export function monitoring({ monitoring }, tenants, s) {
  const cpu = new Map(tenants.map((t) => [t, between(10, 60)]));
  s.every(1000, () => {
    let rps = 0;
    for (const tenant of tenants) {
      const c = Math.max(1, Math.min(99, cpu.get(tenant) + between(-8, 8)));
      cpu.set(tenant, c);
      const metrics = {
        cpu: round(c),
        memory: round(between(30, 80)),
        requests_per_second: Math.round(between(50, 1500)),
      };
      rps += metrics.requests_per_second;
      monitoring.publishMetricsUpdate(tenant, metrics);
    }
    monitoring.publishGlobalMetrics({ tenants: tenants.length, requests_per_second: rps });
  });
  const alert = (tenant) => {
    const c = cpu.get(tenant);
    const severity = c > 85 ? 'critical' : c > 70 ? 'error' : pick(['info', 'warning']);
    const message = severity === 'info' ? 'backup finished' : `CPU at ${round(c)}%`;
    monitoring.publishAlert(tenant, severity, message, { host: `web-${tenant}`, cpu: round(c) });
    if (severity !== 'info') monitoring.publishGlobalAlert(tenant, severity, message, { cpu: round(c) });
    else monitoring.publishGlobalAlert(tenant, 'info', `tenant ${tenant}: ${message}`);
  };
  for (const tenant of tenants) {
    s.after(500, () => alert(tenant));
    s.every(1000, () => {
      if (Math.random() < 0.1) alert(tenant);
    });
  }
}

/** Presence: the tenants' users log in, then change status now and then; user notifications. */
export function people({ presence, notifications, activity }, tenants, s) {
  for (const tenant of tenants) {
    for (const user of usersOf(tenant)) {
      presence.publishPresenceUpdate(tenant, user, 'online', { page: '/dashboard' });
      activity.publishTenantActivity(tenant, 'user_login', user);
      notifications.publishUserNotification(user, 'Welcome back', `Signed in to tenant ${tenant}`, 'info');
      s.every(3000, () => {
        if (Math.random() < 0.5) return;
        const status = pick(['online', 'away', 'busy', 'online']);
        presence.publishPresenceUpdate(tenant, user, status, {
          page: pick(['/dashboard', '/billing', '/deployments']),
        });
        if (Math.random() < 0.3)
          notifications.publishUserNotification(user, 'Reminder', 'You have unread messages', 'info', '/inbox');
      });
    }
  }
}

/**
 * System monitoring: the event service's own node figures, read from the server API `info`
 * every 2 s (`readInfo` resolves its `nodes`, or null when the call failed), summed over the
 * nodes and published as a `metrics_update` on `system:metrics`.
 */
export function systemMetrics({ monitoring }, s, readInfo) {
  s.every(2000, async () => {
    const nodes = await readInfo();
    if (!nodes || s.stopped) return;
    const sum = (key) => nodes.reduce((total, node) => total + (Number(node[key]) || 0), 0);
    monitoring.publishSystemMetrics({
      connections: sum('num_clients'),
      users: sum('num_users'),
      subscriptions: sum('num_subs'),
      channels: sum('num_channels'),
      nodes: nodes.length,
    });
  });
}

/** The exam of a tenant in the simulation (certification:exam:{examId}). */
export const examOf = (tenant) => `exam-${tenant}`;

/**
 * Certification (no catalogue types: the certification namespace is not validated; the shapes
 * are web/src/certification/types.ts): per tenant an exam of EXAM_MS for its users, restarted
 * when over. Its timer (`exam_timer` with the absolute `endsAt`, so every browser counts down to
 * the same instant with the server's clock) every 2 s on certification:timer:{user};
 * `proctoring_event`s on certification:exam:{examId}; an `exam_result` per user on
 * certification:results:{user} when the exam ends, and one at start so the list is not empty.
 * `publish(channel, data)` never rejects.
 */
export const EXAM_MS = 5 * 60_000;
export function certification(publish, tenants, s) {
  const now = () => new Date().toISOString();
  for (const tenant of tenants) {
    const examId = examOf(tenant);
    const users = usersOf(tenant);
    let endsAt = Date.now() + EXAM_MS;
    const result = (userId) => {
      const score = Math.round(between(40, 100));
      publish(`certification:results:${userId}`, {
        type: 'exam_result',
        examId,
        userId,
        score,
        passed: score >= 70,
        timestamp: now(),
      });
    };
    users.forEach(result);
    s.every(2000, () => {
      if (Date.now() >= endsAt) {
        users.forEach(result);
        endsAt = Date.now() + EXAM_MS;
      }
      for (const userId of users)
        publish(`certification:timer:${userId}`, {
          type: 'exam_timer',
          examId,
          userId,
          endsAt,
          durationMs: EXAM_MS,
          timestamp: now(),
        });
    });
    s.every(3000, () => {
      const [event, severity] = pick([
        ['tab_switch', 'warning'],
        ['face_not_visible', 'warning'],
        ['multiple_faces', 'critical'],
        ['focus_regained', 'info'],
      ]);
      publish(`certification:exam:${examId}`, {
        type: 'proctoring_event',
        examId,
        userId: pick(users),
        event,
        severity,
        timestamp: now(),
      });
    });
  }
}
