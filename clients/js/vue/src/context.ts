// createEvents(): the Vue plugin, and the only place a Centrifuge client is created: one per
// app, held raw (markRaw: a reactive Proxy would change its identity and break the SDK's
// internals), created only in the browser. Reconnects and pings are the SDK's own (jittered
// backoff, server pings): nothing here adds another loop.
import { hasInjectionContext, inject, markRaw, shallowRef, type App, type InjectionKey, type ShallowRef } from 'vue';
import { Centrifuge, type Options, type TransportEndpoint } from 'centrifuge';

import { ChannelRegistry } from './registry.js';
import { ServerClock } from './server-time.js';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected';

export interface Disconnect {
  code: number;
  reason: string;
}

export interface EventsOptions {
  /** WebSocket endpoint, e.g. `ws://127.0.0.1:8000/connection/websocket`. */
  url?: string;
  /** Transport fallback list instead of `url` (websocket, http_stream, sse). */
  transports?: TransportEndpoint[];
  /** Called when a token is missing or expired: return '' to connect anonymously, throw
   * centrifuge's UnauthorizedError to stop. */
  getToken?: () => Promise<string>;
  token?: string;
  /** 'protobuf' loads centrifuge/build/protobuf (binary frames); default 'json'. */
  protocol?: 'json' | 'protobuf';
  /** Client name sent on connect (default 'neo-portal'). */
  name?: string;
  version?: string;
  /** Connect as soon as the client exists (default true). */
  autoConnect?: boolean;
  debug?: boolean;
  /** Any other centrifuge-js option (minReconnectDelay, timeout, ...). */
  clientOptions?: Partial<Options>;
  /** Creates the client (tests pass a fake); default `new Centrifuge(endpoint, options)`. */
  clientFactory?: (endpoint: string | TransportEndpoint[], options: Partial<Options>) => Centrifuge;
  /** Server-side rendering: nothing is created. Default: no `window` (checked when called). */
  ssr?: boolean;
}

export interface EventsContext {
  /** True on the server or without the plugin: every composable then returns inert state. */
  readonly inert: boolean;
  readonly client: ShallowRef<Centrifuge | null>;
  readonly state: ShallowRef<ConnectionState>;
  readonly error: ShallowRef<Disconnect | null>;
  readonly lastDisconnect: ShallowRef<Disconnect | null>;
  readonly registry: ChannelRegistry;
  readonly serverTime: ServerClock;
}

export interface EventsPlugin {
  install(app: App): void;
  readonly context: EventsContext;
}

export const EVENTS_KEY: InjectionKey<EventsContext> = Symbol('neo-events');

function baseContext(inert: boolean): EventsContext {
  return {
    inert,
    client: shallowRef(null),
    state: shallowRef('disconnected'),
    error: shallowRef(null),
    lastDisconnect: shallowRef(null),
    registry: new ChannelRegistry(),
    serverTime: new ServerClock(),
  };
}

function clientOptions(o: EventsOptions): Partial<Options> {
  const options: Partial<Options> = { ...o.clientOptions, name: o.name ?? 'neo-portal' };
  if (o.version) options.version = o.version;
  if (o.token) options.token = o.token;
  if (o.debug) options.debug = true;
  const getToken = o.getToken;
  if (getToken) options.getToken = () => getToken();
  return options;
}

async function newClient(o: EventsOptions): Promise<Centrifuge> {
  const endpoint = o.transports ?? o.url;
  if (!endpoint) throw new Error('createEvents: give `url` or `transports`');
  const options = clientOptions(o);
  if (o.clientFactory) return o.clientFactory(endpoint, options);
  if (o.protocol === 'protobuf') {
    const protobuf = await import('centrifuge/build/protobuf');
    return new protobuf.Centrifuge(endpoint, options) as unknown as Centrifuge;
  }
  return new Centrifuge(endpoint, options);
}

function wire(context: EventsContext, client: Centrifuge, autoConnect: boolean): void {
  const raw = markRaw(client);
  raw.on('state', (ctx) => (context.state.value = ctx.newState as ConnectionState));
  raw.on('connecting', (ctx) => {
    if (ctx.code !== 0) context.lastDisconnect.value = { code: ctx.code, reason: ctx.reason };
  });
  raw.on('connected', () => (context.error.value = null));
  raw.on('disconnected', (ctx) => (context.lastDisconnect.value = { code: ctx.code, reason: ctx.reason }));
  raw.on('error', (ctx) => (context.error.value = { code: ctx.error.code, reason: ctx.error.message }));
  context.client.value = raw;
  context.state.value = raw.state as ConnectionState;
  context.registry.attach(raw);
  context.serverTime.attach(raw);
  if (autoConnect) raw.connect();
}

/** The plugin: `app.use(createEvents({...}))`, or `nuxtApp.vueApp.use(...)` in a Nuxt
 * `plugins/events.client.ts`. On the server (no window, or `ssr: true`) it creates nothing. */
export function createEvents(options: EventsOptions): EventsPlugin {
  const ssr = options.ssr ?? typeof window === 'undefined';
  const context = baseContext(ssr);
  if (!ssr) {
    const autoConnect = options.autoConnect ?? true;
    if (options.clientFactory && options.protocol !== 'protobuf') {
      wire(
        context,
        options.clientFactory(options.transports ?? options.url ?? '', clientOptions(options)),
        autoConnect,
      );
    } else {
      newClient(options).then(
        (client) => wire(context, client, autoConnect),
        (e: Error) => (context.error.value = { code: 0, reason: e.message }),
      );
    }
  }
  return {
    context,
    install(app) {
      app.provide(EVENTS_KEY, context);
    },
  };
}

let inertContext: EventsContext | null = null;

/** The app's context, or an inert one (server side, or the plugin not installed). */
export function useEventsContext(): EventsContext {
  const provided = hasInjectionContext() ? inject(EVENTS_KEY, null) : null;
  if (provided) return provided;
  inertContext ??= baseContext(true);
  return inertContext;
}
