import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiProperty } from '@nestjs/swagger';
import { Gauge } from 'prom-client';
import { retentionConfig } from '../config/namespaces.js';
import { NativeSql } from '../database/native-sql.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RETENTION_STATUS_SQL } from './retention.sql.js';

interface RetentionStatusRow {
  horizon: Date | null;
  lastRunStartedAt: Date | null;
  lastRunFinishedAt: Date | null;
  lastRollupAt: Date | null;
  lastRunDeleted: string;
  deletedTotal: string;
  lastError: string | null;
  oldestRawEventReceivedAt: Date | null;
}

export class RetentionStatus {
  @ApiProperty({ description: 'USAGE_RETENTION_DAYS: reported usage older than this is rolled up into usage_daily' }) retentionDays!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: "the last run's horizon: eligible events before it were rolled up" }) horizon!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'receipt time of the oldest usage event still stored raw' }) oldestRawEventReceivedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'when a batch last rolled events up' }) lastRollupAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastRunStartedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastRunFinishedAt!: string | null;
  @ApiProperty({ description: 'events rolled up and deleted by the last run (decimal string)' }) lastRunDeleted!: string;
  @ApiProperty({ description: 'events rolled up and deleted since the table was created (decimal string)' }) deletedTotal!: string;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

/** The retention state for GET /v1/reporting/status, refreshing its gauges as the backlog's are. */
@Injectable()
export class RetentionStatusReader {
  private readonly deletedTotal: Gauge;
  private readonly oldestRawAge: Gauge;

  constructor(
    @Inject(retentionConfig.KEY) private readonly retention: ConfigType<typeof retentionConfig>,
    private readonly sql: NativeSql,
    metrics: MetricsService,
  ) {
    this.deletedTotal = new Gauge({ name: 'meterbridge_retention_deleted_events', help: 'Usage events rolled up into usage_daily and deleted, all replicas together', registers: [metrics.registry] });
    this.oldestRawAge = new Gauge({ name: 'meterbridge_retention_oldest_raw_event_age_seconds', help: 'Age of the oldest usage event still stored raw', registers: [metrics.registry] });
  }

  async read(): Promise<RetentionStatus> {
    const [row] = await this.sql.query<RetentionStatusRow>(RETENTION_STATUS_SQL);
    this.deletedTotal.set(Number(row!.deletedTotal));
    this.oldestRawAge.set(row!.oldestRawEventReceivedAt ? Math.max(0, (Date.now() - new Date(row!.oldestRawEventReceivedAt).getTime()) / 1000) : 0);
    return {
      retentionDays: this.retention.days,
      horizon: iso(row!.horizon),
      oldestRawEventReceivedAt: iso(row!.oldestRawEventReceivedAt),
      lastRollupAt: iso(row!.lastRollupAt),
      lastRunStartedAt: iso(row!.lastRunStartedAt),
      lastRunFinishedAt: iso(row!.lastRunFinishedAt),
      lastRunDeleted: row!.lastRunDeleted,
      deletedTotal: row!.deletedTotal,
      lastError: row!.lastError,
    };
  }
}
