import { CHANNELS, type DeploymentLog, type DeploymentUpdate } from '@neo-events/catalogue';
import { BasePublisher, type PublishedEvent } from './base.js';

export type DeploymentStatus = DeploymentUpdate['status'];
export type LogLevel = DeploymentLog['level'];

export interface DeploymentUpdateOptions {
  tenantId: string;
  deploymentId: string;
  status: DeploymentStatus;
  /** Free-form details (instance type, version, error, ...). */
  data?: Record<string, unknown>;
  /** Completion in percent, 0-100. */
  progress?: number;
}

/** Deployment events on `tenant:{tenantId}:deployments`. */
export class DeploymentPublisher extends BasePublisher {
  /** A `deployment_update`: status changed or progressed. */
  publishDeploymentUpdate(options: DeploymentUpdateOptions): Promise<PublishedEvent<DeploymentUpdate>>;
  publishDeploymentUpdate(
    tenantId: string,
    deploymentId: string,
    status: DeploymentStatus,
    data?: Record<string, unknown>,
    progress?: number,
  ): Promise<PublishedEvent<DeploymentUpdate>>;
  publishDeploymentUpdate(
    first: string | DeploymentUpdateOptions,
    deploymentId?: string,
    status?: DeploymentStatus,
    data?: Record<string, unknown>,
    progress?: number,
  ): Promise<PublishedEvent<DeploymentUpdate>> {
    const o: DeploymentUpdateOptions =
      typeof first === 'object' && first !== null
        ? first
        : { tenantId: first, deploymentId: deploymentId!, status: status!, data, progress };
    return this.publishTo(CHANNELS.TENANT_DEPLOYMENTS, [['tenantId', o.tenantId]], {
      type: 'deployment_update',
      deploymentId: o.deploymentId,
      status: o.status,
      progress: o.progress,
      data: o.data,
    });
  }

  /** A `deployment_log` line. */
  publishDeploymentLog(
    tenantId: string,
    deploymentId: string,
    log: string,
    level: LogLevel = 'info',
  ): Promise<PublishedEvent<DeploymentLog>> {
    return this.publishTo(CHANNELS.TENANT_DEPLOYMENTS, [['tenantId', tenantId]], {
      type: 'deployment_log',
      deploymentId,
      log,
      level,
    });
  }

  /** A deployment starts: `deployment_update` with status `starting`, progress 0 and `data.instanceType`. */
  publishStart(
    tenantId: string,
    deploymentId: string,
    instanceType: string,
  ): Promise<PublishedEvent<DeploymentUpdate>> {
    return this.publishDeploymentUpdate({
      tenantId,
      deploymentId,
      status: 'starting',
      progress: 0,
      data: { instanceType },
    });
  }
}
