// useEvents, useChannel, usePresence, useServerTime: thin reactive views over the app's one
// client (context.ts) and its counted channel registry (registry.ts). On the server, or without
// the plugin, each returns inert state and touches nothing.
import {
  computed,
  readonly,
  shallowRef,
  toValue,
  watch,
  type ComputedRef,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
} from 'vue';
import type {
  ClientInfo,
  HistoryOptions,
  HistoryResult,
  PublicationContext,
  PublishResult,
  RpcResult,
  StreamPosition,
  SubscribedContext,
} from 'centrifuge';

import { useEventsContext, type ConnectionState, type Disconnect } from './context.js';
import type { ChannelError, ChannelOptions, SubscriptionStateName } from './registry.js';
import { createEventHook, tryOnScopeDispose } from './scope.js';

const notConnected = () => Promise.reject(new Error('neo-events: no client (server side, or not created yet)'));

export interface UseEvents {
  state: Readonly<Ref<ConnectionState>>;
  isConnected: ComputedRef<boolean>;
  error: Readonly<Ref<Disconnect | null>>;
  lastDisconnect: Readonly<Ref<Disconnect | null>>;
  connect(): void;
  disconnect(): void;
  /** Drops the connection and connects again at once (the SDK's own backoff is for failures). */
  reconnect(): void;
  setToken(token: string): void;
  /** Calls `cb` with each publication's data until the returned unsubscribe (or the scope's end). */
  subscribe<T = unknown>(channel: string, cb: (data: T, ctx: PublicationContext) => void): () => void;
  publish(channel: string, data: unknown): Promise<PublishResult>;
  rpc(method: string, data?: unknown): Promise<RpcResult>;
}

export function useEvents(): UseEvents {
  const ctx = useEventsContext();
  const client = () => ctx.client.value;
  return {
    state: readonly(ctx.state),
    isConnected: computed(() => ctx.state.value === 'connected'),
    error: readonly(ctx.error),
    lastDisconnect: readonly(ctx.lastDisconnect),
    connect: () => client()?.connect(),
    disconnect: () => client()?.disconnect(),
    reconnect: () => {
      client()?.disconnect();
      client()?.connect();
    },
    setToken: (token) => client()?.setToken(token),
    subscribe(channel, cb) {
      if (ctx.inert) return () => {};
      const release = ctx.registry.acquire(channel, {}, { publication: (p) => cb(p.data, p) });
      tryOnScopeDispose(release);
      return release;
    },
    publish: (channel, data) => client()?.publish(channel, data) ?? notConnected(),
    rpc: (method, data = {}) => client()?.rpc(method, data) ?? notConnected(),
  };
}

export interface UseChannelOptions<T> extends ChannelOptions {
  /** How many publications `events` keeps (newest last; default 100, 0 = none). */
  buffer?: number;
  /** Turns raw publication data into T (validation, dates); default: as is. */
  parse?: (data: unknown) => T;
}

export interface UseChannel<T> {
  state: Readonly<Ref<SubscriptionStateName>>;
  isSubscribed: ComputedRef<boolean>;
  error: Readonly<Ref<ChannelError | null>>;
  /** Of the last subscribe: null before, false after a resubscribe that lost publications. */
  recovered: Readonly<Ref<boolean | null>>;
  streamPosition: Readonly<Ref<StreamPosition | null>>;
  last: ShallowRef<T | null>;
  events: ShallowRef<T[]>;
  onPublication(fn: (data: T, ctx: PublicationContext) => void): () => void;
  onJoin(fn: (info: ClientInfo) => void): () => void;
  onLeave(fn: (info: ClientInfo) => void): () => void;
  /** A resubscribe could not recover what was missed: reload from the backend. */
  onGap(fn: (ctx: SubscribedContext) => void): () => void;
  /** Every subscribe (and, for a late user, the channel's current one). */
  onSubscribed(fn: (ctx: SubscribedContext) => void): () => void;
  history(options?: HistoryOptions): Promise<HistoryResult>;
  publish(data: unknown): Promise<PublishResult>;
}

/**
 * A live channel. `channel` may be a string, a ref or a getter: a change switches the
 * subscription, null pauses it. Users of one channel share one SDK subscription, released when
 * the calling scope (component, effectScope) ends.
 */
