import { errorCodes } from '../common/errors/error-codes.js';

/** The health module's error code: the readiness probe's failure. */
export const HealthErrors = errorCodes('health', {
  NOT_READY: 503,
});
