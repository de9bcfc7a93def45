import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Runs SQL on MikroORM's own pg pool with real bind parameters; a named statement is parsed and
 * planned once per connection, which matters on hot paths.
 */
export async function nativeQuery<T>(orm: MikroORM, name: string | undefined, text: string, values: unknown[]): Promise<T[]> {
  const pool = await orm.em.getConnection().getNativeClient();
  const result = await pool.query({ name, text, values });
  return result.rows as T[];
}
