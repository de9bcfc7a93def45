import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey } from './api-key.entity.js';
import type { ApiScope } from './scopes.decorator.js';

export interface NewApiKeyRow {
  name: string;
  prefix: string;
  hash: string;
  scopes: ApiScope[];
}

/** The repository on the request-reads pool (DATABASE_READ_URL when set): its list reads (docs/read-routing.md). */
export const API_KEY_READS = Symbol('API_KEY_READS');

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(row: NewApiKeyRow): Promise<ApiKey> {
    const em = this.em.fork();
    const key = em.create(ApiKey, row);
    await em.persist(key).flush();
    return key;
  }

  /** Replicas booting together with one bootstrap key store it once; the others find it stored. */
  async insertUnlessStored(row: NewApiKeyRow): Promise<void> {
    // an array parameter would be expanded into a list of parameters, so the scopes travel as one string
    await this.em.execute(`insert into api_keys (name, prefix, hash, scopes) values (?, ?, ?, string_to_array(?, ',')) on conflict do nothing`, [
      row.name,
      row.prefix,
      row.hash,
      row.scopes.join(','),
    ]);
  }

  findByPrefix(prefix: string): Promise<ApiKey | null> {
    return this.em.fork().findOne(ApiKey, { prefix });
  }

  findByPrefixOrId(reference: string): Promise<ApiKey | null> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(reference);
    return this.em.fork().findOne(ApiKey, isUuid ? { id: reference } : { prefix: reference });
  }

  list(): Promise<ApiKey[]> {
    return this.em.fork().find(ApiKey, {}, { orderBy: { createdAt: 'asc', prefix: 'asc' } });
  }

  /** In prefix order (unique, indexed), `limit` rows after `after`: a keyset read whatever the page. */
  listPage(after: string | undefined, limit: number): Promise<ApiKey[]> {
    return this.em.fork().find(ApiKey, after === undefined ? {} : { prefix: { $gt: after } }, { orderBy: { prefix: 'asc' }, limit });
  }

  /** Sets revoked_at once; revoking again keeps the first time. */
  async revoke(id: string): Promise<void> {
    await this.em.execute(`update api_keys set revoked_at = coalesce(revoked_at, now()) where id = ?`, [id]);
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.em.execute(`update api_keys set last_used_at = greatest(last_used_at, ?) where id = ?`, [at, id]);
  }
}
