// @neo-events/vue: Vue 3 / Nuxt composables for neo-events (see README.md).
export { createEvents, useEventsContext, EVENTS_KEY } from './context.js';
export type { ConnectionState, Disconnect, EventsContext, EventsOptions, EventsPlugin } from './context.js';
export { useChannel, useEvents, usePresence, useServerTime } from './composables.js';
export type {
  PresenceUser,
  UseChannel,
  UseChannelOptions,
  UseEvents,
  UsePresence,
  UseServerTime,
} from './composables.js';
export type { ChannelError, ChannelOptions, SubscriptionStateName } from './registry.js';
export { bestSample } from './server-time.js';
export type { TimeSample } from './server-time.js';
export {
  channelOf,
  useBillingEvents,
  useCatalogueEvents,
  useDeploymentEvents,
  useMetricsEvents,
  useNotifications,
  usePresenceEvents,
} from './catalogue.js';
export type { CatalogueEvents, ChannelEvent } from './catalogue.js';
