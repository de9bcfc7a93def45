import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import type { SqlQuery } from '../database/transaction-watermark.js';
import { NotificationOutbox } from '../notifications/notification-outbox.js';
import { UsageReportsRepository, type FailedReport, type ReportFailure } from './usage-reports.repository.js';

/** A meter event Stripe refused after accepting it (v2 stream error reports), by identifier. */
export interface StripeRejection {
  identifier: string;
  reason: string;
}

/**
 * Reports Stripe refused become failed and are announced (report.failed) in the same transaction,
 * so a failure is announced exactly when it is recorded. The notification is keyed by report and
 * attempt count: the same refusal recorded twice (a redelivered Stripe error report) is one notification.
 */
@Injectable()
export class ReportFailuresService {
  constructor(
    private readonly sql: NativeSql,
    private readonly reports: UsageReportsRepository,
    private readonly outbox: NotificationOutbox,
  ) {}

  /** Refused synchronously (the meter event request failed for good). */
  async recordRefused(failures: ReportFailure[]): Promise<number> {
    if (!failures.length) return 0;
    return this.recordAndAnnounce((query) => this.reports.markFailed(query, failures));
  }

  /** Refused asynchronously (named in Stripe's error reports); returns how many matched. */
  async recordRejections(rejections: StripeRejection[]): Promise<number> {
    if (!rejections.length) return 0;
    return this.recordAndAnnounce((query) => this.reports.markRejectedByIdentifier(query, rejections));
  }

  private recordAndAnnounce(mark: (query: SqlQuery) => Promise<FailedReport[]>): Promise<number> {
    return this.sql.transaction(async (query) => {
      const failed = await mark(query);
      await this.outbox.enqueue(
        query,
        failed.map((report) => ({
          type: 'report.failed' as const,
          key: `${report.reportId}:${report.attempts}:${report.reason}`,
          data: {
            reportId: report.reportId,
            customerId: report.customerId,
            meter: report.meter,
            windowStart: new Date(report.windowStart).toISOString(),
            windowEnd: new Date(report.windowEnd).toISOString(),
            units: report.units,
            reason: report.reason,
          },
        })),
      );
      return failed.length;
    });
  }
}
