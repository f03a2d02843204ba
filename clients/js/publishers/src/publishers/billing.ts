import { CHANNELS, type InvoiceEvent, type UsageUpdate } from '@neo-events/catalogue';
import { BasePublisher, type PublishedEvent } from './base.js';

export type InvoiceEventKind = InvoiceEvent['event'];

/** Billing events on `tenant:{tenantId}:billing`. */
export class BillingPublisher extends BasePublisher {
  /** An `invoice_event`: an invoice was created, paid, failed or refunded. */
  publishInvoiceEvent(
    tenantId: string,
    invoiceId: string,
    event: InvoiceEventKind,
    amount: number,
  ): Promise<PublishedEvent<InvoiceEvent>> {
    return this.publishTo(CHANNELS.TENANT_BILLING, [['tenantId', tenantId]], {
      type: 'invoice_event',
      invoiceId,
      event,
      amount,
    });
  }

  /** A `usage_update`, with `percentage` = usage / limit * 100 (limit must be > 0). */
  publishUsageUpdate(
    tenantId: string,
    resource: string,
    usage: number,
    limit: number,
  ): Promise<PublishedEvent<UsageUpdate>> {
    return this.publishTo(CHANNELS.TENANT_BILLING, [['tenantId', tenantId]], {
      type: 'usage_update',
      resource,
      usage,
      limit,
      percentage: (usage / limit) * 100,
    });
  }
}
