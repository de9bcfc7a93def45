import { Injectable, Logger } from '@nestjs/common';
import { NativeSql } from '../database/native-sql.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { ReconciliationRepository, type ReconciliationPair } from './reconciliation.repository.js';

/** How long a reconciliation waits for the read replica to replay what the primary has, before reading the primary. */
const CATCH_UP_TIMEOUT_MS = 10_000;

/**
 * Reconciliation's one large read (the delivered units of every customer × meter × day) runs on
 * the request-reads pool, a replica when DATABASE_READ_URL is set (docs/read-routing.md). A
 * lagging replica would miss reports delivered just before the run and report drift that is not
 * there, so the read first waits until the replica has replayed everything the primary had
 * written when the run began; past CATCH_UP_TIMEOUT_MS it reads the primary.
 */
@Injectable()
export class ReconciliationReads {
  private readonly logger = new Logger(ReconciliationReads.name);
  private readonly onReads: ReconciliationRepository;

  constructor(
    private readonly reads: RequestReadsDatabase,
    private readonly primary: NativeSql,
    private readonly onPrimary: ReconciliationRepository,
  ) {
    this.onReads = new ReconciliationRepository(reads.sql);
  }

  async localTotals(from: Date, to: Date): Promise<ReconciliationPair[]> {
    if (await this.reads.catchUpWith(this.primary, CATCH_UP_TIMEOUT_MS)) return this.onReads.localTotals(from, to);
    this.logger.warn(`the read replica did not catch up within ${CATCH_UP_TIMEOUT_MS} ms: reconciliation reads the primary`);
    return this.onPrimary.localTotals(from, to);
  }
}
