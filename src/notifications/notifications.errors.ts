import { DomainError } from '../common/errors/domain-error.js';
import { errorCodes } from '../common/errors/error-codes.js';

/** The notifications module's error codes, each with one status and wording. */
export const NotificationsErrors = errorCodes('notifications', {
  NOTIFICATION_ENDPOINT_URL_INVALID: 422,
  NOTIFICATION_ENDPOINT_NOT_FOUND: 404,
  NOTIFICATION_NOT_FOUND: 404,
  USAGE_ALERT_NOT_FOUND: 404,
  USAGE_ALERT_METER_NOT_FOUND: 422,
  USAGE_ALERT_CUSTOMER_NOT_FOUND: 422,
});

export const invalidEndpointUrl = (problem: string) =>
  new DomainError(NotificationsErrors.NOTIFICATION_ENDPOINT_URL_INVALID, `The endpoint URL ${problem}`, [{ field: 'url', problems: [problem] }]);

export const endpointNotFound = (id: string) => new DomainError(NotificationsErrors.NOTIFICATION_ENDPOINT_NOT_FOUND, `No notification endpoint ${id}`);

export const notificationNotFound = (id: string) => new DomainError(NotificationsErrors.NOTIFICATION_NOT_FOUND, `No notification delivery ${id}`);

export const usageAlertNotFound = (id: string) => new DomainError(NotificationsErrors.USAGE_ALERT_NOT_FOUND, `No usage alert ${id}`);

export const alertMeterNotFound = (key: string) =>
  new DomainError(NotificationsErrors.USAGE_ALERT_METER_NOT_FOUND, `No meter with key ${JSON.stringify(key)}`, [{ field: 'meter', problems: ['no such meter'] }]);

export const alertCustomerNotFound = (id: string) =>
  new DomainError(NotificationsErrors.USAGE_ALERT_CUSTOMER_NOT_FOUND, `No customer with id ${id}`, [{ field: 'customerId', problems: ['no such customer'] }]);
