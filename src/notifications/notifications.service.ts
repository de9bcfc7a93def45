import { Injectable } from '@nestjs/common';
import type { DeliveryState } from './notification-delivery.entity.js';
import { NotificationDeliveriesRepository, type DeliveryLogEntry } from './notification-deliveries.repository.js';
import { notificationNotFound } from './notifications.errors.js';

@Injectable()
export class NotificationsService {
  constructor(private readonly deliveries: NotificationDeliveriesRepository) {}

  log(filter: { endpointId?: string; state?: DeliveryState; before?: string; limit: number }): Promise<DeliveryLogEntry[]> {
    return this.deliveries.list(filter);
  }

  async redeliver(id: string): Promise<DeliveryLogEntry> {
    const entry = /^\d{1,18}$/.test(id) ? await this.deliveries.redeliver(id) : null;
    if (!entry) throw notificationNotFound(id);
    return entry;
  }
}
