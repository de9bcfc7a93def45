import { Injectable } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';

export interface StoredConsoleSession {
  apiKeyId: string;
  apiKeyPrefix: string;
  scopes: string[];
  csrfToken: string;
}

const COLUMNS = `api_key_id::text AS "apiKeyId", api_key_prefix AS "apiKeyPrefix", scopes, csrf_token AS "csrfToken"`;

/** console_sessions, by the SHA-256 of the session id (docs/console.md). */
@Injectable()
export class ConsoleSessionsRepository {
  constructor(private readonly sql: NativeSql) {}

  async insert(idHash: string, session: StoredConsoleSession, idleSeconds: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO console_sessions (id_hash, api_key_id, api_key_prefix, scopes, csrf_token, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [idHash, session.apiKeyId, session.apiKeyPrefix, session.scopes, session.csrfToken, idleSeconds],
    );
  }

  /** The live session of a key not revoked since, its expiry moved idleSeconds ahead (capped at maxSeconds after sign-in); null when unknown or expired. */
  async touch(idHash: string, idleSeconds: number, maxSeconds: number): Promise<StoredConsoleSession | null> {
    const [row] = await this.sql.query<StoredConsoleSession>(
      `UPDATE console_sessions SET expires_at = least(now() + make_interval(secs => $2), created_at + make_interval(secs => $3))
       WHERE id_hash = $1 AND expires_at > now()
         AND EXISTS (SELECT 1 FROM api_keys k WHERE k.id = console_sessions.api_key_id AND k.revoked_at IS NULL)
       RETURNING ${COLUMNS}`,
      [idHash, idleSeconds, maxSeconds],
    );
    return row ?? null;
  }

  async delete(idHash: string): Promise<void> {
    await this.sql.query(`DELETE FROM console_sessions WHERE id_hash = $1`, [idHash]);
  }

  async deleteExpired(): Promise<void> {
    await this.sql.query(`DELETE FROM console_sessions WHERE expires_at <= now()`);
  }
}
