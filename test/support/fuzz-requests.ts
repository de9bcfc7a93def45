import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { OutgoingHttpHeaders } from 'node:http';
import { adversarialJson, adversarialString, deepNesting, fromPlain, JsonMembers, notJson, PROTOTYPE_KEYS, toJsonText, visibleAscii, type FuzzJson } from './fuzz-values';
import type { LiveRoute } from './route-table';

/**
 * Request parts for the route fuzz suite. Each route's query names and body shape come from the
 * app's own OpenAPI document, so a route added later is fuzzed with its own fields too.
 */

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  example?: unknown;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface FuzzRoute {
  method: string;
  /** Express pattern: `/v1/customers/:id`. */
  path: string;
  label: string;
  params: string[];
  queryNames: string[];
  /** A body built from the DTO's documented examples; `{}` when the route documents none. */
  bodyTemplate: unknown;
}

/** A value that matches the schema, preferring its documented example. */
function exampleOf(schema: Schema, document: OpenApiDocument): unknown {
  if (schema.$ref) return exampleOf(document.components?.schemas?.[schema.$ref.split('/').pop() as string] ?? {}, document);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.oneOf?.[0]) return exampleOf(schema.oneOf[0], document);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, exampleOf(property, document)]));
    case 'array':
      return schema.items ? [exampleOf(schema.items, document)] : [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return schema.format === 'uuid' ? randomUUID() : schema.format === 'date-time' ? new Date().toISOString() : 'x';
  }
}

/** Every live route joined with what the OpenAPI document says about it (routes it omits, such as the webhook, get none). */
export function fuzzRoutes(routes: LiveRoute[], document: OpenApiDocument): FuzzRoute[] {
  return routes.map(({ method, path }) => {
    const operation = document.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()] ?? {};
    const schema = operation.requestBody?.content?.['application/json']?.schema;
    return {
      method,
      path,
      label: `${method} ${path}`,
      params: [...path.matchAll(/:(\w+)/g)].map((match) => match[1] as string),
      queryNames: (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name),
      bodyTemplate: schema ? exampleOf(schema, document) : {},
    };
  });
}

/** UTF-8 percent-encoding that, unlike encodeURIComponent, never throws (a lone surrogate becomes U+FFFD). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[\w.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** Sent as written: broken escapes, encoded slashes, NUL and encoded surrogates (invalid UTF-8). */
const RAW_ESCAPES = ['%', '%zz', '%E0%A4%A', '%00', '%ED%A0%80', '%C0%80', '%FF', '%2F', 'a%2Fb', '%2e%2e', '..', '.', '+', '%2B', 'a;b=c', '%0D%0A', '%25'];

/** Node answers 431 by itself past 16 KiB of request line and headers; keep the request the app's to answer. */
const NODE_HEADER_BUDGET = 14_000;

const escapedText = fc.oneof(
  { weight: 3, arbitrary: adversarialString.filter((text) => text.length <= 1_000).map(percentEncode) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_ESCAPES) },
);

/** A path parameter: real ids (so the handler goes past its lookup), random UUIDs, and everything a path can carry. */
export function pathSegment(knownIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...knownIds) },
    { weight: 1, arbitrary: fc.uuid().chain((id) => fc.constantFrom(id, id.toUpperCase(), `${id}x`, `{${id}}`, id.replaceAll('-', ''))) },
    { weight: 4, arbitrary: escapedText.filter((segment) => segment.length > 0) },
    // long ids, staying under Node's 16 KiB header limit so the request reaches the app
    { weight: 1, arbitrary: fc.constantFrom(300, 8_000).map((length) => 'a'.repeat(length)) },
  );
}

/** The route's path with each parameter drawn from `segment(name)`, written into the path as drawn. */
export function routePath(route: FuzzRoute, segment: (name: string) => fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(...route.params.map(segment)).map((segments) => route.path.replace(/:(\w+)/g, (_match, name: string) => segments[route.params.indexOf(name)] as string));
}

/** A query string: the route's own names (repeated, as arrays, nested), empty values, bare keys, broken escapes. */
export function queryString(route: FuzzRoute): fc.Arbitrary<string> {
  const names = route.queryNames.flatMap((name) => [name, `${name}[]`, `${name}[0]`, `${name}[a]`]);
  const key = names.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: escapedText }) : escapedText;
  const pair = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(key, escapedText).map(([name, value]) => `${name}=${value}`) },
    { weight: 1, arbitrary: key },
    { weight: 1, arbitrary: fc.constantFrom('=', '&', '==', '=x', 'a=b=c') },
  );
  return fc
    .array(pair, { minLength: 1, maxLength: 6 })
    .map((pairs) => `?${pairs.join('&')}`)
    .filter((query) => query.length < NODE_HEADER_BUDGET);
}

