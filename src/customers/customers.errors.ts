import { DomainError } from '../common/errors/domain-error.js';
import { errorCodes } from '../common/errors/error-codes.js';

/** The customers module's error codes; other modules that look a customer up answer with this one too. */
export const CustomersErrors = errorCodes('customers', {
  CUSTOMER_NOT_FOUND: 404,
});

export const customerNotFound = (reference: string) => new DomainError(CustomersErrors.CUSTOMER_NOT_FOUND, `No customer with ${reference}`);
