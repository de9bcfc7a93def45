import { DomainError } from '../common/errors/domain-error.js';
import { errorCodes } from '../common/errors/error-codes.js';

/** The invoice verification module's error codes, each with one status and wording. */
export const InvoiceVerificationErrors = errorCodes('invoice-verification', {
  INVOICE_VERIFICATION_NOT_FOUND: 404,
  INVOICE_NOT_HELD: 409,
  INVOICE_VERIFICATION_NOT_DECIDED_AGAINST: 409,
});

export const verificationNotFound = (invoiceId: string) => new DomainError(InvoiceVerificationErrors.INVOICE_VERIFICATION_NOT_FOUND, `No verification of invoice ${invoiceId}`);

export const invoiceNotHeld = (invoiceId: string, state: string) =>
  new DomainError(InvoiceVerificationErrors.INVOICE_NOT_HELD, `Invoice ${invoiceId} is not held (its verification is ${state}): only a held invoice can be released`);

export const recheckNotAllowed = (invoiceId: string, state: string) =>
  new DomainError(InvoiceVerificationErrors.INVOICE_VERIFICATION_NOT_DECIDED_AGAINST, `Invoice ${invoiceId} cannot be rechecked: its verification is ${state}, not held or mismatched`);
