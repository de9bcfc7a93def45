import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';

/**
 * SQL with `$n` parameters on MikroORM's own pg pool: arrays bind as PostgreSQL arrays (for
 * `unnest` and `= ANY`), and each statement is one round trip. The reporting repositories use it
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
}
