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

  async latest(): Promise<RunRecord | null> {
    const [row] = await this.sql.query<RunRecord>(`SELECT ${RUN_COLUMNS} FROM reporter_runs ORDER BY started_at DESC, id DESC LIMIT 1`);
    return row ?? null;
  }
}
