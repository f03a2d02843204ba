import { CHANNELS, type Notification } from '../generated/events.js';
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
    return this.publishTo(CHANNELS.TENANT_NOTIFICATIONS, [['tenantId', tenantId]], {
      type: 'notification',
      title,
      message,
      level,
      link,
    });
  }

  publishUserNotification(
    userId: string,
    title: string,
    message: string,
    level: NotificationLevel = 'info',
    link?: string,
  ): Promise<PublishedEvent<Notification>> {
    return this.publishTo(CHANNELS.USER_NOTIFICATIONS, [['userId', userId]], {
      type: 'notification',
      title,
      message,
      level,
      link,
    });
  }
}
