// GENERATED FILE, do not edit. Written by clients/js/publishers/scripts/generate.mjs from
// schemas/catalogue.json and schemas/events/*.schema.json: change the schemas, then run
// `npm run generate` (a unit test fails while this file differs from what the generator writes).

/**
 * A deployment changed status or progressed (deployer, channel tenant:{id}:deployments).
 *
 * Schema: `schemas/events/deployment_update.schema.json`.
 */
export interface DeploymentUpdate {
  /** Event type discriminator. */
  type: 'deployment_update';
  /**
   * Deployment identifier.
   *
   * @minLength 1
   * @maxLength 128
   */
  deploymentId: string;
  /** Lifecycle status. */
  status: 'starting' | 'running' | 'completed' | 'failed';
  /**
   * Completion in percent.
   *
   * @minimum 0
   * @maximum 100
   */
  progress?: number;
  /** Free-form details (instance type, version, error, ...). */
  data?: {
    [key: string]: unknown;
  };
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/**
 * One log line of a deployment (deployer, channel tenant:{id}:deployments).
 *
 * Schema: `schemas/events/deployment_log.schema.json`.
 */
export interface DeploymentLog {
  /** Event type discriminator. */
  type: 'deployment_log';
  /**
   * Deployment identifier.
   *
   * @minLength 1
   * @maxLength 128
   */
  deploymentId: string;
  /**
   * The log line.
   *
   * @maxLength 16384
   */
  log: string;
  /** Severity of the line. */
  level: 'info' | 'warning' | 'error';
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/**
 * An invoice was created, paid, failed or refunded (billing, channel tenant:{id}:billing).
 *
 * Schema: `schemas/events/invoice_event.schema.json`.
 */
export interface InvoiceEvent {
  /** Event type discriminator. */
  type: 'invoice_event';
  /**
   * Invoice identifier.
   *
   * @minLength 1
   * @maxLength 128
   */
  invoiceId: string;
  /** What happened to the invoice. */
  event: 'created' | 'paid' | 'failed' | 'refunded';
  /**
   * Invoice amount in the tenant's currency.
   *
   * @minimum 0
   */
  amount: number;
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/**
 * Resource usage against its limit (billing, channel tenant:{id}:billing).
 *
 * Schema: `schemas/events/usage_update.schema.json`.
 */
export interface UsageUpdate {
  /** Event type discriminator. */
  type: 'usage_update';
  /**
   * Metered resource (cpu_hours, storage_gb, ...).
   *
   * @minLength 1
   * @maxLength 128
   */
  resource: string;
  /**
   * Amount used.
   *
   * @minimum 0
   */
  usage: number;
  /**
   * Amount allowed.
   *
   * @exclusiveMinimum 0
   */
  limit: number;
  /**
   * usage / limit * 100 (may exceed 100 when over the limit).
   *
   * @minimum 0
   */
  percentage: number;
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/**
 * An alert raised by monitoring (channels tenant:{id}:monitoring, admin:alerts with tenantId).
 *
 * Schema: `schemas/events/alert.schema.json`.
 */
export interface Alert {
  /** Event type discriminator. */
  type: 'alert';
  /** How serious the alert is. */
  severity: 'info' | 'warning' | 'error' | 'critical';
  /**
   * Human-readable text.
   *
   * @minLength 1
   * @maxLength 4096
   */
  message: string;
  /** Free-form context (metric, threshold, host, ...). */
  metadata?: {
    [key: string]: unknown;
  };
  /**
   * Tenant the event concerns; set on the admin channels.
   *
   * @minLength 1
   * @maxLength 128
   */
  tenantId?: string;
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/**
 * A snapshot of named numeric metrics (channels tenant:{id}:dashboard, tenant:{id}:metrics, admin:metrics).
 *
 * Schema: `schemas/events/metrics_update.schema.json`.
 */
export interface MetricsUpdate {
  /** Event type discriminator. */
  type: 'metrics_update';
  /** Metric name to value. */
  metrics: {
    [key: string]: number;
  };
  /**
   * Tenant the event concerns; set on the admin channels.
   *
   * @minLength 1
   * @maxLength 128
   */
  tenantId?: string;
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/**
 * A message for people (channels tenant:{id}:notifications, user:{id}:notifications).
 *
 * Schema: `schemas/events/notification.schema.json`.
 */
export interface Notification {
  /** Event type discriminator. */
  type: 'notification';
  /**
   * Short headline.
   *
   * @minLength 1
   * @maxLength 256
   */
  title: string;
  /**
   * Body text.
   *
   * @maxLength 4096
   */
  message: string;
  /** How it is shown. */
  level: 'info' | 'success' | 'warning' | 'error';
  /**
   * Optional URL or portal route to open.
   *
   * @maxLength 2048
   */
  link?: string;
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/**
 * Something a tenant did, for the admin feed (channels admin:tenants, tenant:{id}:activity).
 *
 * Schema: `schemas/events/tenant_activity.schema.json`.
 */
export interface TenantActivity {
  /** Event type discriminator. */
  type: 'tenant_activity';
  /**
   * Tenant that acted.
   *
   * @minLength 1
   * @maxLength 128
   */
  tenantId: string;
  /**
   * What happened (user_login, deployment_started, plan_changed, ...).
   *
   * @minLength 1
   * @maxLength 128
   */
  activity: string;
  /**
   * User who acted, when known.
   *
   * @minLength 1
   * @maxLength 128
   */
  userId?: string;
  /** Free-form context. */
  details?: {
    [key: string]: unknown;
  };
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/**
 * A user's status as the platform knows it (presence service, channel tenant:{id}:presence). Connection-level presence is the server's own presence/join/leave.
 *
 * Schema: `schemas/events/presence_update.schema.json`.
 */
export interface PresenceUpdate {
  /** Event type discriminator. */
  type: 'presence_update';
  /**
   * User whose status changed.
   *
   * @minLength 1
   * @maxLength 128
   */
  userId: string;
  /** New status. */
  status: 'online' | 'away' | 'busy' | 'offline';
  /** Free-form details (name, avatar, current page, ...). */
  info?: {
    [key: string]: unknown;
  };
  /**
   * When the event happened: RFC 3339 / ISO 8601 in UTC, ending in 'Z' (e.g. 2026-12-05T10:00:00.000Z).
   *
   * @maxLength 64
   * @format date-time
   */
  timestamp: string;
}

/** Every catalogue event type, in catalogue order. */
export const EVENT_TYPES = [
  'deployment_update',
  'deployment_log',
  'invoice_event',
  'usage_update',
  'alert',
  'metrics_update',
  'notification',
  'tenant_activity',
  'presence_update',
] as const;

/** A catalogue event type. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Each event type to its interface. */
export interface EventMap {
  deployment_update: DeploymentUpdate;
  deployment_log: DeploymentLog;
  invoice_event: InvoiceEvent;
  usage_update: UsageUpdate;
  alert: Alert;
  metrics_update: MetricsUpdate;
  notification: Notification;
  tenant_activity: TenantActivity;
  presence_update: PresenceUpdate;
}

/** Any catalogue event. */
export type CatalogueEvent =
  | DeploymentUpdate
  | DeploymentLog
  | InvoiceEvent
  | UsageUpdate
  | Alert
  | MetricsUpdate
  | Notification
  | TenantActivity
  | PresenceUpdate;

/**
 * The channel table of schemas/catalogue.json: which event types may be published on which
 * channels. In a pattern '*' matches any run of characters; the first entry whose pattern
 * matches a channel decides.
 */
export const CATALOGUE_CHANNELS = [
  {
    pattern: 'tenant:*:deployments',
    types: ['deployment_update', 'deployment_log'],
    publisher: 'deployment',
  },
  { pattern: 'tenant:*:billing', types: ['invoice_event', 'usage_update'], publisher: 'billing' },
  { pattern: 'tenant:*:monitoring', types: ['alert'], publisher: 'monitoring' },
  { pattern: 'tenant:*:dashboard', types: ['metrics_update'], publisher: 'monitoring' },
  { pattern: 'tenant:*:metrics', types: ['metrics_update'], publisher: 'monitoring' },
  { pattern: 'tenant:*:notifications', types: ['notification'], publisher: 'notification' },
  { pattern: 'tenant:*:activity', types: ['tenant_activity'], publisher: 'admin' },
  { pattern: 'tenant:*:presence', types: ['presence_update'], publisher: 'presence' },
  { pattern: 'user:*:notifications', types: ['notification'], publisher: 'notification' },
  { pattern: 'admin:metrics', types: ['metrics_update'], publisher: 'monitoring' },
  { pattern: 'admin:alerts', types: ['alert'], publisher: 'monitoring' },
  { pattern: 'admin:tenants', types: ['tenant_activity'], publisher: 'admin' },
  { pattern: 'system:metrics', types: ['metrics_update'], publisher: 'monitoring' },
  { pattern: 'system:alerts', types: ['alert'], publisher: 'monitoring' },
] as const;

/** A channel pattern of the catalogue. */
export type ChannelPattern = (typeof CATALOGUE_CHANNELS)[number]['pattern'];

/** Each channel pattern to the event types allowed on it. */
export interface ChannelTypes {
  'tenant:*:deployments': 'deployment_update' | 'deployment_log';
  'tenant:*:billing': 'invoice_event' | 'usage_update';
  'tenant:*:monitoring': 'alert';
  'tenant:*:dashboard': 'metrics_update';
  'tenant:*:metrics': 'metrics_update';
  'tenant:*:notifications': 'notification';
  'tenant:*:activity': 'tenant_activity';
  'tenant:*:presence': 'presence_update';
  'user:*:notifications': 'notification';
  'admin:metrics': 'metrics_update';
  'admin:alerts': 'alert';
  'admin:tenants': 'tenant_activity';
  'system:metrics': 'metrics_update';
  'system:alerts': 'alert';
}

/** A name for each channel pattern, so code refers to a pattern without spelling it. */
export const CHANNELS = {
  TENANT_DEPLOYMENTS: 'tenant:*:deployments',
  TENANT_BILLING: 'tenant:*:billing',
  TENANT_MONITORING: 'tenant:*:monitoring',
  TENANT_DASHBOARD: 'tenant:*:dashboard',
  TENANT_METRICS: 'tenant:*:metrics',
  TENANT_NOTIFICATIONS: 'tenant:*:notifications',
  TENANT_ACTIVITY: 'tenant:*:activity',
  TENANT_PRESENCE: 'tenant:*:presence',
  USER_NOTIFICATIONS: 'user:*:notifications',
  ADMIN_METRICS: 'admin:metrics',
  ADMIN_ALERTS: 'admin:alerts',
  ADMIN_TENANTS: 'admin:tenants',
  SYSTEM_METRICS: 'system:metrics',
  SYSTEM_ALERTS: 'system:alerts',
} as const;

/** The event schemas as data for the runtime validator (descriptions and examples left out). */
export const EVENT_SCHEMAS = {
  deployment_update: {
    type: 'object',
    properties: {
      type: { const: 'deployment_update' },
      deploymentId: { type: 'string', minLength: 1, maxLength: 128 },
      status: { enum: ['starting', 'running', 'completed', 'failed'] },
      progress: { type: 'number', minimum: 0, maximum: 100 },
      data: { type: 'object' },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'deploymentId', 'status', 'timestamp'],
    additionalProperties: false,
  },
  deployment_log: {
    type: 'object',
    properties: {
      type: { const: 'deployment_log' },
      deploymentId: { type: 'string', minLength: 1, maxLength: 128 },
      log: { type: 'string', maxLength: 16384 },
      level: { enum: ['info', 'warning', 'error'] },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'deploymentId', 'log', 'level', 'timestamp'],
    additionalProperties: false,
  },
  invoice_event: {
    type: 'object',
    properties: {
      type: { const: 'invoice_event' },
      invoiceId: { type: 'string', minLength: 1, maxLength: 128 },
      event: { enum: ['created', 'paid', 'failed', 'refunded'] },
      amount: { type: 'number', minimum: 0 },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'invoiceId', 'event', 'amount', 'timestamp'],
    additionalProperties: false,
  },
  usage_update: {
    type: 'object',
    properties: {
      type: { const: 'usage_update' },
      resource: { type: 'string', minLength: 1, maxLength: 128 },
      usage: { type: 'number', minimum: 0 },
      limit: { type: 'number', exclusiveMinimum: 0 },
      percentage: { type: 'number', minimum: 0 },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'resource', 'usage', 'limit', 'percentage', 'timestamp'],
    additionalProperties: false,
  },
  alert: {
    type: 'object',
    properties: {
      type: { const: 'alert' },
      severity: { enum: ['info', 'warning', 'error', 'critical'] },
      message: { type: 'string', minLength: 1, maxLength: 4096 },
      metadata: { type: 'object' },
      tenantId: { type: 'string', minLength: 1, maxLength: 128 },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'severity', 'message', 'timestamp'],
    additionalProperties: false,
  },
  metrics_update: {
    type: 'object',
    properties: {
      type: { const: 'metrics_update' },
      metrics: { type: 'object', additionalProperties: { type: 'number' } },
      tenantId: { type: 'string', minLength: 1, maxLength: 128 },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'metrics', 'timestamp'],
    additionalProperties: false,
  },
  notification: {
    type: 'object',
    properties: {
      type: { const: 'notification' },
      title: { type: 'string', minLength: 1, maxLength: 256 },
      message: { type: 'string', maxLength: 4096 },
      level: { enum: ['info', 'success', 'warning', 'error'] },
      link: { type: 'string', maxLength: 2048 },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'title', 'message', 'level', 'timestamp'],
    additionalProperties: false,
  },
  tenant_activity: {
    type: 'object',
    properties: {
      type: { const: 'tenant_activity' },
      tenantId: { type: 'string', minLength: 1, maxLength: 128 },
      activity: { type: 'string', minLength: 1, maxLength: 128 },
      userId: { type: 'string', minLength: 1, maxLength: 128 },
      details: { type: 'object' },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'tenantId', 'activity', 'timestamp'],
    additionalProperties: false,
  },
  presence_update: {
    type: 'object',
    properties: {
      type: { const: 'presence_update' },
      userId: { type: 'string', minLength: 1, maxLength: 128 },
      status: { enum: ['online', 'away', 'busy', 'offline'] },
      info: { type: 'object' },
      timestamp: { type: 'string', format: 'date-time', maxLength: 64 },
    },
    required: ['type', 'userId', 'status', 'timestamp'],
    additionalProperties: false,
  },
} as const;
