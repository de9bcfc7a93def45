import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import type { PageRead } from '../common/http/pagination.js';
import type { DatabaseConfig } from '../config/app-config.js';
import { NativeSql } from './native-sql.js';
import { ormOptions } from './orm-options.js';
import { PRIMARY_WAL_POSITION_SQL, readAsOf, REPLAYED_UP_TO_SQL } from './read-freshness.js';

/**
 * A second, smaller connection pool for reads whose cost a caller chooses (usage totals over a
 * window) and for the other request reads that may lag (the trace, the status, every list:
 * docs/read-routing.md), on DATABASE_READ_URL (a read replica) or the store of record. Ten such reads over a
 * customer with a million events held every connection of the main pool for 10 s: ingest waited
 * seconds and readiness timed out, so Kubernetes would have taken every replica out. Here they can
 * only fill their own pool; every statement is cancelled after REQUEST_STATEMENT_TIMEOUT_MS, and a
 * read waiting that long for a connection gives up too. Ingest, the reporter and the probes keep
 * the main pool, which has no statement timeout (the reporter's claim may rightly run for minutes).
 */
export class RequestReadsDatabase implements OnApplicationShutdown {
  private readonly logger = new Logger(RequestReadsDatabase.name);

  /** SQL on this pool, for repositories whose reads are routed here (docs/read-routing.md). */
  readonly sql: NativeSql;

  private constructor(readonly orm: MikroORM) {
    this.sql = new NativeSql(orm);
  }

  /** The instant the data on this pool is current to (see read-freshness.ts). */
  asOf(): Promise<string> {
    return readAsOf((text, values) => this.sql.query(text, values));
  }

  /** A page's rows read by `read` (on this pool) with the `asOf` taken before it: lists say how fresh they are as totals do. */
  async readPage<Row>(read: () => Promise<Row[]>): Promise<PageRead<Row>> {
    const asOf = await this.asOf();
    return { rows: await read(), asOf };
  }

  /**
   * Waits (polling, at most `timeoutMs`) until this pool's database has replayed everything the
   * primary (`primary`) had written when called, so the read that follows sees every commit made
   * before it; false when it did not catch up in time.
   */
  async catchUpWith(primary: NativeSql, timeoutMs: number): Promise<boolean> {
    const [{ lsn }] = (await primary.query<{ lsn: string }>(PRIMARY_WAL_POSITION_SQL)) as [{ lsn: string }];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ replayed }] = (await this.sql.query<{ replayed: boolean }>(REPLAYED_UP_TO_SQL, [lsn])) as [{ replayed: boolean }];
      if (replayed) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * `entities` are the primary's: the list reads of repositories built on this pool's
   * EntityManager (docs/read-routing.md) load the same entity classes.
   */
  static async connect({ readUrl, url, readPoolMax, requestStatementTimeoutMs }: DatabaseConfig, entities: NonNullable<Options['entities']>): Promise<RequestReadsDatabase> {
    const orm = await MikroORM.init({
      ...ormOptions(readUrl ?? url ?? '', readPoolMax),
      // reads only: no migration or schema work happens on this pool
      extensions: [],
      entities,
      driverOptions: { statement_timeout: requestStatementTimeoutMs, connectionTimeoutMillis: requestStatementTimeoutMs },
    });
    await orm.connect();
    return new RequestReadsDatabase(orm);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.orm.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the request-reads pool failed'));
  }
}
