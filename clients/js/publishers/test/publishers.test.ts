import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  ActivityPublisher,
  BasePublisher,
  BillingPublisher,
  CHANNELS,
  DeploymentPublisher,
  EVENT_TYPES,
  EventClient,
  EventError,
  MetricsPublisher,
  MonitoringPublisher,
  NotificationPublisher,
  PresencePublisher,
  type PublishedEvent,
  createPublishers,
} from '../src/index.js';
import { FakeServer } from './fake-server.js';

const SCHEMAS = path.resolve(__dirname, '..', '..', '..', '..', 'schemas');
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const catalogue = JSON.parse(readFileSync(path.join(SCHEMAS, 'catalogue.json'), 'utf8')) as {
  events: Record<string, string>;
};
const validators = Object.fromEntries(
  Object.entries(catalogue.events).map(([type, rel]) => [
    type,
    ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, rel), 'utf8')) as object),
  ]),
);

let fake: FakeServer;
let client: EventClient;

beforeEach(async () => {
  fake = await new FakeServer().start();
  client = new EventClient({ url: fake.url, apiKey: 'k' });
});
afterEach(async () => {
  await client.close({ timeoutMs: 0 });
  await fake.stop();
});

type Call = {
  name: string;
  run: () => Promise<PublishedEvent>;
  channel: string;
  event: Record<string, unknown>;
};

const calls = (): Call[] => {
  const { deployments, billing, monitoring, notifications, presence, activity } = createPublishers(client);
  return [
    {
      name: 'publishDeploymentUpdate (positional)',
      run: () => deployments.publishDeploymentUpdate('t1', 'd-1', 'running', { step: 'build' }, 40),
      channel: 'tenant:t1:deployments',
      event: {
        type: 'deployment_update',
        deploymentId: 'd-1',
        status: 'running',
        progress: 40,
        data: { step: 'build' },
      },
    },
    {
      name: 'publishDeploymentUpdate (options)',
      run: () =>
        deployments.publishDeploymentUpdate({
          tenantId: 't1',
          deploymentId: 'd-1',
          status: 'completed',
          progress: 100,
        }),
      channel: 'tenant:t1:deployments',
      event: { type: 'deployment_update', deploymentId: 'd-1', status: 'completed', progress: 100 },
    },
    {
      name: 'publishStart',
      run: () => deployments.publishStart('t1', 'd-2', 'odoo'),
      channel: 'tenant:t1:deployments',
      event: {
        type: 'deployment_update',
        deploymentId: 'd-2',
        status: 'starting',
        progress: 0,
        data: { instanceType: 'odoo' },
      },
    },
    {
      name: 'publishDeploymentLog',
      run: () => deployments.publishDeploymentLog('t1', 'd-1', 'pulling image', 'warning'),
      channel: 'tenant:t1:deployments',
      event: { type: 'deployment_log', deploymentId: 'd-1', log: 'pulling image', level: 'warning' },
    },
    {
      name: 'publishInvoiceEvent',
      run: () => billing.publishInvoiceEvent('t2', 'inv-1', 'paid', 199.9),
      channel: 'tenant:t2:billing',
      event: { type: 'invoice_event', invoiceId: 'inv-1', event: 'paid', amount: 199.9 },
    },
    {
      name: 'publishUsageUpdate',
      run: () => billing.publishUsageUpdate('t2', 'storage_gb', 30, 120),
      channel: 'tenant:t2:billing',
      event: { type: 'usage_update', resource: 'storage_gb', usage: 30, limit: 120, percentage: 25 },
    },
    {
      name: 'publishAlert',
      run: () => monitoring.publishAlert('t3', 'critical', 'disk full', { host: 'db-1' }),
      channel: 'tenant:t3:monitoring',
      event: { type: 'alert', severity: 'critical', message: 'disk full', metadata: { host: 'db-1' } },
    },
    {
      name: 'publishMetricsUpdate',
      run: () => monitoring.publishMetricsUpdate('t3', { cpu: 12.5, rps: 300 }),
      channel: 'tenant:t3:dashboard',
      event: { type: 'metrics_update', metrics: { cpu: 12.5, rps: 300 } },
    },
    {
      name: 'publishGlobalMetrics',
      run: () => monitoring.publishGlobalMetrics({ tenants: 4 }),
      channel: 'admin:metrics',
      event: { type: 'metrics_update', metrics: { tenants: 4 } },
    },
    {
      name: 'publishGlobalAlert',
      run: () => monitoring.publishGlobalAlert('t3', 'warning', 'quota at 90%'),
      channel: 'admin:alerts',
      event: { type: 'alert', severity: 'warning', message: 'quota at 90%', tenantId: 't3' },
    },
    {
      name: 'publishTenantNotification',
      run: () => notifications.publishTenantNotification('t4', 'Invoice paid', 'inv-1 was paid', 'success', '/billing'),
      channel: 'tenant:t4:notifications',
      event: {
        type: 'notification',
        title: 'Invoice paid',
        message: 'inv-1 was paid',
        level: 'success',
        link: '/billing',
      },
    },
    {
      name: 'publishUserNotification',
      run: () => notifications.publishUserNotification('u-9', 'Hello', 'Welcome', 'info'),
      channel: 'user:u-9:notifications',
      event: { type: 'notification', title: 'Hello', message: 'Welcome', level: 'info' },
    },
    {
      name: 'publishPresenceUpdate',
      run: () => presence.publishPresenceUpdate('t5', 'u-1', 'away', { page: '/home' }),
      channel: 'tenant:t5:presence',
      event: { type: 'presence_update', userId: 'u-1', status: 'away', info: { page: '/home' } },
    },
    {
      name: 'publishTenantActivity',
      run: () => activity.publishTenantActivity('t6', 'plan_changed', 'u-2', { plan: 'pro' }),
      channel: 'admin:tenants',
      event: {
        type: 'tenant_activity',
        tenantId: 't6',
        activity: 'plan_changed',
        userId: 'u-2',
        details: { plan: 'pro' },
      },
    },
  ];
};

