import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';

export type RunTrigger = 'cron' | 'api' | 'flush';

export interface RunCounts {
  claimedEvents: string;
  claimedReports: number;
  released: number;
  sent: number;
  failed: number;
  retryLater: number;
}

export interface RunRecord extends RunCounts {
  id: string;
  trigger: RunTrigger;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export interface HourlyRunTotals {
  hour: Date;
  claimedEvents: number;
  sent: number;
  failed: number;
}

const RUN_COLUMNS = `id::text AS id, trigger, started_at AS "startedAt", finished_at AS "finishedAt", claimed_events::text AS "claimedEvents",
  claimed_reports AS "claimedReports", released, sent, failed, retry_later AS "retryLater", error`;

/** reporter_runs: one row per run, written when it starts and when it ends. */
@Injectable()
export class ReporterRunsRepository {
  constructor(private readonly sql: NativeSql) {}

  async start(trigger: RunTrigger): Promise<string> {
    const [row] = await this.sql.query<{ id: string }>(`INSERT INTO reporter_runs (trigger, started_at) VALUES ($1, now()) RETURNING id::text AS id`, [trigger]);
    return row!.id;
  }

  async finish(id: string, counts: RunCounts, error: string | null): Promise<RunRecord> {
    const [row] = await this.sql.query<RunRecord>(
      `UPDATE reporter_runs SET finished_at = now(), claimed_events = $1, claimed_reports = $2, released = $3, sent = $4, failed = $5, retry_later = $6, error = $7
       WHERE id = $8 RETURNING ${RUN_COLUMNS}`,
      [counts.claimedEvents, counts.claimedReports, counts.released, counts.sent, counts.failed, counts.retryLater, error, id],
    );
    return row!;
  }

  /** Per hour of the last `hours` (oldest first, hours without a run included): events claimed, meter events sent and refused. */
  hourly(hours: number): Promise<HourlyRunTotals[]> {
    return this.sql.query<HourlyRunTotals>(
      `SELECT hour, coalesce(sum(r.claimed_events), 0)::float8 AS "claimedEvents", coalesce(sum(r.sent), 0)::int AS sent, coalesce(sum(r.failed), 0)::int AS failed
       FROM generate_series(date_trunc('hour', now()) - make_interval(hours => $1 - 1), date_trunc('hour', now()), interval '1 hour') AS hour
       LEFT JOIN reporter_runs r ON r.started_at >= hour AND r.started_at < hour + interval '1 hour'
       GROUP BY hour ORDER BY hour`,
      [hours],
    );
  }

  async latest(): Promise<RunRecord | null> {
    const [row] = await this.sql.query<RunRecord>(`SELECT ${RUN_COLUMNS} FROM reporter_runs ORDER BY started_at DESC, id DESC LIMIT 1`);
    return row ?? null;
  }
}
