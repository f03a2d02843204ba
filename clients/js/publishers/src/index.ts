export { EventClient } from './client.js';
export type { EventClientOptions, PublishOptions, PublishResult, RetryInfo } from './client.js';
export { EventError } from './errors.js';
export type { EventErrorDetails, EventErrorKind } from './errors.js';
export { backoffDelay, parseRetryAfter, MAX_RETRY_AFTER_MS } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { catalogueEntry, channelFor, checkCatalogue, checkChannelName, checkId } from './channels.js';
export type { ChannelIds } from './channels.js';
export { schemaProblems, validateEvent } from './validate.js';
export type { SchemaNode } from './validate.js';

export { BasePublisher } from './publishers/base.js';
export type { EventInput, PublishedEvent, PublishFailure, PublisherEvents } from './publishers/base.js';
export { DeploymentPublisher } from './publishers/deployment.js';
export type { DeploymentStatus, DeploymentUpdateOptions, LogLevel } from './publishers/deployment.js';
export { BillingPublisher } from './publishers/billing.js';
export type { InvoiceEventKind } from './publishers/billing.js';
export { MetricsPublisher, MonitoringPublisher } from './publishers/monitoring.js';
export type { Metrics, Severity } from './publishers/monitoring.js';
export { NotificationPublisher } from './publishers/notification.js';
export type { NotificationLevel } from './publishers/notification.js';
export { PresencePublisher } from './publishers/presence.js';
export type { PresenceStatus } from './publishers/presence.js';
export { ActivityPublisher } from './publishers/activity.js';
export { createPublishers } from './publishers/all.js';
export type { Publishers } from './publishers/all.js';

export * from '@neo-events/catalogue';
