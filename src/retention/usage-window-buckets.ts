import { DomainError } from '../common/errors/domain-error.js';
import { RetentionErrors } from './retention.errors.js';

/**
 * A rolled-up bucket (at most a UTC day) of customer $1 (on meter key $4 when given) that a window
 * edge ($2 or $3) falls strictly inside: its events can no longer be split at that instant. Buckets are at most a day
 * long, so only the day before each edge is looked at (the primary key serves it per meter).
 */
export const BUCKET_CUT_BY_WINDOW_SQL = `
SELECT to_json(d.bucket_start) #>> '{}' AS bucket_start, to_json(d.bucket_end) #>> '{}' AS bucket_end FROM usage_daily d
WHERE d.customer_id = $1 AND ($4::text IS NULL OR d.meter_id = (SELECT m.id FROM meters m WHERE m.key = $4::text))
  AND ((d.bucket_start < $2::timestamptz AND d.bucket_start > $2::timestamptz - interval '1 day' AND d.bucket_end > $2::timestamptz)
    OR (d.bucket_start < $3::timestamptz AND d.bucket_start > $3::timestamptz - interval '1 day' AND d.bucket_end > $3::timestamptz))
LIMIT 1`;

export interface RolledUpBucket {
  bucket_start: string;
  bucket_end: string;
}

export function windowSplitsRollup(bucket: RolledUpBucket): DomainError {
  const span = `${new Date(bucket.bucket_start).toISOString()} – ${new Date(bucket.bucket_end).toISOString()}`;
  return new DomainError(RetentionErrors.USAGE_WINDOW_SPLITS_ROLLUP, `Usage older than the retention horizon is kept per UTC day (cut at billing period boundaries); this window starts or ends inside ${span}. Start and end it on one of those boundaries.`);
}
