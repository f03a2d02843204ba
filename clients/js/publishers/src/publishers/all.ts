import type { EventClient } from '../client.js';
import { ActivityPublisher } from './activity.js';
import { BillingPublisher } from './billing.js';
import { DeploymentPublisher } from './deployment.js';
import { MonitoringPublisher } from './monitoring.js';
import { NotificationPublisher } from './notification.js';
import { PresencePublisher } from './presence.js';

/** One of each publisher, sharing `client`. */
export interface Publishers {
  deployments: DeploymentPublisher;
  billing: BillingPublisher;
  monitoring: MonitoringPublisher;
  notifications: NotificationPublisher;
  presence: PresencePublisher;
  activity: ActivityPublisher;
}

/** One of each publisher over one shared EventClient. */
export function createPublishers(client: EventClient): Publishers {
  return {
    deployments: new DeploymentPublisher(client),
    billing: new BillingPublisher(client),
    monitoring: new MonitoringPublisher(client),
    notifications: new NotificationPublisher(client),
    presence: new PresencePublisher(client),
    activity: new ActivityPublisher(client),
  };
}
