/**
 * Regenerates stripe-wire-schemas.json from the `stripe` SDK's bundled type declarations
 * (node_modules/stripe), for the objects listed in stripe-wire-types.ts:
 *
 *   npm run stripe:schemas
 *
 * Run it after upgrading the SDK and commit the result: the conformance test then checks the
 * emulator against the new API version. Rules, so that the fixture stays small and says what the
 * wire carries:
 * - an expandable field (`string | Stripe.X`) accepts an id or any object: the expanded object is
 *   not checked against X's schema (X's graph would pull in most of the API);
 * - `Stripe.Decimal` is a string on the wire;
 * - methods (`fetchRelatedObject`, …) are not data and are left out;
 * - v2 declarations mark nullable fields optional, and Stripe's v2 reference shows them as null:
 *   an optional v2 field accepts null;
 * - objects accept no property their declaration lacks (`additionalProperties: false`); an empty
 *   declaration (an event's `data.object`) accepts any object, which the check then validates by
 *   its own `object` value.
 * The error bodies are not in the SDK's declarations; they come from Stripe's OpenAPI description
 * (`error` and `v2.error`), written out below.
 */
import { existsSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
/** The installed SDK, wherever npm placed it (hoisted to the workspace root or in this package). */
const sdkDir = createRequire(import.meta.url).resolve.paths('stripe').map((dir) => join(dir, 'stripe')).find((dir) => existsSync(join(dir, 'package.json')));
const entry = join(here, 'stripe-wire-types.ts');
const program = ts.createProgram([entry], { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, noEmit: true });
const checker = program.getTypeChecker();
const source = program.getSourceFile(entry);

const definitions = {};
const STRING = { type: 'string' };

/** A declaration's name with its module (`Customers.Customer`, `V2.Core.Events.EventBase`): v1 and v2 reuse names. */
function nameOf(type) {
  const symbol = type.aliasSymbol ?? type.getSymbol();
  if (!symbol || symbol.getName() === '__type' || symbol.getName() === '__object') return undefined;
  const file = symbol.declarations?.[0]?.getSourceFile().fileName ?? '';
  const module = /stripe\/cjs\/(?:resources\/)?(.+)\.d\.ts$/.exec(file)?.[1]?.replaceAll('/', '.') ?? 'local';
  return `${module}.${checker.getFullyQualifiedName(symbol).replace(/^".*?"\./, '')}`.replace(/[^A-Za-z0-9_.]/g, '_');
}

function isV2(name) {
  return name !== undefined && name.startsWith('V2.');
}

function isObjectLike(type) {
  return (type.flags & ts.TypeFlags.Object) !== 0 && checker.getSignaturesOfType(type, ts.SignatureKind.Call).length === 0;
}

function literal(type) {
  if (type.isStringLiteral()) return { const: type.value };
  if (type.isNumberLiteral()) return { const: type.value };
  if (type.flags & ts.TypeFlags.BooleanLiteral) return { const: checker.typeToString(type) === 'true' };
  return undefined;
}

function union(types, v2, expandable) {
  const members = types.filter((member) => !(member.flags & ts.TypeFlags.Undefined));
  const hasString = members.some((member) => member.flags & ts.TypeFlags.String);
  const objects = members.filter(isObjectLike);
  const schemas = [];
  for (const member of members) {
    // string & Record<never, never> (the SDK's OtherString) makes an enum open: plain string
    if (member.isIntersection() && member.types.some((part) => part.flags & ts.TypeFlags.StringLike)) {
      schemas.push(STRING);
      continue;
    }
    if (member.flags & ts.TypeFlags.StringLiteral && hasString) continue;
    if (isObjectLike(member) && hasString && expandable) {
      // an expandable reference: an id, or the object when expanded
      if (member === objects[0]) schemas.push({ type: 'object' });
      continue;
    }
    schemas.push(convert(member, v2));
  }
  const unique = [...new Map(schemas.map((schema) => [JSON.stringify(schema), schema])).values()];
  return unique.length === 1 ? unique[0] : { anyOf: unique };
}

function objectSchema(type, v2) {
  const properties = {};
  const required = [];
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    const propertyType = checker.getTypeOfSymbolAtLocation(property, declaration ?? source);
    if (checker.getSignaturesOfType(checker.getNonNullableType(propertyType), ts.SignatureKind.Call).length > 0) continue;
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    let schema = convert(propertyType, v2, true);
    if (optional && v2) schema = { anyOf: [schema, { type: 'null' }] };
    properties[property.getName()] = schema;
    if (!optional) required.push(property.getName());
  }
  const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
  // an empty declaration (an event's `data.object`) stands for any object
  if (Object.keys(properties).length === 0 && !index) return { type: 'object' };
  const schema = { type: 'object', properties, required, additionalProperties: false };
  if (index) {
    schema.additionalProperties = convert(index.type, v2);
    if (Object.keys(properties).length === 0) delete schema.properties;
  }
  if (required.length === 0) delete schema.required;
  return schema;
}

