import { Inject, Injectable } from '@nestjs/common';
import type { PageRead } from '../common/http/pagination.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import type { CreateUsageAlertDto, UsageAlertResponse } from './usage-alert.dto.js';
import { USAGE_ALERT_READS, UsageAlertsRepository, type UsageAlertRow } from './usage-alerts.repository.js';
import { alertCustomerNotFound, alertMeterNotFound, usageAlertNotFound } from './notifications.errors.js';

const toResponse = (row: UsageAlertRow): UsageAlertResponse => ({ ...row, createdAt: new Date(row.createdAt).toISOString() });

@Injectable()
export class UsageAlertsService {
  constructor(
    private readonly alerts: UsageAlertsRepository,
    @Inject(USAGE_ALERT_READS) private readonly alertReads: UsageAlertsRepository,
    private readonly reads: RequestReadsDatabase,
  ) {}

  async create(input: CreateUsageAlertDto): Promise<UsageAlertResponse> {
    const { alert, meterFound, customerFound } = await this.alerts.insert(input);
    if (!meterFound) throw alertMeterNotFound(input.meter);
    if (!customerFound || !alert) throw alertCustomerNotFound(input.customerId ?? '');
    return toResponse(alert);
  }

  /** `limit` alerts by id after `after`, on the request-reads pool: it may lag by its `asOf` (docs/read-routing.md). */
  list(after: string | undefined, limit: number): Promise<PageRead<UsageAlertResponse>> {
    return this.reads.readPage(async () => (await this.alertReads.list(after, limit)).map(toResponse));
  }

  async delete(id: string): Promise<void> {
    if (!(await this.alerts.delete(id))) throw usageAlertNotFound(id);
  }
}
