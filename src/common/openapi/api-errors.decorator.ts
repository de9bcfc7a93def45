import { ApiExtension } from '@nestjs/swagger';
import type { ErrorCode } from '../errors/error-codes.js';

/** Where an operation's own error codes travel from its decorator to the document (error-responses.ts). */
export const ERROR_CODES_EXTENSION = 'x-error-codes';

/**
 * The codes an operation answers beyond those of every route of its kind (authentication, body
 * parsing, validation: error-responses.ts adds those), each from its module's table.
 */
export const ApiErrors = (...codes: ErrorCode[]) => ApiExtension(ERROR_CODES_EXTENSION, codes.map(({ code, status }) => ({ code, status })));
