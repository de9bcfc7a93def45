import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain-error.js';
import type { Html } from './html.js';
import { CommonErrors } from '../common/errors/common.errors.js';
import { ConsoleErrors } from './console.errors.js';

/** The console's cookie, scoped to its pages; Secure in production (docs/console.md). */
export const SESSION_COOKIE = 'meterbridge_console';
export const CONSOLE_PATH = '/console';
const FORM_BODY_LIMIT = 16 * 1024;

export type ConsoleForm = Record<string, string | undefined>;

export function sessionIdOf(request: FastifyRequest): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

/** A browser-session cookie: the server alone decides when the session ends (it slides with each request). */
export function setSessionCookie(reply: FastifyReply, sessionId: string, secure: boolean): void {
  const attributes = [`Path=${CONSOLE_PATH}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  void reply.header('set-cookie', [`${SESSION_COOKIE}=${sessionId}`, ...attributes].join('; '));
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.header('set-cookie', [`${SESSION_COOKIE}=`, `Path=${CONSOLE_PATH}`, 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join('; '));
}

/** Pages show customer data: never cached, never framed. */
export function sendPage(reply: FastifyReply, page: Html, status = 200): void {
  void reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page.value);
}

/** A query parameter as one string: a repeated key (an array) or none reads as absent. */
export const queryText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * A refusal the page shows (a missing reason, an invoice no longer held) goes to a browser as that
 * page; any other client gets the API's JSON error shape, as everywhere else in the service.
 */
export function shownOnPage(request: FastifyRequest, error: unknown): error is DomainError {
  return error instanceof DomainError && (request.headers.accept ?? '').includes('text/html');
}

/** After a form: 303 so a reload does not post it again. */
export function redirectTo(reply: FastifyReply, location: string): void {
  void reply.code(303).header('cache-control', 'no-store').header('location', location).send();
}

/**
 * A state change must come from the console's own pages. A browser says where a form was posted
 * from in Sec-Fetch-Site; one that does not (or an http:// origin that is not local) still sends
 * Origin, which is `null` under this service's Referrer-Policy: no-referrer and then says nothing.
 * The CSRF token is checked besides (ConsoleGate). Only the console's own form encoding is taken,
 * so every field is a string.
 */
export function refuseForeignPost(request: FastifyRequest): void {
  if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    throw new DomainError(CommonErrors.UNSUPPORTED_MEDIA_TYPE, "The console's forms post application/x-www-form-urlencoded");
  }
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const crossSite = site !== undefined ? site !== 'same-origin' : origin !== undefined && origin !== 'null' && origin !== `${request.protocol}://${request.host}`;
  if (crossSite) throw new DomainError(ConsoleErrors.CONSOLE_CROSS_SITE_REFUSED, 'This form was not posted from the console itself');
}

/**
 * The console's forms post application/x-www-form-urlencoded; the API takes JSON only, so the
 * parser refuses form bodies on any other route.
 */
export function acceptConsoleForms(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (request, body, done) => {
    if (!request.url.startsWith(`${CONSOLE_PATH}/`)) {
      // the error Fastify raises for a type it has no parser for, answered as such (error-body.ts)
      done(Object.assign(new Error('Unsupported Media Type'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), undefined);
      return;
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
