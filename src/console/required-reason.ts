import { DomainError } from '../common/errors/domain-error.js';
import type { ConsoleForm } from './console-http.js';
import { CommonErrors } from '../common/errors/common.errors.js';

const MAX_REASON_LENGTH = 500;

/** Every console action states why: a reason of 1 to 500 characters. */
export function requiredReason(form: ConsoleForm | undefined): string {
  const reason = form?.reason?.trim() ?? '';
  if (!reason) throw new DomainError(CommonErrors.VALIDATION_FAILED, 'A reason is required', [{ field: 'reason', problems: ['reason must not be empty'] }]);
  if (reason.length > MAX_REASON_LENGTH) {
    throw new DomainError(CommonErrors.VALIDATION_FAILED, `The reason is longer than ${MAX_REASON_LENGTH} characters`, [{ field: 'reason', problems: [`at most ${MAX_REASON_LENGTH} characters`] }]);
  }
  return reason;
}
