import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';

/**
 * SQL with `$n` parameters on MikroORM's own pg pool: arrays bind as PostgreSQL arrays (for
 * `unnest` and `= ANY`), and each statement is one round trip. The reporting and corrections repositories use it
 * for their set-based statements.
 */
@Injectable()
export class NativeSql {
  constructor(private readonly orm: MikroORM) {}

  async query<T>(text: string, values: unknown[] = []): Promise<T[]> {
    const pool = await this.orm.em.getConnection().getNativeClient();
    const result = await pool.query({ text, values });
    return result.rows as T[];
  }

  /** Runs `work` in one transaction on one pooled connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (query: <R>(text: string, values?: unknown[]) => Promise<R[]>) => Promise<T>): Promise<T> {
    const pool = await this.orm.em.getConnection().getNativeClient();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(async <R>(text: string, values: unknown[] = []) => (await client.query({ text, values })).rows as R[]);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
