import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase, type EmbeddedDatabaseOptions } from '../../src/database/embedded-postgres';
import { freePort } from '../support/free-port';

/** The run's own PostgreSQL: persistent in the run folder, so a restart keeps every committed row. */
export interface ChaosDatabase {
  url: string;
  /** Stops the server (fast shutdown: sessions cut, open transactions rolled back), waits, starts it on the same data. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

const START_ATTEMPTS = 5;

async function startWithRetries(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startEmbeddedPostgres(options);
    } catch (error) {
      // the previous postmaster may still be releasing its socket and shared memory
      if (attempt >= START_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

export async function startChaosDatabase(runDir: string): Promise<ChaosDatabase> {
  const logFile = join(runDir, 'postgres.log');
  const options: EmbeddedDatabaseOptions = {
    dataDir: join(runDir, 'pg'),
    port: await freePort(),
    database: 'meterbridge',
    persistent: true,
    onLog: (line) => appendFileSync(logFile, `${line}\n`),
  };
  let server = await startWithRetries(options);
  const url = server.url;
  return {
    url,
    restart: async (downMs) => {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await startWithRetries(options);
    },
    stop: () => server.stop(),
    query: async <T>(sql: string, params: unknown[] = []) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
  };
}
