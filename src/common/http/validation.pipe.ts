import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { CommonErrors } from '../errors/common.errors.js';
import { DomainError, type ErrorDetail } from '../errors/domain-error.js';
import { unstorableTextFields } from './storable-text.js';

/** Where @nestjs/swagger keeps each property's ApiProperty options. */
const API_PROPERTY = 'swagger/apiModelProperties';

/**
 * Properties sent as null that the document does not mark nullable: class-validator's IsOptional
 * lets null through as if absent (`meters: null` subscribed to every meter), so null is refused
 * unless the property says `nullable: true`.
 */
function undocumentedNulls(value: unknown, metatype: ArgumentMetadata['metatype']): string[] {
  if (typeof value !== 'object' || value === null || typeof metatype !== 'function' || metatype === Object) return [];
  return Object.entries(value)
    .filter(([property, member]) => member === null && !(Reflect.getMetadata(API_PROPERTY, metatype.prototype as object, property) as { nullable?: boolean } | undefined)?.nullable)
    .map(([property]) => property);
}

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Adds the rule class-validator has no decorator for: every string of a body, query or parameter
 * is storable text (storable-text.ts), path parameters typed `string` included. Usage bodies,
 * typed `unknown` (so `Object` here), are left to their parser, which checks each field it keeps
 * rather than walking a 1000-event batch twice.
 */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const fields = metadata.metatype === Object ? [] : unstorableTextFields(value, metadata.data ?? '');
    const nulls = undocumentedNulls(value, metadata.metatype);
    if (fields.length > 0 || nulls.length > 0) {
      throw new DomainError(CommonErrors.VALIDATION_FAILED, 'The request is invalid', [
        ...fields.map((field) => ({ field, problems: [`${field} must not contain NUL characters or unpaired UTF-16 surrogates`] })),
        ...nulls.map((field) => ({ field, problems: [`${field} must not be null: leave it out instead`] })),
      ]);
    }
    return super.transform(value, metadata);
  }
}

/** Rejects unknown fields and lists every invalid field in `details`. */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new DomainError(CommonErrors.VALIDATION_FAILED, 'The request is invalid', flatten(errors)),
  });
}
