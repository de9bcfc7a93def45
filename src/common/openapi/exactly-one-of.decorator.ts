import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';

const EXACTLY_ONE_OF = new Map<string, string[]>();

/** The body must give exactly one of these properties (a null one counts as absent): stated as a oneOf in its schema. */
export const ApiExactlyOneOf =
  (...properties: string[]): ClassDecorator =>
  (target) => {
    EXACTLY_ONE_OF.set(target.name, properties);
  };

export function addExactlyOneOf(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  for (const [name, properties] of EXACTLY_ONE_OF) {
    const schema = schemas[name];
    if (schema) schema.oneOf = properties.map((property) => ({ required: [property], properties: { [property]: { type: 'string' } } }));
  }
}
