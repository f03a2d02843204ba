import { type Alert, CHANNELS, type MetricsUpdate } from '@neo-events/catalogue';
import { BasePublisher, type PublishedEvent } from './base.js';

export type Severity = Alert['severity'];
export type Metrics = MetricsUpdate['metrics'];

/**
 * Monitoring events: a tenant's alerts (`tenant:{tenantId}:monitoring`) and dashboard metrics
 * (`tenant:{tenantId}:dashboard`), the admin feeds `admin:metrics` and `admin:alerts`, and the
 * event service's own figures on `system:metrics`.
 */
export class MonitoringPublisher extends BasePublisher {
  /** An `alert` on `tenant:{tenantId}:monitoring`. */
  publishAlert(
    tenantId: string,
    severity: Severity,
    message: string,
    metadata?: Record<string, unknown>,
  ): Promise<PublishedEvent<Alert>> {
    return this.publishTo(CHANNELS.TENANT_MONITORING, [['tenantId', tenantId]], {
      type: 'alert',
      severity,
      message,
      metadata,
    });
  }

  /** A `metrics_update` on the tenant's dashboard, `tenant:{tenantId}:dashboard`. */
  publishMetricsUpdate(tenantId: string, metrics: Metrics): Promise<PublishedEvent<MetricsUpdate>> {
    return this.publishTo(CHANNELS.TENANT_DASHBOARD, [['tenantId', tenantId]], { type: 'metrics_update', metrics });
  }

  /** A platform-wide `metrics_update` on `admin:metrics` (with `tenantId` when it concerns one tenant). */
  publishGlobalMetrics(metrics: Metrics, tenantId?: string): Promise<PublishedEvent<MetricsUpdate>> {
    return this.publishTo(CHANNELS.ADMIN_METRICS, [], { type: 'metrics_update', metrics, tenantId }, [
      ['tenantId', tenantId],
    ]);
  }

  /** The event service's own figures (connections, subscriptions, channels, nodes) on `system:metrics`. */
  publishSystemMetrics(metrics: Metrics): Promise<PublishedEvent<MetricsUpdate>> {
    return this.publishTo(CHANNELS.SYSTEM_METRICS, [], { type: 'metrics_update', metrics });
  }

  /** A tenant's `alert` on the admin feed `admin:alerts`, with `tenantId`. */
  publishGlobalAlert(
    tenantId: string,
    severity: Severity,
    message: string,
    metadata?: Record<string, unknown>,
  ): Promise<PublishedEvent<Alert>> {
    return this.publishTo(CHANNELS.ADMIN_ALERTS, [], { type: 'alert', severity, message, metadata, tenantId }, [
      ['tenantId', tenantId],
    ]);
  }
}

/** The seeds' name for the monitoring publisher. */
export const MetricsPublisher = MonitoringPublisher;
export type MetricsPublisher = MonitoringPublisher;
