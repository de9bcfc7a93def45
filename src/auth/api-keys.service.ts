import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DomainError } from '../common/errors/domain-error.js';
import type { PageRead, PageRequest } from '../common/http/pagination.js';
import { authConfig } from '../config/namespaces.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import type { ApiKey } from './api-key.entity.js';
import { apiKeyPrefixOf, generateApiKeyToken, hashApiKeyToken } from './api-key-token.js';
import { API_KEY_READS, ApiKeysRepository } from './api-keys.repository.js';
import { FailedAuthLimiter } from './failed-auth.limiter.js';
import type { ApiScope } from './scopes.decorator.js';
import { AuthErrors } from './auth.errors.js';

/** What the rest of the service knows about the caller's key: never its secret or hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export type KeyVerification = { outcome: 'key'; key: ApiKeyView } | { outcome: 'unknown' } | { outcome: 'throttled'; retryAfterMs: number };

export const BOOTSTRAP_KEY_NAME = 'bootstrap-admin';

/** last_used_at is a hint for operators, so it is written at most this often per key. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

function toView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: [...key.scopes],
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt ?? null,
    revokedAt: key.revokedAt ?? null,
  };
}

@Injectable()
export class ApiKeysService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiKeysService.name);
  /**
   * Verified keys by the hex digest of the presented key, so ingest does not read the database on
   * every request. A revocation by this process evicts at once; one made elsewhere (the CLI,
   * another replica) is seen here within `keyCacheTtlMs`.
   */
  private readonly verified = new Map<string, { key: ApiKeyView; expiresAt: number }>();
  private readonly lastUsedWrittenAt = new Map<string, number>();
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly failedAuth: FailedAuthLimiter;

  constructor(
    private readonly keys: ApiKeysRepository,
    @Inject(API_KEY_READS) private readonly keyReads: ApiKeysRepository,
    private readonly reads: RequestReadsDatabase,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {
    this.failedAuth = new FailedAuthLimiter(auth.failuresPerMinute, auth.unknownKeyCacheTtlMs);
  }

  /** Returns the key itself exactly once: only its hash is stored. */
  async create(name: string, scopes: ApiScope[]): Promise<{ key: ApiKeyView; token: string }> {
    if (!name.trim()) throw new DomainError(AuthErrors.API_KEY_NAME_REQUIRED, 'An API key needs a name');
    if (scopes.length === 0) throw new DomainError(AuthErrors.API_KEY_SCOPES_REQUIRED, 'An API key needs at least one scope');
    const { token, prefix, hash } = generateApiKeyToken();
    const key = await this.keys.insert({ name: name.trim(), prefix, hash, scopes: [...new Set(scopes)] });
    this.failedAuth.forget(hash);
    return { key: toView(key), token };
  }

  /** Every key, oldest first: for the CLI. HTTP callers page through listPage. */
  async list(): Promise<ApiKeyView[]> {
    return (await this.keys.list()).map(toView);
  }

  /** One page in prefix order, read one row past the page so the caller knows whether another follows, on the request-reads pool: it may lag by its `asOf` (docs/read-routing.md). */
  listPage(request: PageRequest): Promise<PageRead<ApiKeyView>> {
    return this.reads.readPage(async () => (await this.keyReads.listPage(request.after, request.limit + 1)).map(toView));
  }

  /** By prefix (`mb_…`), the whole key (its prefix is used) or id; undefined when no key matches. */
  async revoke(reference: string): Promise<ApiKeyView | undefined> {
    const key = await this.keys.findByPrefixOrId(apiKeyPrefixOf(reference) ?? reference);
    if (!key) return undefined;
    await this.keys.revoke(key.id);
    for (const [digest, entry] of this.verified) if (entry.key.id === key.id) this.verified.delete(digest);
    return toView((await this.keys.findByPrefixOrId(key.id)) ?? key);
  }

  /**
   * The active key a caller presented (`key`), or why not: malformed, unknown or revoked
   * (`unknown`), or not looked up because `clientAddress` failed too many lookups this minute
   * (`throttled`). Only a lookup that reached the database counts as a failure: a key verified or
   * found unknown moments ago is answered from memory.
   */
  async verify(token: string, clientAddress: string): Promise<KeyVerification> {
    const prefix = apiKeyPrefixOf(token);
    if (!prefix) return { outcome: 'unknown' };
    const digest = hashApiKeyToken(token);
    const cached = this.verified.get(digest);
    let key = cached && cached.expiresAt > Date.now() ? cached.key : undefined;
    if (!key) {
      if (this.failedAuth.isKnownUnknown(digest)) return { outcome: 'unknown' };
      const retryAfterMs = this.failedAuth.retryAfterMs(clientAddress);
      if (retryAfterMs > 0) return { outcome: 'throttled', retryAfterMs };
      const stored = await this.keys.findByPrefix(prefix);
      // the prefix is public; the secret part is checked by comparing digests in constant time
      if (!stored || !timingSafeEqual(Buffer.from(stored.hash, 'hex'), Buffer.from(digest, 'hex')) || stored.revokedAt) {
        this.failedAuth.recordFailure(clientAddress, digest);
        return { outcome: 'unknown' };
      }
      key = toView(stored);
      if (this.auth.keyCacheTtlMs > 0) this.verified.set(digest, { key, expiresAt: Date.now() + this.auth.keyCacheTtlMs });
    }
    if (key.revokedAt) return { outcome: 'unknown' };
    this.noteUse(key.id);
    return { outcome: 'key', key };
  }

  /**
   * Stores BOOTSTRAP_ADMIN_API_KEY (hashed) so a fresh deployment can be reached. Idempotent, also
   * across replicas booting at once; the key stays until revoked like any other.
   */
  async ensureBootstrapKey(): Promise<void> {
    const token = this.auth.bootstrapAdminKey;
    const prefix = token && apiKeyPrefixOf(token);
    if (!token || !prefix) return;
    const hash = hashApiKeyToken(token);
    await this.keys.insertUnlessStored({ name: BOOTSTRAP_KEY_NAME, prefix, hash, scopes: ['admin'] });
    const stored = await this.keys.findByPrefix(prefix);
    if (stored?.hash !== hash) {
      throw new Error(`BOOTSTRAP_ADMIN_API_KEY: its prefix ${prefix} already belongs to another API key; choose another key`);
    }
    if (stored.revokedAt) this.logger.warn({ apiKey: prefix }, 'BOOTSTRAP_ADMIN_API_KEY is revoked: it opens nothing');
  }

  /** Waits for last-used writes still in flight, before the database connection closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.pendingWrites);
  }

  /** Fire-and-forget and throttled: a request never waits for it, and a failure only logs. */
  private noteUse(id: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWrittenAt.get(id) ?? 0) < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWrittenAt.set(id, now);
    const write: Promise<void> = this.keys
      .touchLastUsed(id, new Date(now))
      .catch((error: unknown) => this.logger.warn({ err: error, apiKeyId: id }, 'could not record when an API key was last used'))
      .finally(() => this.pendingWrites.delete(write));
    this.pendingWrites.add(write);
  }
}
