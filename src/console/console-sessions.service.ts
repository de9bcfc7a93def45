import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ConsoleSessionsRepository } from './console-sessions.repository.js';
import { AuthErrors } from '../auth/auth.errors.js';

/** A session lives 30 minutes past its last request, and 8 hours at most (docs/console.md). */
const SESSION_IDLE_SECONDS = 30 * 60;
const SESSION_MAX_SECONDS = 8 * 60 * 60;

/** What a console page knows about who is signed in: the key's prefix and scopes, never the key. */
export interface ConsoleOperator {
  apiKeyPrefix: string;
  /** admin: may release, recheck, correct and redeliver; usage:read: reads only. */
  canAct: boolean;
  csrfToken: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');
const randomToken = () => randomBytes(32).toString('base64url');

/** Sign-in with an API key exchanged for a server-side session, its CSRF token, sign-out. */
@Injectable()
export class ConsoleSessionsService {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: ConsoleSessionsRepository,
  ) {}

  /** The session id for the cookie: the key must be active and hold admin or usage:read. */
  async signIn(apiKey: string, clientAddress: string): Promise<string> {
    const verification = await this.apiKeys.verify(apiKey.trim(), clientAddress);
    if (verification.outcome === 'throttled') throw new DomainError(AuthErrors.RATE_LIMITED, `Too many unknown keys from this address; retry after ${Math.ceil(verification.retryAfterMs / 1000)}s`);
    if (verification.outcome !== 'key') throw new DomainError(AuthErrors.UNAUTHENTICATED, 'This API key is unknown or revoked');
    const { key } = verification;
    const scopes = key.scopes.filter((scope) => scope === 'admin' || scope === 'usage:read');
    if (scopes.length === 0) throw new DomainError(AuthErrors.FORBIDDEN_SCOPE, 'The console needs a key with the admin or usage:read scope');
    const sessionId = randomToken();
    await this.sessions.deleteExpired();
    await this.sessions.insert(digest(sessionId), { apiKeyId: key.id, apiKeyPrefix: key.prefix, scopes, csrfToken: randomToken() }, SESSION_IDLE_SECONDS);
    return sessionId;
  }

  /** The operator of a live session, its expiry moved forward; undefined when there is none. */
  async operator(sessionId: string | undefined): Promise<ConsoleOperator | undefined> {
    if (!sessionId) return undefined;
    const session = await this.sessions.touch(digest(sessionId), SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS);
    if (!session) return undefined;
    return { apiKeyPrefix: session.apiKeyPrefix, canAct: session.scopes.includes('admin'), csrfToken: session.csrfToken };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.sessions.delete(digest(sessionId));
  }
}

/** Constant-time comparison of the form's CSRF token with the session's. */
export function csrfTokenMatches(operator: ConsoleOperator, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const [expected, actual] = [Buffer.from(digest(operator.csrfToken)), Buffer.from(digest(presented))];
  return timingSafeEqual(expected, actual);
}
