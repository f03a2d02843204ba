import { CHANNELS, type Notification } from '@neo-events/catalogue';
import { BasePublisher, type PublishedEvent } from './base.js';

export type NotificationLevel = Notification['level'];

/** `notification`s for everyone of a tenant (`tenant:{tenantId}:notifications`) or one user (`user:{userId}:notifications`). */
export class NotificationPublisher extends BasePublisher {
  publishTenantNotification(
    tenantId: string,
    title: string,
    message: string,
    level: NotificationLevel = 'info',
    link?: string,
  ): Promise<PublishedEvent<Notification>> {
    return this.notify(CHANNELS.TENANT_NOTIFICATIONS, ['tenantId', tenantId], { title, message, level, link });
  }

  publishUserNotification(
    userId: string,
    title: string,
    message: string,
    level: NotificationLevel = 'info',
    link?: string,
  ): Promise<PublishedEvent<Notification>> {
    return this.notify(CHANNELS.USER_NOTIFICATIONS, ['userId', userId], { title, message, level, link });
  }

  private notify(
    pattern: typeof CHANNELS.TENANT_NOTIFICATIONS | typeof CHANNELS.USER_NOTIFICATIONS,
    id: readonly [name: string, value: string],
    fields: Omit<Notification, 'type' | 'timestamp'>,
  ): Promise<PublishedEvent<Notification>> {
    return this.publishTo(pattern, [id], { type: 'notification', ...fields });
  }
}
