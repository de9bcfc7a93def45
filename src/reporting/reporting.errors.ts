import { errorCodes } from '../common/errors/error-codes.js';

/** The reporting module's error codes (reconciliation ranges). */
export const ReportingErrors = errorCodes('reporting', {
  RECONCILIATION_RANGE_INVALID: 422,
  RECONCILIATION_RANGE_TOO_LONG: 422,
});
