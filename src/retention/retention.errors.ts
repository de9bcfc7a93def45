import { errorCodes } from '../common/errors/error-codes.js';

/** The retention module's error code: a usage window that would cut a rolled-up day (docs/retention.md). */
export const RetentionErrors = errorCodes('retention', {
  USAGE_WINDOW_SPLITS_ROLLUP: 400,
});
