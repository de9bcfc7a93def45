import { errorCodes } from '../common/errors/error-codes.js';

/** The usage totals read module's error code (its other answers are metering's and customers' lookups). */
export const UsageTotalsErrors = errorCodes('usage-totals', {
  USAGE_WINDOW_TOO_LARGE: 400,
});