function convert(type, v2 = false, expandable = false) {
  const fixed = literal(type);
  if (fixed) return fixed;
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
  if (type.flags & ts.TypeFlags.String) return STRING;
  if (type.flags & ts.TypeFlags.Number) return { type: 'number' };
  if (type.flags & ts.TypeFlags.Boolean) return { type: 'boolean' };
  if (type.flags & ts.TypeFlags.Null) return { type: 'null' };
  if (type.isUnion()) return union(type.types, v2, expandable);
  if (type.isIntersection()) {
    // a branded string (the SDK's Decimal, OtherString) is a string on the wire
    if (type.types.some((part) => part.flags & ts.TypeFlags.StringLike || nameOf(part)?.endsWith('.DecimalImpl'))) return STRING;
    return objectSchema(type, v2);
  }
  if (checker.isArrayType(type)) return { type: 'array', items: convert(checker.getTypeArguments(type)[0], v2) };
  const name = nameOf(type);
  if (name?.endsWith('.Decimal') || name?.endsWith('.DecimalImpl')) return STRING;
  if (!isObjectLike(type)) return {};
  if (name === undefined || type.aliasTypeArguments?.length || (type.objectFlags & ts.ObjectFlags.Reference && checker.getTypeArguments(type).length)) {
    return objectSchema(type, v2 || isV2(name));
  }
  if (!(name in definitions)) {
    definitions[name] = {};
    definitions[name] = objectSchema(type, v2 || isV2(name));
  }
  return { $ref: `#/definitions/${name}` };
}

function membersOf(interfaceName) {
  const declaration = source.statements.find((statement) => ts.isInterfaceDeclaration(statement) && statement.name.text === interfaceName);
  const type = checker.getTypeAtLocation(declaration);
  return Object.fromEntries(
    checker.getPropertiesOfType(type).map((property) => {
      const propertyType = checker.getTypeOfSymbolAtLocation(property, property.valueDeclaration);
      return [property.getName(), convert(propertyType, property.getName().startsWith('v2.'))];
    }),
  );
}

const objects = membersOf('WireObjects');
const deleted = membersOf('DeletedObjects');
const sdk = JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8'));
const apiVersion = /ApiVersion = '([^']+)'/.exec(readFileSync(join(sdkDir, 'cjs', 'apiVersion.js'), 'utf8'))?.[1];

function errorBody(required, properties) {
  return { type: 'object', required: ['error'], additionalProperties: false, properties: { error: { type: 'object', required, additionalProperties: false, properties } } };
}

const fixture = {
  $comment: `Generated by generate-stripe-schemas.mjs from stripe ${sdk.version} (API ${apiVersion}); do not edit by hand.`,
  sdkVersion: sdk.version,
  apiVersion,
  objects,
  deleted,
  errors: {
    // Stripe's OpenAPI description, components.schemas.error (v1)
    v1: errorBody(['type', 'message'], {
      type: { enum: ['api_error', 'card_error', 'idempotency_error', 'invalid_request_error'] },
      code: STRING,
      decline_code: STRING,
      doc_url: STRING,
      message: STRING,
      param: STRING,
      request_log_url: STRING,
    }),
    // Stripe's OpenAPI description, components.schemas["v2.error"]
    v2: errorBody(['code', 'message'], { code: STRING, doc_url: STRING, message: STRING, type: STRING, user_message: STRING }),
  },
  definitions,
};
/** One schema per line: a regenerated fixture's diff shows which types changed, and stays small. */
function format(value) {
  const entries = Object.entries(value).map(([key, entry]) => {
    const body = entry && typeof entry === 'object' && !Array.isArray(entry) && key !== 'errors' && Object.keys(entry).length > 0 && ['objects', 'deleted', 'definitions'].includes(key)
      ? `{\n${Object.entries(entry).map(([name, schema]) => `    ${JSON.stringify(name)}: ${JSON.stringify(schema)}`).join(',\n')}\n  }`
      : JSON.stringify(entry);
    return `  ${JSON.stringify(key)}: ${body}`;
  });
  return `{\n${entries.join(',\n')}\n}\n`;
}
writeFileSync(join(here, 'stripe-wire-schemas.json'), format(fixture));
process.stdout.write(`stripe-wire-schemas.json: ${Object.keys(objects).length} objects, ${Object.keys(definitions).length} definitions\n`);
