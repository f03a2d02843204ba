import { CHANNELS, type PresenceUpdate } from '@neo-events/catalogue';
import { BasePublisher, type PublishedEvent } from './base.js';

export type PresenceStatus = PresenceUpdate['status'];

/** `presence_update`s (a user's status as the platform knows it) on `tenant:{tenantId}:presence`. */
export class PresencePublisher extends BasePublisher {
  publishPresenceUpdate(
    tenantId: string,
    userId: string,
    status: PresenceStatus,
    info?: Record<string, unknown>,
  ): Promise<PublishedEvent<PresenceUpdate>> {
    return this.publishTo(
      CHANNELS.TENANT_PRESENCE,
      [['tenantId', tenantId]],
      {
        type: 'presence_update',
        userId,
        status,
        info,
      },
      [['userId', userId]],
    );
  }
}
