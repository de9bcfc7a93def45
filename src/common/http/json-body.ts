import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error.js';

/**
 * No request of this API nests anywhere near this deep (a batch event's free-form properties sit
 * at level 4). Past a few thousand levels the recursive code behind the parser (class-transformer,
 * JSON.stringify, jsonb) overflows the stack, which would answer 500 to a client's mistake.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests arrays or objects more than `maxDepth` levels; recursion stops at `maxDepth`, so this cannot overflow itself. */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return maxDepth === 0 || Object.values(value).some((member) => nestsDeeperThan(member, maxDepth - 1));
}

type ParsedBody = (error: Error | null, body?: unknown) => void;

/**
 * The application/json body parser: plain JSON.parse (an empty body reads as `{}`), then a body
 * nested too deep is refused like malformed JSON, before any handler sees it.
 */
export function parseJsonBody(maxDepth = MAX_JSON_DEPTH) {
  return (_request: FastifyRequest, body: Buffer, done: ParsedBody): void => {
    let parsed: unknown;
    try {
      parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      return done(new DomainError(400, 'MALFORMED_JSON', 'The request body is not valid JSON'));
    }
    if (nestsDeeperThan(parsed, maxDepth)) return done(new DomainError(400, 'JSON_TOO_DEEP', `The request body nests objects or arrays more than ${maxDepth} levels deep`));
    done(null, parsed);
  };
}
