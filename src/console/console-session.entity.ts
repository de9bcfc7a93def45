import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * A signed-in operator console session (docs/console.md). Only the SHA-256 of the cookie's session
 * id is stored, never the API key: the key is checked once at sign-in and its scopes copied here.
 * In PostgreSQL rather than in memory so every replica behind the load balancer knows it.
 */
@Entity({ tableName: 'console_sessions' })
@Index({ name: 'console_sessions_expires_at', properties: ['expiresAt'] })
export class ConsoleSession {
  @PrimaryKey({ type: 'text' })
  idHash!: string;

  @Property({ type: 'uuid' })
  apiKeyId!: string;

  /** The key's public prefix (mb_…): shown on the pages and recorded with what the session does. */
  @Property({ type: 'text' })
  apiKeyPrefix!: string;

  @Property({ type: 'text[]' })
  scopes!: string[];

  @Property({ type: 'text' })
  csrfToken!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;

  /** Moved forward by each request, never past createdAt + the absolute lifetime. */
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;
}
