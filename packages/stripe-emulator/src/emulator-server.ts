import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import qs from 'qs';
import type { EmulatorState } from './emulator-state.js';
import type { FaultInjector } from './http/faults.js';
import { requestFingerprint, type IdempotencyCache } from './http/idempotency.js';
import type { HttpMethod, Route, RouteRequest, Router } from './http/router.js';
import { StripeApiError } from './http/stripe-api-error.js';
import { authenticate } from './http/authentication.js';
import { runInRequest } from './http/request-origin.js';
import { stripeId } from './state/stripe-ids.js';

export interface EmulatorServerDependencies {
  state: EmulatorState;
  /** Stripe's API: authenticated, subject to faults and idempotency. */
  api: Router;
  /** `/_emulator/*`: no authentication, no faults. */
  control: Router;
  faults: FaultInjector;
  idempotency: IdempotencyCache;
}

/** One response, serialized once so that an idempotent replay sends the very same bytes. */
interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** False when the request failed validation before an endpoint ran: Stripe saves no result then. */
  saved: boolean;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const QS_OPTIONS = { depth: 8, arrayLimit: 1000, parameterLimit: 10_000 };

function serialize(status: number, body: unknown, headers: Record<string, string> = {}, saved = true): Answer {
  return { status, body: `${JSON.stringify(body, null, 2)}\n`, headers, saved };
}

/** v2 paths answer errors in v2's body shape, everything else in v1's. */
function errorAnswer(error: StripeApiError, path = ''): Answer {
  const headers: Record<string, string> = error.details.shouldRetry === undefined ? {} : { 'Stripe-Should-Retry': String(error.details.shouldRetry) };
  return serialize(error.status, path.startsWith('/v2/') ? error.v2Body() : error.body(), headers, error.stage === 'execution');
}

function unexpectedAnswer(error: unknown, path = ''): Answer {
  process.stderr.write(`stripe emulator: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
  return errorAnswer(new StripeApiError(500, 'api_error', 'An unknown error occurred while processing this request in the Stripe emulator.'), path);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** v1 and the control API's queries use form encoding with bracket notation; v2 and control bodies are JSON. */
function parseParameters(method: string, url: URL, rawBody: string, json: boolean): unknown {
  const query = qs.parse(url.search.slice(1), QS_OPTIONS);
  if (method === 'GET' || method === 'DELETE' || rawBody.trim() === '') return query;
  if (!json) return { ...query, ...qs.parse(rawBody, QS_OPTIONS) };
  try {
    return JSON.parse(rawBody) as unknown;
  } catch {
    throw new StripeApiError(400, 'invalid_request_error', 'Invalid JSON received in the request body.', { code: 'invalid_json', stage: 'validation' });
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function run(route: Route, request: RouteRequest): Promise<Answer> {
  try {
    const result = await route.handler(request);
    return serialize(result.status ?? 200, result.body);
  } catch (error) {
    return error instanceof StripeApiError ? errorAnswer(error, request.path) : unexpectedAnswer(error, request.path);
  }
}

function unrecognized(method: string, path: string): Answer {
  return errorAnswer(
    new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`, { stage: 'validation' }),
  );
}

/** Authentication, parameters, idempotency, then the endpoint: the order Stripe applies them in. */
async function executeApiRequest(deps: EmulatorServerDependencies, method: string, url: URL, headers: IncomingHttpHeaders, rawBody: string): Promise<Answer> {
  const requestId = stripeId('req', 14);
  const idempotencyKey = method === 'GET' ? undefined : header(headers, 'idempotency-key');
  const answer = await runInRequest({ id: requestId, idempotencyKey: idempotencyKey ?? null }, () => executeApiRoute(deps, method, url, headers, rawBody, idempotencyKey));
  return { ...answer, headers: { 'Request-Id': requestId, ...answer.headers } };
}