/** A JSON object's members replaced, removed or wrapped one by one, plus a few added (prototype keys among them). */
export function mutatedObject(template: unknown): fc.Arbitrary<string> {
  const plain = fromPlain(template);
  const members = plain instanceof JsonMembers ? plain.members : [];
  const mutatedMember = ([name, value]: [string, FuzzJson]) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<[string, FuzzJson][]>([[name, value]]) },
      { weight: 2, arbitrary: adversarialJson.map((replacement): [string, FuzzJson][] => [[name, replacement]]) },
      { weight: 1, arbitrary: fc.constant<[string, FuzzJson][]>([]) },
      { weight: 1, arbitrary: fc.constantFrom<FuzzJson>([value], new JsonMembers([[name, value]]), null).map((wrapped): [string, FuzzJson][] => [[name, wrapped]]) },
    );
  const extra = fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), adversarialString), adversarialJson);
  return fc
    .tuple(fc.tuple(...members.map(mutatedMember)), fc.array(extra, { maxLength: 2 }))
    .map(([kept, extras]) => toJsonText(new JsonMembers([...kept.flat(), ...extras])));
}

/** Any body at all: JSON of any shape, nested far too deep, not JSON, or past HTTP_BODY_LIMIT (2mb in tests). */
export const anyBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: adversarialJson.map(toJsonText) },
  { weight: 2, arbitrary: deepNesting.map(toJsonText) },
  { weight: 2, arbitrary: notJson },
  { weight: 1, arbitrary: fc.constant(`{"a":"${'x'.repeat(2_200_000)}"}`) },
);

/** A body for the route: mostly its documented template, mutated; otherwise anything. */
export function requestBody(route: FuzzRoute): fc.Arbitrary<string> {
  return fc.oneof({ weight: 5, arbitrary: mutatedObject(route.bodyTemplate) }, { weight: 4, arbitrary: anyBody });
}

/** Header values Node lets through to the server: tab, visible ASCII and latin-1 (no CR, LF or NUL). */
export const headerText = fc.oneof(
  fc.string({ unit: fc.oneof(visibleAscii, fc.constantFrom('\t', '\u0080', '\u00ff', '\u00e9', ',', ';', '=', '"')), maxLength: 60 }),
  fc.constantFrom('', ' ', ',', ';', '=', 'null', 'undefined', '\u00ff\u00fe'),
);

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/JSON; charset="UTF-8"', 'application/json; charset=latin1',
  'application/json; charset=utf-16', 'application/json; charset=bogus', 'application/json;;;', 'application/vnd.api+json', 'application/merge-patch+json',
  'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '*/*', '/', 'json', '',
];
const CONTENT_ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'x-gzip', 'gzip, gzip', 'bogus', ''];
const STRIPE_SIGNATURES = ['t=', 'v1=', 't=abc,v1=def', 't=1,v1=', `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`, 't=-1,v1=a,v1=b,v0=c', 't=1e99,v1=zz', ',,,,', 't=1,t=2'];

/**
 * Header sets: content type and encoding variations, malformed or foreign authorization, odd
 * idempotency keys and Stripe signatures, and one huge header within Node's 16 KiB limit.
 */
export function headerSet(validAuthorization: string): fc.Arbitrary<OutgoingHttpHeaders> {
  const authorization = fc.oneof(
    { weight: 4, arbitrary: fc.constant(validAuthorization) },
    { weight: 2, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'bearer  x', 'Basic YTpi', 'Bearer mb_aaaaaaaa_' + 'a'.repeat(43), `${validAuthorization} extra`, `${validAuthorization},${validAuthorization}`, validAuthorization.toUpperCase()) },
    { weight: 1, arbitrary: headerText.map((text) => `Bearer ${text}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${'a'.repeat(12_000)}`) },
  );
  const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
  return fc
    .record({
      'content-type': optional(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: headerText })),
      'content-encoding': fc.option(fc.oneof(fc.constantFrom(...CONTENT_ENCODINGS), headerText), { nil: undefined, freq: 4 }),
      authorization: optional(authorization),
      'idempotency-key': optional(fc.oneof(headerText, fc.constant('k'.repeat(10_000)))),
      'stripe-signature': optional(fc.oneof(fc.constantFrom(...STRIPE_SIGNATURES), headerText)),
      accept: optional(fc.oneof(fc.constantFrom('application/json', 'text/html', '*/*;q=0', 'application/json;q=abc'), headerText)),
      'x-request-id': optional(fc.oneof(headerText, fc.constant('r'.repeat(200)))),
      'x-forwarded-for': optional(headerText),
      'x-fuzz': optional(headerText),
    })
    .map((headers) => Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)))
    .filter((headers) => JSON.stringify(headers).length < NODE_HEADER_BUDGET);
}