describe('publishers', () => {
  const names = [
    'publishDeploymentUpdate (positional)',
    'publishDeploymentUpdate (options)',
    'publishStart',
    'publishDeploymentLog',
    'publishInvoiceEvent',
    'publishUsageUpdate',
    'publishAlert',
    'publishMetricsUpdate',
    'publishGlobalMetrics',
    'publishGlobalAlert',
    'publishTenantNotification',
    'publishUserNotification',
    'publishPresenceUpdate',
    'publishTenantActivity',
  ];

  it('the table below covers every call', () => {
    expect(calls().map((c) => c.name)).toEqual(names);
  });

  it.each(names)('%s publishes the catalogue shape on its channel', async (name) => {
    const call = calls().find((c) => c.name === name)!;
    const before = Date.now();
    const published = await call.run();
    expect(fake.commands).toHaveLength(1);
    const sent = fake.commands[0]!;
    expect(sent.channel).toBe(call.channel);
    const data = sent.data as Record<string, unknown>;
    const { timestamp, ...rest } = data;
    expect(rest).toEqual(call.event);
    expect(timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(timestamp as string)).toBeGreaterThanOrEqual(before - 1);
    const validate = validators[data.type as string]!;
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
    expect(published).toEqual({ channel: call.channel, event: data, offset: 1, epoch: 'fake' });
  });

  it('every catalogue event type has a publisher method', async () => {
    const produced = new Set<string>();
    for (const call of calls()) produced.add(call.event.type as string);
    expect([...produced].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('createPublishers: one of each over the shared client', () => {
    const all = createPublishers(client);
    expect(Object.values(all).map((p) => p.constructor.name)).toEqual([
      'DeploymentPublisher',
      'BillingPublisher',
      'MonitoringPublisher',
      'NotificationPublisher',
      'PresencePublisher',
      'ActivityPublisher',
    ]);
    for (const p of Object.values(all)) expect(p.client).toBe(client);
  });

  it('MetricsPublisher is the MonitoringPublisher', () => {
    expect(MetricsPublisher).toBe(MonitoringPublisher);
    expect(new MetricsPublisher(client)).toBeInstanceOf(BasePublisher);
  });

  it('needs an EventClient', () => {
    expect(() => new DeploymentPublisher(undefined as unknown as EventClient)).toThrow(
      /DeploymentPublisher needs an EventClient/,
    );
  });
});

describe('publisher events', () => {
  it('emits published {channel, event, offset, epoch}', async () => {
    const p = new BillingPublisher(client);
    const seen: PublishedEvent[] = [];
    p.on('published', (e) => seen.push(e));
    const result = await p.publishInvoiceEvent('t1', 'inv-2', 'created', 10);
    expect(seen).toEqual([result]);
    expect(seen[0]).toMatchObject({
      channel: 'tenant:t1:billing',
      offset: 1,
      epoch: 'fake',
      event: { invoiceId: 'inv-2' },
    });
  });

  it('emits error with a listener, and the promise rejects; without a listener only the promise rejects', async () => {
    fake.handler = (req) => ({
      replies: req.commands.map(() => ({ error: { code: 103, message: 'permission denied' } })),
    });
    const p = new NotificationPublisher(client);
    const errors: Array<[Error, unknown]> = [];
    p.on('error', (e, ctx) => errors.push([e, ctx]));
    const e1 = await p.publishTenantNotification('t1', 'a', 'b', 'info').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(EventError);
    expect(e1).toMatchObject({ code: 103, message: 'permission denied', channel: 'tenant:t1:notifications' });
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBe(e1);
    expect(errors[0]![1]).toMatchObject({
      channel: 'tenant:t1:notifications',
      event: { type: 'notification', title: 'a' },
    });

    const quiet = new NotificationPublisher(client);
    const e2 = await quiet.publishUserNotification('u1', 'a', 'b', 'info').catch((e: unknown) => e);
    expect(e2).toMatchObject({ name: 'EventError', code: 103 });
  });

  it('no published event for a failure, no error event for a success', async () => {
    const p = new PresencePublisher(client);
    const events: string[] = [];
    p.on('published', () => events.push('published'));
    p.on('error', () => events.push('error'));
    await p.publishPresenceUpdate('t1', 'u1', 'online');
    await p.publishPresenceUpdate('t:1', 'u1', 'online').catch(() => {});
    expect(events).toEqual(['published', 'error']);
  });
});

describe('bad input is refused before sending', () => {
  const badIds = ['a:b', 'a*', '{a}', 'a#1', 'a b', 'tab\there', 'new\nline', ''];

  it.each(badIds)('tenant id %j', async (id) => {
    const p = new DeploymentPublisher(client);
    await expect(p.publishDeploymentLog(id, 'd', 'x', 'info')).rejects.toThrow(TypeError);
    await expect(p.publishDeploymentLog(id, 'd', 'x', 'info')).rejects.toThrow(/tenantId/);
  });

  it('the error names the argument and the character', async () => {
    const n = new NotificationPublisher(client);
    await expect(n.publishUserNotification('u:1', 't', 'm', 'info')).rejects.toThrow(
      `userId "u:1" contains ":": ids must not contain ':', '*', '{', '}', '#' or whitespace`,
    );
    await expect(new PresencePublisher(client).publishPresenceUpdate('t1', 'u 1', 'online')).rejects.toThrow(
      /userId "u 1"/,
    );
    await expect(new ActivityPublisher(client).publishTenantActivity('t1', 'login', 'u*')).rejects.toThrow(
      /userId "u\*"/,
    );
    await expect(new MonitoringPublisher(client).publishGlobalAlert('t{1}', 'info', 'm')).rejects.toThrow(
      /tenantId "t\{1\}"/,
    );
    await expect(new DeploymentPublisher(client).publishStart('é', 'd', 'odoo')).rejects.toThrow(/printable ASCII/);
    expect(fake.requests).toHaveLength(0);
  });

  it('events that do not fit their schema', async () => {
    const d = new DeploymentPublisher(client);
    await expect(d.publishDeploymentUpdate('t1', 'd', 'running', undefined, 140)).rejects.toThrow(
      'invalid deployment_update event: /progress must be <= 100, got 140',
    );
    await expect(d.publishDeploymentUpdate('t1', 'd', 'paused' as 'running')).rejects.toThrow(
      /\/status must be one of "starting"/,
    );
    await expect(d.publishDeploymentUpdate('t1', '', 'running')).rejects.toThrow(
      /\/deploymentId must have at least 1 character/,
    );
    const b = new BillingPublisher(client);
    await expect(b.publishUsageUpdate('t1', 'cpu', 5, 0)).rejects.toThrow(/\/limit must be > 0, got 0/);
    await expect(b.publishInvoiceEvent('t1', 'i', 'paid', Number.NaN)).rejects.toThrow(
      /\/amount must be a finite number/,
    );
    const m = new MonitoringPublisher(client);
    await expect(m.publishMetricsUpdate('t1', { cpu: 'high' as unknown as number })).rejects.toThrow(
      /\/metrics\/cpu must be a finite number/,
    );
    await expect(m.publishAlert('t1', 'info', '')).rejects.toThrow(/\/message must have at least 1 character/);
    await expect(m.publishAlert('t1', 'info', 'x', [] as unknown as Record<string, unknown>)).rejects.toThrow(
      /\/metadata must be an object, got an array/,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('publishTo refuses an event type the catalogue does not allow on the channel, and extra fields', async () => {
    const p = new BasePublisher(client);
    await expect(
      p.publishTo(CHANNELS.ADMIN_TENANTS, [], { type: 'alert', severity: 'info', message: 'm' } as never),
    ).rejects.toThrow('the catalogue allows tenant_activity on admin:tenants, not alert (channel admin:tenants)');
    await expect(
      p.publishTo(CHANNELS.TENANT_METRICS, [['tenantId', 't1']], {
        type: 'metrics_update',
        metrics: {},
        extra: 1,
      } as never),
    ).rejects.toThrow('/extra is not a field of this event');
    await expect(p.publishTo(CHANNELS.TENANT_METRICS, [], { type: 'metrics_update', metrics: {} })).rejects.toThrow(
      'channel pattern tenant:*:metrics takes 1 id(s), got 0',
    );
    await expect(
      p.publishTo(CHANNELS.SYSTEM_ALERTS, [], {
        type: 'alert',
        severity: 'info',
        message: 'm',
        timestamp: 'yesterday',
      }),
    ).rejects.toThrow('/timestamp must be an RFC 3339 date-time in UTC (ending in Z), got "yesterday"');
    expect(fake.requests).toHaveLength(0);
    // The same method reaches the catalogue channels no named method covers.
    const ok = await p.publishTo(CHANNELS.SYSTEM_ALERTS, [], { type: 'alert', severity: 'info', message: 'm' });
    expect(ok.channel).toBe('system:alerts');
  });
});
