import { errorCodes } from '../common/errors/error-codes.js';

/** The subscriptions module's error codes. */
export const SubscriptionsErrors = errorCodes('subscriptions', {
  SUBSCRIPTION_NOT_FOUND: 404,
  SUBSCRIPTION_EXISTS: 409,
  SUBSCRIPTION_NOT_CREATED: 409,
  SUBSCRIPTION_ALREADY_CANCELED: 409,
  NO_ACTIVE_METERS: 422,
  METER_NOT_PROVISIONED: 422,
});
