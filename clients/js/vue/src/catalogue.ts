// The seeds' typed composables (use{Resource}Events): each a live map of catalogue events on a
// tenant's (or the admin's) channel, with the seeds' return shape, over useChannel. `connect` and
// `disconnect` resume and pause this composable's subscription, never the shared client.
import { computed, shallowRef, toValue, type ComputedRef, type MaybeRefOrGetter, type Ref, type ShallowRef } from 'vue';
import {
  CHANNELS,
  type ChannelPattern,
  type ChannelTypes,
  type DeploymentLog,
  type DeploymentUpdate,
  type EventMap,
  type MetricsUpdate,
  type Notification,
} from '@neo-events/catalogue';

import { useChannel, type UseChannel } from './composables.js';

/** The catalogue events allowed on a channel pattern. */
export type ChannelEvent<P extends ChannelPattern> = EventMap[ChannelTypes[P]];

type Id = MaybeRefOrGetter<string | null | undefined>;

/** `tenant:*:deployments` + '42' -> `tenant:42:deployments`; null while the id is unset. */
export function channelOf(pattern: ChannelPattern, id?: string | null): string | null {
  if (!pattern.includes('*')) return pattern;
  return id ? pattern.replace('*', id) : null;
}

export interface CatalogueEvents<T> {
  events: ShallowRef<Map<string, T>>;
  isConnected: ComputedRef<boolean>;
  error: ComputedRef<string | null>;
  connect(): void;
  disconnect(): void;
  getEvent(key: string): T | undefined;
  getAllEvents(): T[];
  channel: UseChannel<T>;
}

/** A map of the channel's events by `keyOf` (null: not kept in the map). */
export function useCatalogueEvents<P extends ChannelPattern>(
  pattern: P,
  id: Id,
  keyOf: (event: ChannelEvent<P>) => string | null,
  { buffer = 100 }: { buffer?: number } = {},
): CatalogueEvents<ChannelEvent<P>> {
  const enabled = shallowRef(true);
  const events = shallowRef(new Map<string, ChannelEvent<P>>());
  const channel = useChannel<ChannelEvent<P>>(() => (enabled.value ? channelOf(pattern, toValue(id)) : null), {
    buffer,
  });
  channel.onPublication((event) => {
    const key = keyOf(event);
    if (key === null) return;
    const next = new Map(events.value);
    next.set(key, event);
    events.value = next;
  });
  return {
    events,
    isConnected: computed(() => channel.isSubscribed.value),
    error: computed(() => channel.error.value?.message ?? null),
    connect: () => (enabled.value = true),
    disconnect: () => (enabled.value = false),
    getEvent: (key) => events.value.get(key),
    getAllEvents: () => [...events.value.values()],
    channel,
  };
}

/** Deployments of a tenant: the latest `deployment_update` per deployment, and its log lines. */
export function useDeploymentEvents(
  tenantId: Id,
  { maxLogLines = 200 }: { maxLogLines?: number } = {},
): CatalogueEvents<ChannelEvent<'tenant:*:deployments'>> & {
  deployments: ComputedRef<DeploymentUpdate[]>;
  logs: Ref<Map<string, DeploymentLog[]>>;
} {
  const base = useCatalogueEvents(CHANNELS.TENANT_DEPLOYMENTS, tenantId, (e) =>
    e.type === 'deployment_update' ? e.deploymentId : null,
  );
  const logs = shallowRef(new Map<string, DeploymentLog[]>());
  base.channel.onPublication((e) => {
    if (e.type !== 'deployment_log') return;
    const next = new Map(logs.value);
    next.set(e.deploymentId, [...(next.get(e.deploymentId) ?? []).slice(-(maxLogLines - 1)), e]);
    logs.value = next;
  });
  const deployments = computed(() =>
    [...base.events.value.values()].filter((e): e is DeploymentUpdate => e.type === 'deployment_update'),
  );
  return { ...base, deployments, logs };
}

/** Billing of a tenant: invoices by `invoice:<id>`, usage by `usage:<resource>`. */
export function useBillingEvents(tenantId: Id) {
  return useCatalogueEvents(CHANNELS.TENANT_BILLING, tenantId, (e) =>
    e.type === 'invoice_event' ? `invoice:${e.invoiceId}` : `usage:${e.resource}`,
  );
}

/**
 * Metrics: a tenant's dashboard (`tenant:{id}:dashboard`), or with `scope: 'admin' | 'system'`
 * the global feeds `admin:metrics` / `system:metrics`. `series` keeps the last `points` updates
 * for charts; the map has the latest per tenant ('global' without one).
 */
export function useMetricsEvents(
  tenantId: Id,
  { scope = 'tenant', points = 60 }: { scope?: 'tenant' | 'admin' | 'system'; points?: number } = {},
) {
  const pattern =
    scope === 'admin'
      ? CHANNELS.ADMIN_METRICS
      : scope === 'system'
        ? CHANNELS.SYSTEM_METRICS
        : CHANNELS.TENANT_DASHBOARD;
  const base = useCatalogueEvents(pattern, tenantId, (e) => e.tenantId ?? 'global', { buffer: points });
  const series = computed<MetricsUpdate[]>(() => base.channel.events.value);
  return { ...base, series };
}

/** The catalogue's `presence_update` events of a tenant, by user. (For who is connected right
 * now, from the server's own presence, see usePresence.) */
export function usePresenceEvents(tenantId: Id) {
  return useCatalogueEvents(CHANNELS.TENANT_PRESENCE, tenantId, (e) => e.userId);
}

/** Notifications of a user (`user:{id}:notifications`), or of a tenant with `scope: 'tenant'`,
 * newest first in `notifications`; keyed by arrival order. */
export function useNotifications(id: Id, { scope = 'user' }: { scope?: 'user' | 'tenant' } = {}) {
  let seq = 0;
  const pattern = scope === 'tenant' ? CHANNELS.TENANT_NOTIFICATIONS : CHANNELS.USER_NOTIFICATIONS;
  const base = useCatalogueEvents(pattern, id, () => String(++seq));
  const notifications = computed<Notification[]>(() => [...base.events.value.values()].reverse());
  return { ...base, notifications };
}
