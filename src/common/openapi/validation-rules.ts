import type { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';

type Rule = (constraints: unknown[]) => SchemaObject;

/** The part of class-validator's record of one rule that the document needs. */
interface ValidationMetadata {
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

/** What each class-validator rule the DTOs use says in JSON Schema (the rules the validation pipe enforces). */
const RULES: Record<string, Rule> = {
  isString: () => ({ type: 'string' }),
  isBoolean: () => ({ type: 'boolean' }),
  isInt: () => ({ type: 'integer' }),
  isEmail: () => ({ type: 'string', format: 'email' }),
  isUuid: () => ({ type: 'string', format: 'uuid' }),
  isIso8601: () => ({ type: 'string', format: 'date-time' }),
  isDateString: () => ({ type: 'string', format: 'date-time' }),
  isLength: ([min, max]) => ({ type: 'string', ...(typeof min === 'number' && min > 0 ? { minLength: min } : {}), ...(typeof max === 'number' ? { maxLength: max } : {}) }),
  matches: ([pattern]) => ({ type: 'string', pattern: (pattern as RegExp).source }),
  min: ([minimum]) => ({ minimum: minimum as number }),
  max: ([maximum]) => ({ maximum: maximum as number }),
  isIn: ([values]) => ({ enum: values as unknown[] }),
  arrayMinSize: ([minItems]) => ({ type: 'array', minItems: minItems as number }),
  arrayMaxSize: ([maxItems]) => ({ type: 'array', maxItems: maxItems as number }),
  arrayUnique: () => ({ type: 'array', uniqueItems: true }),
};

/** Merges a rule into a property schema: a second pattern joins an allOf, so both stay stated. */
function merge(target: SchemaObject, rule: SchemaObject): void {
  if (rule.pattern && target.pattern && target.pattern !== rule.pattern) {
    target.allOf = [...(target.allOf ?? []), { pattern: rule.pattern }];
    return;
  }
  if (target.allOf?.length && rule.type && !target.type) return; // a $ref wrapped by swagger keeps its referenced type
  Object.assign(target, rule);
}

/** class-validator keeps the rules of every class; the DTOs among them are found by their schema names. */
function validatedClasses(): (abstract new (...args: never[]) => unknown)[] {
  const byClass = (getMetadataStorage() as unknown as { validationMetadatas: Map<abstract new (...args: never[]) => unknown, ValidationMetadata[]> }).validationMetadatas;
  if (!(byClass instanceof Map)) throw new Error('class-validator no longer exposes its metadata as expected: update validation-rules.ts');
  return [...byClass.keys()];
}

function applyRules(schema: SchemaObject, metadata: ValidationMetadata[]): void {
  for (const rule of metadata) {
    const describe = RULES[rule.name ?? ''];
    const property = schema.properties?.[rule.propertyName] as SchemaObject | ReferenceObject | undefined;
    if (!describe || !property || '$ref' in property) continue;
    const target = rule.each && property.type === 'array' ? ((property.items ?? {}) as SchemaObject) : property;
    merge(target, describe(rule.constraints ?? []));
  }
}

/**
 * States in each request schema the rules the validation pipe enforces (lengths, formats, patterns,
 * ranges, enums), read from the DTOs' class-validator decorators so the two never drift, and closes
 * every request schema (`additionalProperties: false`: unknown properties are refused).
 */
export function addValidationRules(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  for (const dto of validatedClasses()) {
    const schema = schemas[dto.name];
    if (schema) applyRules(schema, getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false));
  }
  for (const name of requestSchemaNames(document)) schemas[name].additionalProperties ??= false;
}

/** The schemas a request body refers to, directly or through their properties. */
function requestSchemaNames(document: OpenAPIObject): Set<string> {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const ref = (node as ReferenceObject).$ref;
    if (typeof ref === 'string') {
      const name = ref.replace('#/components/schemas/', '');
      if (!found.has(name) && schemas[name]) {
        found.add(name);
        visit(schemas[name]);
      }
      return;
    }
    Object.values(node).forEach(visit);
  };
  for (const item of Object.values(document.paths)) for (const operation of Object.values(item)) visit((operation as { requestBody?: unknown }).requestBody);
  return found;
}
