import { errorCodes } from '../common/errors/error-codes.js';

/** The console's own error codes (its other answers are auth's and common's). */
export const ConsoleErrors = errorCodes('console', {
  CONSOLE_SIGNED_OUT: 401,
  CONSOLE_CSRF_REFUSED: 403,
  CONSOLE_CROSS_SITE_REFUSED: 403,
});
