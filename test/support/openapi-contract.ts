import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument } from '../../src/common/openapi/openapi-document';

/** What the contract says of one answer: nothing when it holds, else each way it is broken. */
export type ContractCheck = (method: string, url: string, answer: { status: number; headers: Record<string, string>; body: unknown; text?: string }) => string[];

interface Operation {
  template: string;
  pattern: RegExp;
  method: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const ERROR_REF = { $ref: 'openapi#/components/schemas/Error' };
/**
 * Not operations of the API: the document itself and its UI (DOCS_ENABLED), and the operator
 * console's HTML pages and forms (docs/console.md), which browsers use, not generated clients.
 */
const NOT_API_PATHS = /^\/(docs(-json|-yaml|\/|$)|console(\/|$))/;

/** The path of a request URL as the router sees it (a fuzzed URL may not parse: its raw path then). */
function pathOf(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return url.split('?')[0];
  }
}

/** `/v1/customers/{id}/usage` → a regular expression matching its paths. */
function pathPattern(template: string): RegExp {
  const escaped = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+')}$`);
}

/**
 * OpenAPI 3.0 schemas as Ajv reads them: local references point into the schema registered as
 * `openapi`, and `nullable` becomes an anyOf with null (Ajv's own keyword ignores it beside allOf or a reference).
 */
function rebase(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebase);
  if (typeof node !== 'object' || node === null) return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const schema = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' ? `openapi${value}` : rebase(value)]));
  return nullable === true ? { anyOf: [schema, { type: 'null' }] } : schema;
}

/**
 * Checks answers against an OpenAPI document: the status must be listed for the operation, and a
 * JSON body must match the schema of that status (OpenAPI 3.0's `nullable` is Ajv's keyword too).
 * An answer for a path the document does not name must be an error in the Error schema.
 */
export function contractChecker(document: OpenAPIObject): ContractCheck {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: rebase(document.components) as object });
  const validators = new Map<unknown, ValidateFunction>();
  const validatorOf = (schema: unknown) => {
    if (!validators.has(schema)) validators.set(schema, ajv.compile(rebase(schema) as object));
    return validators.get(schema) as ValidateFunction;
  };
  const operations: Operation[] = Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, operation]) => ({ template, pattern: pathPattern(template), method, responses: (operation as { responses: Operation['responses'] }).responses })),
  );
  const errorShape = ajv.compile(ERROR_REF);

  return (method, url, answer) => {
    const path = pathOf(url);
    if (NOT_API_PATHS.test(path)) return [];
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const where = `${method.toUpperCase()} ${path} → ${answer.status}`;
    const operation = operations.find((candidate) => candidate.method === verb && candidate.pattern.test(path));
    if (!operation) {
      if (answer.status < 400) return [`${where}: the document has no operation ${verb.toUpperCase()} for this path`];
      return errorShape(answer.body) ? [] : [`${where}: not in the Error schema: ${ajv.errorsText(errorShape.errors)}`];
    }
    const response = operation.responses[String(answer.status)] ?? operation.responses.default;
    if (!response) return [`${where}: status not listed for ${verb.toUpperCase()} ${operation.template} (listed: ${Object.keys(operation.responses).join(', ')})`];
    const media = Object.entries(response.content ?? {});
    if (method.toLowerCase() === 'head' || media.length === 0) return [];
    const json = media.find(([type]) => type.includes('json'));
    if (!json) return typeof (answer.text ?? answer.body) === 'string' ? [] : [`${where}: expected a text body`];
    const validate = validatorOf(json[1].schema ?? {});
    return validate(answer.body) ? [] : [`${where}: body does not match the ${operation.template} schema: ${ajv.errorsText(validate.errors)}`];
  };
}

const checkers = new WeakMap<INestApplication, ContractCheck>();

/** The checker of the document the application serves at /docs-json (built the same way, once per application). */
export function contractOf(app: INestApplication): ContractCheck {
  if (!checkers.has(app)) checkers.set(app, contractChecker(buildOpenApiDocument(app)));
  return checkers.get(app) as ContractCheck;
}

const CHECKED_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head']);

/**
 * The agent, with every request it makes checked against the contract when its answer arrives:
 * a test that awaits the request, or calls `.expect(…)`, fails on an answer the document does not
 * describe. (CORS preflights, OPTIONS, are the browser's, not operations.)
 */
export function checkedAgent<Agent extends object>(agent: Agent, check: ContractCheck): Agent {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !CHECKED_METHODS.has(property) || typeof value !== 'function') return value;
      return (url: string, ...rest: unknown[]) =>
        (value as (...args: unknown[]) => { expect(assertion: (answer: ContractAnswer) => void): unknown }).call(target, url, ...rest).expect((answer: ContractAnswer) => {
          const problems = check(property, url, { status: answer.status, headers: answer.headers, body: answer.body, text: answer.text });
          if (problems.length > 0) throw new Error(`The answer breaks the OpenAPI contract:\n${problems.join('\n')}`);
        });
    },
  });
}

interface ContractAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text?: string;
}