export function useChannel<T = unknown>(
  channel: MaybeRefOrGetter<string | null | undefined>,
  options: UseChannelOptions<T> = {},
): UseChannel<T> {
  const ctx = useEventsContext();
  const { buffer = 100, parse = (d: unknown) => d as T, ...channelOptions } = options;
  const state = shallowRef<SubscriptionStateName>('unsubscribed');
  const error = shallowRef<ChannelError | null>(null);
  const recovered = shallowRef<boolean | null>(null);
  const streamPosition = shallowRef<StreamPosition | null>(null);
  const last = shallowRef<T | null>(null);
  const events = shallowRef<T[]>([]);
  const hooks = {
    publication: createEventHook<[T, PublicationContext]>(),
    join: createEventHook<[ClientInfo]>(),
    leave: createEventHook<[ClientInfo]>(),
    gap: createEventHook<[SubscribedContext]>(),
    subscribed: createEventHook<[SubscribedContext]>(),
  };
  const listener = {
    publication(p: PublicationContext) {
      const data = parse(p.data);
      last.value = data;
      if (buffer > 0) events.value = [...events.value.slice(-(buffer - 1)), data];
      hooks.publication.trigger(data, p);
    },
    join: (j: { info: ClientInfo }) => hooks.join.trigger(j.info),
    leave: (l: { info: ClientInfo }) => hooks.leave.trigger(l.info),
    subscribed(s: SubscribedContext, replay: boolean) {
      recovered.value = s.wasRecovering ? s.recovered : (recovered.value ?? true);
      streamPosition.value = s.streamPosition ?? null;
      if (!replay && s.wasRecovering && !s.recovered) hooks.gap.trigger(s);
      hooks.subscribed.trigger(s);
    },
    state(s: SubscriptionStateName, e: ChannelError | null) {
      state.value = s;
      error.value = e;
    },
  };
  const current = () => toValue(channel) ?? null;
  if (!ctx.inert) {
    watch(
      current,
      (name, _old, onCleanup) => {
        last.value = null;
        events.value = [];
        recovered.value = null;
        if (!name) return;
        const release = ctx.registry.acquire(name, channelOptions, listener);
        onCleanup(() => {
          release();
          state.value = 'unsubscribed';
        });
      },
      { immediate: true },
    );
  }
  const client = () => ctx.client.value;
  return {
    state: readonly(state),
    isSubscribed: computed(() => state.value === 'subscribed'),
    error: readonly(error),
    recovered: readonly(recovered),
    streamPosition: readonly(streamPosition),
    last,
    events,
    onPublication: hooks.publication.on,
    onJoin: hooks.join.on,
    onLeave: hooks.leave.on,
    onGap: hooks.gap.on,
    onSubscribed: hooks.subscribed.on,
    history: (o) => {
      const name = current();
      return name ? (client()?.history(name, o) ?? notConnected()) : notConnected();
    },
    publish: (data) => {
      const name = current();
      return name ? (client()?.publish(name, data) ?? notConnected()) : notConnected();
    },
  };
}

export interface PresenceUser {
  user: string;
  /** How many connections (tabs, devices) of this user are in the channel. */
  connections: number;
  info: ClientInfo;
}

export interface UsePresence {
  clients: Readonly<ShallowRef<ReadonlyMap<string, ClientInfo>>>;
  users: ComputedRef<PresenceUser[]>;
  count: ComputedRef<number>;
  refresh(): Promise<void>;
  channel: UseChannel<unknown>;
}

/**
 * Who is in a channel: presence is read after every (re)subscribe, since joins and leaves that
 * happened while disconnected are never delivered, then joins and leaves are applied.
 */
export function usePresence(channel: MaybeRefOrGetter<string | null | undefined>): UsePresence {
  const ctx = useEventsContext();
  const sub = useChannel<unknown>(channel, { joinLeave: true, buffer: 0 });
  const clients = shallowRef<Map<string, ClientInfo>>(new Map());
  let pending: Array<[boolean, ClientInfo]> | null = null; // joins (true) and leaves during a read
  const apply = (map: Map<string, ClientInfo>, joined: boolean, info: ClientInfo) => {
    if (joined) map.set(info.client, info);
    else map.delete(info.client);
  };
  const change = (joined: boolean, info: ClientInfo) => {
    pending?.push([joined, info]);
    const next = new Map(clients.value);
    apply(next, joined, info);
    clients.value = next;
  };
  async function refresh(): Promise<void> {
    const name = toValue(channel);
    const client = ctx.client.value;
    if (!name || !client) return;
    const seen: Array<[boolean, ClientInfo]> = [];
    pending = seen;
    try {
      const result = await client.presence(name);
      if (toValue(channel) !== name) return;
      const next = new Map(Object.entries(result.clients));
      for (const [joined, info] of seen) apply(next, joined, info);
      clients.value = next;
    } finally {
      if (pending === seen) pending = null;
    }
  }
  sub.onSubscribed(() => void refresh().catch(() => {}));
  sub.onJoin((info) => change(true, info));
  sub.onLeave((info) => change(false, info));
  if (!ctx.inert)
    watch(
      () => toValue(channel),
      () => (clients.value = new Map()),
    );
  const users = computed(() => {
    const byUser = new Map<string, PresenceUser>();
    for (const info of clients.value.values()) {
      const seen = byUser.get(info.user);
      if (seen) seen.connections++;
      else byUser.set(info.user, { user: info.user, connections: 1, info });
    }
    return [...byUser.values()].sort((a, b) => a.user.localeCompare(b.user));
  });
  return { clients, users, count: computed(() => clients.value.size), refresh, channel: sub };
}

export interface UseServerTime {
  /** Server clock minus local clock, in ms (null until estimated). */
  offset: Readonly<Ref<number | null>>;
  /** Round trip of the sample used. */
  rtt: Readonly<Ref<number | null>>;
  synced: ComputedRef<boolean>;
  /** The server's time (unix ms), updated every `interval` ms. */
  now: Readonly<Ref<number>>;
  /** The server's time right now. */
  serverNow(): number;
  sync(): Promise<void>;
}

/** The server's clock for synchronized timers (exam countdowns): local clock + estimated offset. */
export function useServerTime({ interval = 1000 }: { interval?: number } = {}): UseServerTime {
  const ctx = useEventsContext();
  const clock = ctx.serverTime;
  const serverNow = () => Date.now() + (clock.offset.value ?? 0);
  const now = shallowRef(serverNow());
  if (!ctx.inert) {
    tryOnScopeDispose(clock.use());
    const timer = setInterval(() => (now.value = serverNow()), interval);
    tryOnScopeDispose(() => clearInterval(timer));
    watch(clock.offset, () => (now.value = serverNow()));
  }
  return {
    offset: readonly(clock.offset),
    rtt: readonly(clock.rtt),
    synced: computed(() => clock.offset.value !== null),
    now: readonly(now),
    serverNow,
    sync: () => clock.sync(),
  };
}
