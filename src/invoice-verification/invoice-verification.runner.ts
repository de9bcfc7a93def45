import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { databaseConfig, invoiceVerificationConfig } from '../config/namespaces.js';
import { AdvisoryLock, tryWithAdvisoryLock } from '../database/advisory-lock.js';
import { PeriodicJob } from '../notifications/periodic-job.js';
import { InvoiceChecker } from './invoice-checker.service.js';
import { InvoiceVerificationsRepository } from './invoice-verifications.repository.js';

/** Verifications claimed per pass; the rest wait for the next one. */
const BATCH = 20;

/**
 * Works through verifications that are due, in every replica every INVOICE_VERIFICATION_POLL_MS,
 * one replica at a time (advisory lock); claims are leased rows, so a crash mid-check resumes.
 */
@Injectable()
export class InvoiceVerificationRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InvoiceVerificationRunner.name);
  private readonly job: PeriodicJob;

  constructor(
    @Inject(invoiceVerificationConfig.KEY) private readonly verification: ConfigType<typeof invoiceVerificationConfig>,
    @Inject(databaseConfig.KEY) private readonly database: ConfigType<typeof databaseConfig>,
    scheduler: SchedulerRegistry,
    private readonly verifications: InvoiceVerificationsRepository,
    private readonly checker: InvoiceChecker,
  ) {
    this.job = new PeriodicJob(scheduler, 'invoice-verification', () => this.pass());
  }

  onApplicationBootstrap(): void {
    const { runnerEnabled, mode, pollMs } = this.verification;
    if (runnerEnabled && mode !== 'off') this.job.start(pollMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** One pass now (or the one under way). */
  runOnce(): Promise<void> {
    return this.job.runOnce();
  }

  /** A pass soon, without waiting for it (after invoice.created, so the webhook is answered at once). */
  runSoon(): void {
    if (this.verification.runnerEnabled) void this.job.runOnce();
  }

  private async pass(): Promise<number> {
    const outcome = await tryWithAdvisoryLock(this.database.url ?? '', AdvisoryLock.InvoiceVerification, async () => {
      let checked = 0;
      for (const row of await this.verifications.claimDue(BATCH, this.verification.leaseSeconds)) {
        try {
          await this.checker.check(row);
          checked += 1;
        } catch (error) {
          // left claimed: the lease lapses and the check is tried again
          this.logger.error({ err: error }, `checking invoice ${row.stripeInvoiceId} failed`);
        }
      }
      return checked;
    });
    return outcome.acquired ? outcome.result : 0;
  }
}
