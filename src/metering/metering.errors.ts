import { DomainError } from '../common/errors/domain-error.js';
import { errorCodes } from '../common/errors/error-codes.js';

/**
 * The metering module's error codes (meter catalogue, ingestion, usage totals). A meter named in a
 * request that does not exist is a 422 wherever it is named (body or query).
 */
export const MeteringErrors = errorCodes('metering', {
  METER_NOT_FOUND: 422,
  METER_INACTIVE: 422,
  METER_DEFINITION_CONFLICT: 409,
  USAGE_TIMESTAMP_OUT_OF_RANGE: 422,
  USAGE_BATCH_TOO_LARGE: 413,
  USAGE_IDEMPOTENCY_CONFLICT: 409,
  USAGE_EVENT_EXPIRED: 422,
});

export const meterNotFound = (key: string | undefined) => new DomainError(MeteringErrors.METER_NOT_FOUND, `No meter with key ${JSON.stringify(key)}`);

export const meterInactive = (key: string) => new DomainError(MeteringErrors.METER_INACTIVE, `Meter ${JSON.stringify(key)} is inactive and accepts no usage`);
