import { readFileSync } from 'node:fs';
import type pg from 'pg';

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ: 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

/** User + system CPU seconds of a process so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    // the command name may hold spaces: fields are counted after its closing parenthesis
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds of every PostgreSQL backend connected to `database` (other databases' work on the shared server is left out). */
export async function backendCpu(client: pg.Client, database: string): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  return new Map(rows.map((row) => [row.pid, processCpuSeconds(row.pid)]));
}

/** CPU the backends spent since `before` (backends that connected meanwhile count from zero). */
export async function backendCpuSince(client: pg.Client, database: string, before: Map<number, number>): Promise<number> {
  const after = await backendCpu(client, database);
  let seconds = 0;
  for (const [pid, cpu] of after) seconds += cpu - (before.get(pid) ?? 0);
  return seconds;
}

export async function walPosition(client: pg.Client): Promise<string> {
  return (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
}

export async function walBytesSince(client: pg.Client, lsn: string): Promise<number> {
  return Number((await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS bytes', [lsn])).rows[0]!.bytes);
}

/**
 * WAL bytes of one statement exactly (EXPLAIN ANALYZE's WAL counters: records, full page images
 * and bytes it generated, not the commit record), whatever else the server is doing.
 */
export async function statementWal(client: pg.Client, text: string, values: unknown[]): Promise<{ records: number; fullPageImages: number; bytes: number }> {
  const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: Record<string, number> }] }>(`EXPLAIN (ANALYZE, WAL, FORMAT JSON) ${text}`, values);
  const plan = rows[0]!['QUERY PLAN'][0].Plan;
  return { records: plan['WAL Records']!, fullPageImages: plan['WAL FPI']!, bytes: plan['WAL Bytes']! };
}

/** Heap (with TOAST and maps) and index bytes of `tables`. */
export async function tableBytes(client: pg.Client, tables: string[]): Promise<{ heap: number; index: number }> {
  const { rows } = await client.query<{ heap: string; index: string }>(
    'SELECT sum(pg_table_size(t))::text AS heap, sum(pg_indexes_size(t))::text AS index FROM unnest($1::regclass[]) t',
    [tables],
  );
  return { heap: Number(rows[0]!.heap), index: Number(rows[0]!.index) };
}
