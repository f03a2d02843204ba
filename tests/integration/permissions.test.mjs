// 7. Tenant isolation and role-based subscribe permissions (spec §6).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ADMIN,
  TEST_TIMEOUT,
  assertCleanExit,
  cent,
  connectClient,
  rawConnected,
  record,
  subscribe,
  subscribeRefused,
  useServer,
} from './harness.mjs';

const T = { timeout: TEST_TIMEOUT };
const ctx = useServer();

async function expectRefused(client, channel, code) {
  const u = await subscribeRefused(client, channel);
  assert.equal(u.code, code, `${channel}: expected unsubscribed code ${code}, got ${u.code} "${u.reason}"`);
  assert.equal(u.reason, code === 103 ? 'permission denied' : code === 102 ? 'unknown channel' : u.reason);
  assert.equal(client.state, 'connected', `${channel}: a refused subscription must not end the connection`);
}

describe('tenant isolation', () => {
  it('tenant_user of tenant A subscribing tenant:B:deployments gets 103', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-a', tenant: 'A', roles: ['tenant_user'] });
    await expectRefused(client, 'tenant:B:deployments', 103);
    // Its own tenant still works on the same connection.
    await subscribe(client, 'tenant:A:deployments');
  });

  it('tenant_admin of tenant A subscribing tenant:B:deployments gets 103, own tenant any channel works', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'ta-a', tenant: 'A', roles: ['tenant_admin'] });
    await expectRefused(client, 'tenant:B:deployments', 103);
    await expectRefused(client, 'tenant:B:monitoring', 103);
    await subscribe(client, 'tenant:A:monitoring');
    await subscribe(client, 'tenant:A:anything:nested');
  });

  it('admin (no tenant) subscribes tenant:B:deployments and receives a publication', T, async () => {
    const { server } = ctx;
    const channel = 'tenant:B:deployments';
    const { client } = await connectClient(server, ADMIN);
    const { sub } = await subscribe(client, channel);
    const pubs = record(sub, 'publication');
    const data = { type: 'deployment_log', timestamp: '2026-01-01T00:00:00Z', deploymentId: 'd', log: 'x', level: 'info' };
    await cent(server).publish({ channel, data });
    await pubs.until(1);
    assert.deepEqual(pubs.items[0].data, data);
    await subscribe(client, 'admin:metrics');
    await subscribe(client, 'system:status');
  });

  it('tenant id prefixes and look-alikes do not match: tenant "1" is denied tenant:12:*, tenant:1x:*, tenant:11:*', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-1', tenant: '1', roles: ['tenant_user'] });
    await expectRefused(client, 'tenant:12:deployments', 103);
    await expectRefused(client, 'tenant:1x:deployments', 103);
    await expectRefused(client, 'tenant:11:deployments', 103);
    await expectRefused(client, 'tenant::deployments', 103);
    await subscribe(client, 'tenant:1:deployments');
  });

  it('tenant_admin "1" is denied tenant:12:* and tenant:1x:* even though its pattern ends in *', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'ta-1', tenant: '1', roles: ['tenant_admin'] });
    await expectRefused(client, 'tenant:12:deployments', 103);
    await expectRefused(client, 'tenant:1x:deployments', 103);
  });

  it('a tenant_user token without tenantId cannot open a tenant channel', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-none', roles: ['tenant_user'] });
    await expectRefused(client, 'tenant:1:deployments', 103);
    // Its user channels still work: {user_id} is known.
    await subscribe(client, 'user:u-none:notifications');
  });
});

describe('role permissions', () => {
  it('tenant_user subscribing admin:metrics gets 103', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-r', tenant: '1', roles: ['tenant_user'] });
    await expectRefused(client, 'admin:metrics', 103);
    await expectRefused(client, 'system:status', 103);
  });

  it('unknown namespace nope:x gets 102', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-r', tenant: '1', roles: ['tenant_user'] });
    await expectRefused(client, 'nope:x', 102);
    const { client: admin } = await connectClient(server, ADMIN);
    await expectRefused(admin, 'nope:x', 102);
  });

  it('tenant_user gets only its listed tenant channels; extra segments and wildcard-looking names are denied', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-l', tenant: '1', roles: ['tenant_user'] });
    for (const ch of ['tenant:1:dashboard', 'tenant:1:notifications', 'tenant:1:billing', 'tenant:1:deployments']) {
      await subscribe(client, ch);
    }
    await expectRefused(client, 'tenant:1:monitoring', 103);
    await expectRefused(client, 'tenant:1:deployments:extra', 103);
    await expectRefused(client, 'tenant:1:deploymentsX', 103);
    await expectRefused(client, 'tenant:1:*', 103);
    await expectRefused(client, 'tenant:*:deployments', 103);
  });

  it('user:{user_id}:* and certification:*:{user_id} are per user', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u42', tenant: '1', roles: ['tenant_user'] });
    await subscribe(client, 'user:u42:notifications');
    await subscribe(client, 'certification:timer:u42');
    await subscribe(client, 'certification:results:u42');
    await expectRefused(client, 'user:u43:notifications', 103);
    await expectRefused(client, 'user:u4:notifications', 103);
    await expectRefused(client, 'certification:timer:u43', 103);
    await expectRefused(client, 'certification:timer:u42x', 103);
  });

  it('a token with no roles may subscribe to nothing', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-noroles', tenant: '1', roles: [] });
    await expectRefused(client, 'tenant:1:deployments', 103);
    await expectRefused(client, 'user:u-noroles:notifications', 103);
  });

  it('roles combine: tenant_user + admin may subscribe to another tenant and admin channels', T, async () => {
    const { server } = ctx;
    const { client } = await connectClient(server, { user: 'u-both', tenant: '1', roles: ['tenant_user', 'admin'] });
    await subscribe(client, 'tenant:2:deployments');
    await subscribe(client, 'admin:alerts');
  });

  it('denials arrive as the exact error reply on the wire', T, async () => {
    const { server } = ctx;
    const r = await rawConnected(server, { user: 'u-w', tenant: '1', roles: ['tenant_user'] });
    const denied = await r.request('subscribe', { channel: 'tenant:2:deployments' });
    assert.deepEqual(denied, { id: denied.id, error: { code: 103, message: 'permission denied' } });
    const unknown = await r.request('subscribe', { channel: 'nope:x' });
    assert.deepEqual(unknown, { id: unknown.id, error: { code: 102, message: 'unknown channel' } });
    assert.equal(r.closeInfo, null);
  });
});

describe('server process (permissions.test)', () => {
  it('exits 0 on SIGTERM without sanitizer reports', { timeout: 15_000 }, async () => {
    assertCleanExit(await ctx.server.stop());
  });
});
