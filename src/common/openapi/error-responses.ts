import type { OpenAPIObject, OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { AuthErrors } from '../../auth/auth.errors.js';
import { CommonErrors } from '../errors/common.errors.js';
import type { ErrorCode } from '../errors/error-codes.js';
import { ERROR_CODES_EXTENSION } from './api-errors.decorator.js';
import { SCOPES_EXTENSION } from './security.js';

/** The one shape of every error (docs/architecture.md, Error shape). */
export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  additionalProperties: false,
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599, description: 'the HTTP status, repeated' },
    error: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', description: "a stable code from the answering module's table" },
    message: { type: 'string', description: 'for people; never parse it' },
    details: { type: 'array', items: {}, description: 'what was wrong, field by field where it concerns fields (`{field, problems}`)' },
    correlationId: { type: 'string', description: 'with INTERNAL_ERROR: quote it when reporting the error' },
  },
};

const BODY_CODES = [
  CommonErrors.VALIDATION_FAILED,
  CommonErrors.MALFORMED_JSON,
  CommonErrors.MALFORMED_BODY,
  CommonErrors.JSON_TOO_DEEP,
  CommonErrors.REQUEST_ABORTED,
  CommonErrors.INVALID_CONTENT_LENGTH,
  CommonErrors.REQUEST_BODY_TIMEOUT,
  CommonErrors.PAYLOAD_TOO_LARGE,
  CommonErrors.UNSUPPORTED_MEDIA_TYPE,
  CommonErrors.UNSUPPORTED_ENCODING,
  CommonErrors.UNSUPPORTED_CHARSET,
];
const PARAMETER_CODES = [CommonErrors.VALIDATION_FAILED, CommonErrors.BAD_REQUEST];
/** A path parameter longer than the router takes (maxParamLength). */
const PATH_PARAMETER_CODES = [CommonErrors.URI_TOO_LONG];
const AUTHENTICATED_CODES = [AuthErrors.UNAUTHENTICATED, AuthErrors.FORBIDDEN_SCOPE];
const EVERY_ROUTE_CODES = [CommonErrors.INTERNAL_ERROR, CommonErrors.REQUEST_TIMEOUT];
/** Fastify reads a body for these methods whatever the route declares. */
const METHODS_WITH_BODY = new Set(['post', 'put', 'patch', 'delete']);

/** The error codes one operation may answer: its own (ApiErrors) and those of every route of its kind. */
function codesOf(method: string, operation: OperationObject & Record<string, unknown>, rateLimited: boolean): ErrorCode[] {
  const own = (operation[ERROR_CODES_EXTENSION] as ErrorCode[] | undefined) ?? [];
  const secured = operation[SCOPES_EXTENSION] !== undefined;
  return [
    ...own,
    ...(secured ? AUTHENTICATED_CODES : []),
    ...(rateLimited || secured ? [AuthErrors.RATE_LIMITED] : []),
    ...(METHODS_WITH_BODY.has(method) ? BODY_CODES : []),
    ...(operation.parameters?.length ? PARAMETER_CODES : []),
    ...(operation.parameters?.some((parameter) => 'in' in parameter && parameter.in === 'path') ? PATH_PARAMETER_CODES : []),
    ...EVERY_ROUTE_CODES,
  ];
}

function errorResponse(codes: string[]): ResponseObject {
  const schema: SchemaObject = { allOf: [{ $ref: '#/components/schemas/Error' }, { type: 'object', properties: { error: { type: 'string', enum: codes } } }] };
  return { description: codes.join(', '), content: { 'application/json': { schema } } };
}

/**
 * Gives every operation one response per error status it may answer, each listing its codes and
 * pointing at the shared Error schema. Paths in `unlimited` skip the rate limiter (health, webhook).
 */
export function addErrorResponses(document: OpenAPIObject, unlimited: (path: string) => boolean): void {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Error: ERROR_SCHEMA } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as [string, OperationObject & Record<string, unknown>][]) {
      const byStatus = new Map<number, Set<string>>();
      for (const { code, status } of codesOf(method, operation, !unlimited(path))) byStatus.set(status, (byStatus.get(status) ?? new Set()).add(code));
      for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) operation.responses[String(status)] = errorResponse([...codes].sort());
      delete operation[ERROR_CODES_EXTENSION];
    }
  }
}
