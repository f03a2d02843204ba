// Server side: no window here (vitest's node environment), as during SSR. Importing and using
// every composable must create nothing and return inert state.
import { createApp, effectScope } from 'vue';
import { describe, expect, it, vi } from 'vitest';

import * as vue from '../src/index.js';

describe('server-side rendering', () => {
  it('no window: the plugin creates no client and the composables are inert', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const factory = vi.fn();
    const plugin = vue.createEvents({ url: 'ws://x/connection/websocket', clientFactory: factory });
    expect(plugin.context.inert).toBe(true);
    const app = createApp({ render: () => null });
    app.use(plugin);
    const scope = effectScope();
    const out = app.runWithContext(() =>
      scope.run(() => ({
        events: vue.useEvents(),
        channel: vue.useChannel('tenant:1:deployments'),
        presence: vue.usePresence('tenant:1:presence'),
        time: vue.useServerTime(),
        deployments: vue.useDeploymentEvents('1'),
        billing: vue.useBillingEvents('1'),
        metrics: vue.useMetricsEvents('1'),
        people: vue.usePresenceEvents('1'),
        notes: vue.useNotifications('u-1-1'),
      })),
    )!;
    expect(factory).not.toHaveBeenCalled();
    expect(plugin.context.client.value).toBe(null);
    expect(out.events.state.value).toBe('disconnected');
    expect(out.channel.state.value).toBe('unsubscribed');
    expect(out.presence.count.value).toBe(0);
    expect(out.time.synced.value).toBe(false);
    expect(out.deployments.getAllEvents()).toEqual([]);
    expect(out.events.subscribe('tenant:1:x', () => {})).toBeTypeOf('function');
    expect(plugin.context.registry.users('tenant:1:deployments')).toBe(0);
    scope.stop();
  });

  it('without the plugin (or outside setup) the composables are inert too', () => {
    const scope = effectScope();
    const c = scope.run(() => vue.useChannel('tenant:1:deployments'))!;
    expect(c.isSubscribed.value).toBe(false);
    return expect(c.publish({})).rejects.toThrow(/no client/);
  });
});
