import { Inject, Injectable } from '@nestjs/common';
import type { PageRead } from '../common/http/pagination.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import type { DeliveryState } from './notification-delivery.entity.js';
import { NOTIFICATION_DELIVERY_READS, NotificationDeliveriesRepository, type DeliveryLogEntry } from './notification-deliveries.repository.js';
import { notificationNotFound } from './notifications.errors.js';

@Injectable()
export class NotificationsService {
  constructor(
    private readonly deliveries: NotificationDeliveriesRepository,
    @Inject(NOTIFICATION_DELIVERY_READS) private readonly deliveryReads: NotificationDeliveriesRepository,
    private readonly reads: RequestReadsDatabase,
  ) {}

  /** The delivery log, newest first, on the request-reads pool: it may lag by its `asOf` (docs/read-routing.md). */
  log(filter: { endpointId?: string; state?: DeliveryState; before?: string; limit: number }): Promise<PageRead<DeliveryLogEntry>> {
    return this.reads.readPage(() => this.deliveryReads.list(filter));
  }

  /** The newest `limit` deliveries, for the console, on the primary (it shows them right after its own redeliver). */
  newest(limit: number): Promise<DeliveryLogEntry[]> {
    return this.deliveries.list({ limit });
  }

  async redeliver(id: string): Promise<DeliveryLogEntry> {
    const entry = /^\d{1,18}$/.test(id) ? await this.deliveries.redeliver(id) : null;
    if (!entry) throw notificationNotFound(id);
    return entry;
  }
}
