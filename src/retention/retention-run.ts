import type { SqlQuery } from '../database/transaction-watermark.js';
import { ID_RANGE_SQL, RECORD_RUN_END_SQL, RECORD_RUN_START_SQL, ROLL_UP_BATCH_SQL } from './retention.sql.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Ingest accepts timestamps at most 35 days old (usage-timestamp.ts), so an event older than the
 * horizon was received before horizon + 35 days; a day more covers ids handed out in a
 * transaction that began earlier than its neighbours.
 */
const RECEIPT_SLACK_MS = 36 * DAY_MS;

export interface RetentionRunResult {
  horizon: Date;
  deleted: number;
  batches: number;
}

/** The first instant kept raw: the start of the UTC day `days` before `now`. */
export function retentionHorizon(now: number, days: number): Date {
  return new Date(Math.floor((now - days * DAY_MS) / DAY_MS) * DAY_MS);
}

/**
 * One retention run (docs/retention.md): walks usage_events by id in batches of `batchSize`
 * ids, each rolled up and deleted by one statement (its own transaction), from the oldest event
 * to the first batch received after anything eligible could have been. The caller holds the
 * advisory lock.
 */
export async function runRetention(query: SqlQuery, days: number, batchSize: number, now = Date.now()): Promise<RetentionRunResult> {
  const horizon = retentionHorizon(now, days);
  await query(RECORD_RUN_START_SQL, [horizon]);
  let deleted = 0;
  let batches = 0;
  try {
    const [range] = await query<{ first: string; last: string }>(ID_RANGE_SQL);
    const last = BigInt(range!.last);
    for (let after = BigInt(range!.first) - 1n; after < last; after += BigInt(batchSize)) {
      const [batch] = await query<{ deleted: number; oldest_received_ms: number | null }>(ROLL_UP_BATCH_SQL, [after.toString(), (after + BigInt(batchSize)).toString(), horizon]);
      batches += 1;
      deleted += batch!.deleted;
      if (batch!.oldest_received_ms !== null && batch!.oldest_received_ms >= horizon.getTime() + RECEIPT_SLACK_MS) break;
    }
    await query(RECORD_RUN_END_SQL, [null]);
  } catch (error) {
    await query(RECORD_RUN_END_SQL, [error instanceof Error ? error.message : String(error)]);
    throw error;
  }
  return { horizon, deleted, batches };
}
