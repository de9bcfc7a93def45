import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { INSTANT_FORMAT_PROBLEM, parseInstant } from '../metering/usage-timestamp.js';
import { customerNotFound } from '../customers/customers.errors.js';
import { meterNotFound } from '../metering/metering.errors.js';
import { UsageTotalsErrors } from './usage-totals.errors.js';
import { windowSplitsRollup } from '../retention/usage-window-buckets.js';
import type { CustomerUsageResponse, UsageTotalsQuery } from './usage-totals.dto.js';
import { UsageTotalsRepository, type UsageTotalsFilter } from './usage-totals.repository.js';
import { CommonErrors } from '../common/errors/common.errors.js';

/**
 * Totals are summed from the events themselves, so the cost of a window grows with it; 93 days
 * cover any monthly period and a quarter. Longer windows wait for daily rollups.
 */
export const MAX_WINDOW_DAYS = 93;
const MAX_WINDOW_MS = MAX_WINDOW_DAYS * 24 * 60 * 60 * 1000;

function invalidWindow(field: string, problem: string): DomainError {
  return new DomainError(CommonErrors.VALIDATION_FAILED, 'The usage window is invalid', [{ field, problems: [problem] }]);
}

/** The window of `from`/`to`: both or neither, each ISO-8601 with an offset or unix seconds, from before to. */
export function usageWindow(query: UsageTotalsQuery): Pick<UsageTotalsFilter, 'from' | 'to'> {
  if (query.from === undefined && query.to === undefined) return {};
  if (query.from === undefined || query.to === undefined) throw invalidWindow(query.from === undefined ? 'from' : 'to', 'give from and to together');
  const [from, to] = [parseInstant(query.from, true), parseInstant(query.to, true)];
  if (from === undefined) throw invalidWindow('from', `from ${INSTANT_FORMAT_PROBLEM}`);
  if (to === undefined) throw invalidWindow('to', `to ${INSTANT_FORMAT_PROBLEM}`);
  if (from >= to) throw invalidWindow('to', 'to must be after from');
  if (to - from > MAX_WINDOW_MS) throw new DomainError(UsageTotalsErrors.USAGE_WINDOW_TOO_LARGE, `A usage window may cover at most ${MAX_WINDOW_DAYS} days; ask for several windows`);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** Per-meter usage totals of one customer, computed in SQL. */
@Injectable()
export class UsageTotalsService {
  constructor(
    private readonly repository: UsageTotalsRepository,
    private readonly reads: RequestReadsDatabase,
  ) {}

  async totals(customerId: string, query: UsageTotalsQuery): Promise<CustomerUsageResponse> {
    const window = usageWindow(query);
    const cut = window.from && window.to ? await this.repository.bucketCutByWindow(customerId, { meterKey: query.meter, from: window.from, to: window.to }) : undefined;
    if (cut) throw windowSplitsRollup(cut);
    const asOf = await this.reads.asOf();
    const rows = await this.repository.usageTotalsPerMeter(customerId, { meterKey: query.meter, ...window });
    if (rows.length === 0) {
      const exists = await this.repository.customerAndMeterExist(customerId, query.meter);
      if (!exists.customer) throw customerNotFound(`id ${customerId}`);
      if (!exists.meter) throw meterNotFound(query.meter);
    }
    return {
      customerId,
      asOf,
      meters: rows.map((row) => ({
        meter: row.meter,
        currency: row.currency,
        billable: row.billable,
        periodStart: row.period_start,
        periodEnd: row.period_end,
        ingested: row.ingested,
        reported: row.reported,
        pending: row.pending,
        failed: row.failed,
        lateUnbillable: row.late_unbillable,
        estimatedAmount: row.estimated_amount,
      })),
    };
  }
}
