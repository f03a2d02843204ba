import { CHANNELS, type TenantActivity } from '@neo-events/catalogue';
import { BasePublisher, type PublishedEvent } from './base.js';

/** `tenant_activity` for the admin feed `admin:tenants` (the catalogue's `admin` publisher). */
export class ActivityPublisher extends BasePublisher {
  publishTenantActivity(
    tenantId: string,
    activity: string,
    userId?: string,
    details?: Record<string, unknown>,
  ): Promise<PublishedEvent<TenantActivity>> {
    return this.publishTo(
      CHANNELS.ADMIN_TENANTS,
      [],
      { type: 'tenant_activity', tenantId, activity, userId, details },
      [
        ['tenantId', tenantId],
        ['userId', userId],
      ],
    );
  }
}
