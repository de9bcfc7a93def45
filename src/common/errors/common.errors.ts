import { errorCodes } from './error-codes.js';

/** The HTTP layer's error codes (body parsing, validation, routing, time limits), shared by every route. */
export const CommonErrors = errorCodes('common', {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  MALFORMED_BODY: 400,
  JSON_TOO_DEEP: 400,
  REQUEST_ABORTED: 400,
  INVALID_CONTENT_LENGTH: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_BODY_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_ENCODING: 415,
  UNSUPPORTED_CHARSET: 415,
  INTERNAL_ERROR: 500,
  QUERY_TIMEOUT: 503,
  REQUEST_TIMEOUT: 503,
});
