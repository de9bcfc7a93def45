import type { FastifyInstance } from 'fastify';
import { CommonErrors } from '../errors/common.errors.js';
import { errorBody } from '../errors/error-body.js';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/v1/customers/:id/usage` → a regular expression matching its paths (with or without a trailing slash). */
function pathPattern(url: string): RegExp {
  const escaped = url.split(/:[^/]+|\*/).map((part) => part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+').replace(/\/$/, '')}/?$`);
}

/**
 * A method the path does not support answers 405 with `Allow` (RFC 9110), not 404: the route table
 * is collected as routes are registered, and a request no route matched is compared with it.
 */
export function answerUnsupportedMethods(fastify: FastifyInstance): void {
  const known = new Map<string, KnownPath>();
  fastify.addHook('onRoute', (route) => {
    const pattern = pathPattern(route.url);
    const entry = known.get(pattern.source) ?? { pattern, methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
    known.set(pattern.source, entry);
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.is404 !== true) return done();
    const path = request.url.split('?')[0];
    const allowed = new Set([...known.values()].filter(({ pattern }) => pattern.test(path)).flatMap(({ methods }) => [...methods]));
    if (allowed.size === 0 || allowed.has(request.method)) return done();
    const methods = [...allowed].sort().join(', ');
    void reply.code(405).header('allow', methods).send(errorBody(CommonErrors.METHOD_NOT_ALLOWED, `${request.method} is not supported here; this path supports ${methods}`));
  });
}
