import { Injectable } from '@nestjs/common';
import type { CreateUsageAlertDto, UsageAlertResponse } from './usage-alert.dto.js';
import { UsageAlertsRepository, type UsageAlertRow } from './usage-alerts.repository.js';
import { alertCustomerNotFound, alertMeterNotFound, usageAlertNotFound } from './notifications.errors.js';

const toResponse = (row: UsageAlertRow): UsageAlertResponse => ({ ...row, createdAt: new Date(row.createdAt).toISOString() });

@Injectable()
export class UsageAlertsService {
  constructor(private readonly alerts: UsageAlertsRepository) {}

  async create(input: CreateUsageAlertDto): Promise<UsageAlertResponse> {
    const { alert, meterFound, customerFound } = await this.alerts.insert(input);
    if (!meterFound) throw alertMeterNotFound(input.meter);
    if (!customerFound || !alert) throw alertCustomerNotFound(input.customerId ?? '');
    return toResponse(alert);
  }

  async list(after: string | undefined, limit: number): Promise<UsageAlertResponse[]> {
    return (await this.alerts.list(after, limit)).map(toResponse);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.alerts.delete(id))) throw usageAlertNotFound(id);
  }
}
