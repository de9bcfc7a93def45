import { ArrayType, OptionalProps } from '@mikro-orm/core';
import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { ApiScope } from './scopes.decorator.js';

/**
 * An API key as stored: never the key itself, only its SHA-256 digest. The prefix (`mb_` and a
 * public id) is the part of the key that may be shown in logs and listings.
 */
@Entity({ tableName: 'api_keys' })
@Check({ name: 'api_keys_scopes_check', expression: "scopes <@ array['admin', 'usage:write', 'usage:read']::text[] and cardinality(scopes) > 0" })
export class ApiKey {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', unique: true })
  prefix!: string;

  /** Hex SHA-256 of the whole key. */
  @Property({ type: 'text', unique: true })
  hash!: string;

  @Property({ type: ArrayType, columnType: 'text[]' })
  scopes!: ApiScope[];

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;
}
