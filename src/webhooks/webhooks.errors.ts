import { errorCodes } from '../common/errors/error-codes.js';

/** The webhooks module's error codes: Stripe's deliveries and the operators' event list. */
export const WebhooksErrors = errorCodes('webhooks', {
  WEBHOOK_EVENT_MALFORMED: 400,
  WEBHOOK_SIGNATURE_MISSING: 400,
  WEBHOOK_BODY_MISSING: 400,
  WEBHOOK_SIGNATURE_INVALID: 400,
  WEBHOOK_EVENT_NOT_RETRYABLE: 404,
  WEBHOOKS_NOT_CONFIGURED: 503,
});
