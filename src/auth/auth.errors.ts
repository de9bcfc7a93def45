import { errorCodes } from '../common/errors/error-codes.js';

/** The auth module's error codes: authentication, scopes, rate limits and API key management. */
export const AuthErrors = errorCodes('auth', {
  UNAUTHENTICATED: 401,
  FORBIDDEN_SCOPE: 403,
  RATE_LIMITED: 429,
  API_KEY_NOT_FOUND: 404,
  API_KEY_NAME_REQUIRED: 400,
  API_KEY_SCOPES_REQUIRED: 400,
});