async function executeApiRoute(deps: EmulatorServerDependencies, method: string, url: URL, headers: IncomingHttpHeaders, rawBody: string, idempotencyKey: string | undefined): Promise<Answer> {
  const match = deps.api.match(method, url.pathname);
  if (!match.route) return unrecognized(method, url.pathname);
  const route = match.route;
  let registered = false;
  try {
    authenticate(deps.state, route.auth, header(headers, 'authorization'));
    const body = parseParameters(method, url, rawBody, url.pathname.startsWith('/v2/'));
    const request: RouteRequest = { method: method as HttpMethod, path: url.pathname, pathParams: match.pathParams, body };
    if (idempotencyKey === undefined) return await run(route, request);
    const replay = deps.idempotency.begin(idempotencyKey, requestFingerprint(method, url.pathname, body));
    if (replay) return { ...replay, headers: { ...replay.headers, 'Idempotency-Key': idempotencyKey, 'Idempotent-Replayed': 'true' }, saved: true };
    registered = true;
    const answer = await run(route, request);
    if (answer.saved) deps.idempotency.complete(idempotencyKey, answer);
    else deps.idempotency.abandon(idempotencyKey);
    return { ...answer, headers: { ...answer.headers, 'Idempotency-Key': idempotencyKey } };
  } catch (error) {
    if (registered && idempotencyKey !== undefined) deps.idempotency.abandon(idempotencyKey);
    return error instanceof StripeApiError ? errorAnswer(error, url.pathname) : unexpectedAnswer(error, url.pathname);
  }
}

async function executeControlRequest(deps: EmulatorServerDependencies, method: string, url: URL, rawBody: string): Promise<Answer> {
  const match = deps.control.match(method, url.pathname);
  if (!match.route) return unrecognized(method, url.pathname);
  try {
    const body = parseParameters(method, url, rawBody, true);
    return await run(match.route, { method: method as HttpMethod, path: url.pathname, pathParams: match.pathParams, body });
  } catch (error) {
    return error instanceof StripeApiError ? errorAnswer(error) : unexpectedAnswer(error);
  }
}

function write(response: ServerResponse, answer: Answer, requestHeaders: IncomingHttpHeaders): void {
  const apiVersion = header(requestHeaders, 'stripe-version');
  response.writeHead(answer.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(answer.body),
    'Request-Id': stripeId('req', 14),
    ...(apiVersion ? { 'Stripe-Version': apiVersion } : {}),
    ...answer.headers,
  });
  response.end(answer.body);
}

async function handle(deps: EmulatorServerDependencies, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://stripe-emulator.local');
  const method = (request.method ?? 'GET').toUpperCase();
  const rawBody = await readBody(request);
  if (url.pathname.startsWith('/_emulator/')) return write(response, await executeControlRequest(deps, method, url, rawBody), request.headers);
  const fault = deps.faults.next(method, url.pathname);
  // a hung request keeps its socket open until the client times out or the emulator closes
  if (fault === 'hang') return;
  if (fault === 'server_error') return write(response, errorAnswer(new StripeApiError(500, 'api_error', 'An unknown error occurred (injected by the Stripe emulator).'), url.pathname), request.headers);
  if (fault === 'rate_limit') {
    const limited = new StripeApiError(429, 'invalid_request_error', 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.', { code: 'rate_limit' });
    return write(response, errorAnswer(limited, url.pathname), request.headers);
  }
  if (fault === 'invalid_request') return write(response, errorAnswer(new StripeApiError(400, 'invalid_request_error', 'The request was refused (injected by the Stripe emulator).'), url.pathname), request.headers);
  const answer = await executeApiRequest(deps, method, url, request.headers, rawBody);
  // applied and kept, but the client never hears back
  if (fault === 'drop_connection') return void request.socket.destroy();
  deps.state.traffic.notify({ kind: 'api', method, path: url.pathname, status: answer.status, body: answer.body });
  write(response, answer, request.headers);
}

/** The emulator's HTTP server: plain node:http, Stripe's wire protocol. */
export function createEmulatorServer(deps: EmulatorServerDependencies): Server {
  return createServer((request, response) => {
    handle(deps, request, response).catch((error: unknown) => {
      if (!response.headersSent && !response.destroyed) write(response, unexpectedAnswer(error), request.headers);
    });
  });
}
