import { brotliDecompressSync, gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { CommonErrors } from '../errors/common.errors.js';
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
 * A body that could not be read: its error waits until the caller is authenticated (the guards run
 * after parsing), so an unauthenticated request with a bad body is a 401 like any other and learns
 * nothing about parsing. UnparsedBodyGuard, the last global guard, throws it.
 */
export class UnparsedBody {
  constructor(readonly error: DomainError) {}
}

/** The request body codings a client may use, as Express's body parser accepted them. */
const DECODERS: Record<string, (body: Buffer, options: ZlibOptions) => Buffer> = {
  identity: (body) => body,
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/** The body as text: decompressed (never past `bodyLimit`), UTF-8 only, without a byte order mark. */
function bodyText(request: FastifyRequest, body: Buffer, bodyLimit: number): string {
  const coding = (request.headers['content-encoding'] || 'identity').trim().toLowerCase();
  const decode = DECODERS[coding];
  if (!decode) throw new DomainError(CommonErrors.UNSUPPORTED_ENCODING, `Content-Encoding ${coding} is not supported: use gzip, deflate, br or none`);
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new DomainError(CommonErrors.UNSUPPORTED_CHARSET, 'The request body must be UTF-8');
  let decoded: Buffer;
  try {
    decoded = decode(body, { maxOutputLength: bodyLimit });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new DomainError(CommonErrors.PAYLOAD_TOO_LARGE, 'The request body is larger than the limit once decompressed');
    throw new DomainError(CommonErrors.MALFORMED_BODY, `The request body is not valid ${coding} data`);
  }
  const text = decoded.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The application/json body parser: decoding (bodyText), JSON.parse of an object or array (an empty
 * body reads as `{}`), then a body nested too deep is refused like malformed JSON, before any
 * handler sees it (after authentication: UnparsedBody).
 */
export function parseJsonBody(bodyLimit: number, maxDepth = MAX_JSON_DEPTH) {
  return (request: FastifyRequest, body: Buffer, done: ParsedBody): void => {
    let parsed: unknown;
    try {
      const text = bodyText(request, body, bodyLimit);
      parsed = text.length === 0 ? {} : JSON.parse(text);
      // an object or an array, as Express's strict JSON parser required: no request of this API is a bare scalar or null
      if (typeof parsed !== 'object' || parsed === null) throw new SyntaxError('not an object or array');
    } catch (error) {
      return done(null, new UnparsedBody(error instanceof DomainError ? error : new DomainError(CommonErrors.MALFORMED_JSON, 'The request body is not valid JSON')));
    }
    if (nestsDeeperThan(parsed, maxDepth)) return done(null, new UnparsedBody(new DomainError(CommonErrors.JSON_TOO_DEEP, `The request body nests objects or arrays more than ${maxDepth} levels deep`)));
    done(null, parsed);
  };
}
