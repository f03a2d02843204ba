import { describe, expect, it } from 'vitest';

import {
  channelOf,
  useBillingEvents,
  useDeploymentEvents,
  useMetricsEvents,
  useNotifications,
  usePresenceEvents,
} from '../src/index.js';
import { browserApp, tick } from './helpers.js';

const ts = '2026-12-05T10:00:00Z';

describe('the seeds composables (typed catalogue events)', () => {
  it('channelOf fills the pattern, null while the id is unset', () => {
    expect(channelOf('tenant:*:deployments', '7')).toBe('tenant:7:deployments');
    expect(channelOf('tenant:*:deployments', null)).toBe(null);
    expect(channelOf('admin:metrics')).toBe('admin:metrics');
  });

  it('useDeploymentEvents: latest update per deployment, logs, and the seeds shape', async () => {
    const t = browserApp();
    const { result: d } = t.run(() => useDeploymentEvents('1'));
    const sub = t.fake.subs.get('tenant:1:deployments')!;
    sub.subscribed();
    expect(d.isConnected.value).toBe(true);
    sub.publication({ type: 'deployment_update', deploymentId: 'd1', status: 'starting', progress: 0, timestamp: ts });
    sub.publication({ type: 'deployment_log', deploymentId: 'd1', log: 'pulling', level: 'info', timestamp: ts });
    sub.publication({ type: 'deployment_update', deploymentId: 'd1', status: 'running', progress: 40, timestamp: ts });
    expect(d.getEvent('d1')).toMatchObject({ status: 'running', progress: 40 });
    expect(d.getAllEvents()).toHaveLength(1);
    expect(d.deployments.value.map((e) => e.deploymentId)).toEqual(['d1']);
    expect(d.logs.value.get('d1')!.map((l) => l.log)).toEqual(['pulling']);
    expect(d.error.value).toBe(null);
    d.disconnect();
    await tick();
    expect(t.fake.removed).toEqual(['tenant:1:deployments']);
    expect(d.isConnected.value).toBe(false);
    d.connect();
    await tick();
    expect(t.fake.subs.has('tenant:1:deployments')).toBe(true);
  });

  it('billing, metrics, presence events and notifications key their maps', () => {
    const t = browserApp();
    const { result: r } = t.run(() => ({
      billing: useBillingEvents('2'),
      metrics: useMetricsEvents(null, { scope: 'system', points: 2 }),
      people: usePresenceEvents('2'),
      notes: useNotifications('u-2-1'),
    }));
    t.fake.subs
      .get('tenant:2:billing')!
      .publication({ type: 'invoice_event', invoiceId: 'i1', event: 'paid', amount: 3, timestamp: ts });
    t.fake.subs
      .get('tenant:2:billing')!
      .publication({ type: 'usage_update', resource: 'cpu', usage: 1, limit: 2, percentage: 50, timestamp: ts });
    expect([...r.billing.events.value.keys()]).toEqual(['invoice:i1', 'usage:cpu']);
    const m = t.fake.subs.get('system:metrics')!;
    for (const n of [1, 2, 3]) m.publication({ type: 'metrics_update', metrics: { connections: n }, timestamp: ts });
    expect(r.metrics.series.value.map((e) => e.metrics.connections)).toEqual([2, 3]);
    expect(r.metrics.getEvent('global')!.metrics.connections).toBe(3);
    t.fake.subs
      .get('tenant:2:presence')!
      .publication({ type: 'presence_update', userId: 'u-2-2', status: 'away', timestamp: ts });
    expect(r.people.getEvent('u-2-2')!.status).toBe('away');
    const n = t.fake.subs.get('user:u-2-1:notifications')!;
    n.publication({ type: 'notification', title: 'a', message: '', level: 'info', timestamp: ts });
    n.publication({ type: 'notification', title: 'b', message: '', level: 'info', timestamp: ts });
    expect(r.notes.notifications.value.map((x) => x.title)).toEqual(['b', 'a']);
  });
});
