import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import pLimit from 'p-limit';
import { reportingConfig } from '../config/namespaces.js';
import type { LockHold } from '../database/advisory-lock.js';
import { StripeGateway, type MeterEventSession, type MeterEventToSend } from '../stripe/stripe-gateway.js';
import { judgeStripeError, withRetries, type RetryOptions, type Verdict } from './delivery-policy.js';
import { meterEventParts } from './meter-event-parts.js';
import { RateLimiter } from './rate-limiter.js';
import type { OutgoingReport, ReportFailure } from './usage-reports.repository.js';

/** Stripe's limit per v2 stream request. */
const STREAM_BATCH_SIZE = 100;
/** A session is replaced this long before Stripe's expiry, so no request races the deadline. */
const SESSION_REFRESH_MARGIN_MS = 60_000;

export interface DeliveryOutcome {
  delivered: string[];
  rejected: ReportFailure[];
  /** Still pending after the run's tries: the next run sends them again, same identifiers. */
  retryLater: ReportFailure[];
}

/** One meter event of a report (a report beyond Stripe's 15 digits is several: meter-event-parts.ts). */
interface OutgoingEvent extends MeterEventToSend {
  reportId: string;
}

/** Worst first: one refused part fails its report, one part still to try keeps it pending. */
const VERDICT_RANK = { rejected: 2, transient: 1, delivered: 0 } as const;
type PartVerdict = { kind: 'delivered' } | { kind: 'rejected' | 'transient'; reason: string };

/**
 * Sends pending reports as Stripe meter events: v1 one event per request with bounded
 * concurrency, or the v2 stream with up to 100 events per request; both under one client-side
 * rate limit, with retries on 429/5xx/network failures. One report's failure never holds back
 * another's: each request's verdict applies to its own events only, and a report (all its parts)
 * is delivered when every part is.
 */
@Injectable()
export class MeterEventSender {
  private readonly limiter: RateLimiter;
  private readonly inFlight: ReturnType<typeof pLimit>;
  private session: Promise<MeterEventSession> | null = null;
  private stopping = false;

  constructor(
    private readonly stripe: StripeGateway,
    @Inject(reportingConfig.KEY) private readonly reporting: ConfigType<typeof reportingConfig>,
  ) {
    this.limiter = new RateLimiter(reporting.maxRequestsPerSecond);
    this.inFlight = pLimit(reporting.concurrency);
  }

  /** Requests already under way finish; nothing is retried or started after this. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Sends under the reporter's lock: once `hold` is lost (or shutdown begins), no request starts and
   * no retry is made; what was not attempted stays pending.
   */
  async send(reports: OutgoingReport[], hold: LockHold): Promise<DeliveryOutcome> {
    const events = reports.flatMap((report) =>
      meterEventParts(report.identifier, report.units).map((part): OutgoingEvent => ({ ...report, reportId: report.id, identifier: part.identifier, value: part.value })),
    );
    const batches = this.reporting.useV2Stream ? chunk(events, STREAM_BATCH_SIZE) : events.map((event) => [event]);
    const verdicts = new Map<string, PartVerdict>();
    await Promise.all(batches.map((batch) => this.inFlight(() => this.deliverBatch(batch, verdicts, hold))));
    const outcome: DeliveryOutcome = { delivered: [], rejected: [], retryLater: [] };
    for (const report of reports) {
      const verdict = verdicts.get(report.id) ?? { kind: 'transient', reason: 'not attempted' };
      if (verdict.kind === 'delivered') outcome.delivered.push(report.id);
      else (verdict.kind === 'rejected' ? outcome.rejected : outcome.retryLater).push({ id: report.id, reason: verdict.reason });
    }
    return outcome;
  }

  private async deliverBatch(batch: OutgoingEvent[], verdicts: Map<string, PartVerdict>, hold: LockHold): Promise<void> {
    const verdict = await withRetries(() => this.attempt(batch), this.retryOptions(hold));
    if (verdict.kind === 'rejected' && batch.length > 1) {
      // a stream request is refused as a whole: send its events one by one to find the bad one
      for (const event of batch) await this.deliverBatch([event], verdicts, hold);
      return;
    }
    const part: PartVerdict = verdict.kind === 'delivered' || verdict.kind === 'rejected' ? verdict : { kind: 'transient', reason: verdict.reason };
    for (const event of batch) {
      const known = verdicts.get(event.reportId);
      if (!known || VERDICT_RANK[part.kind] > VERDICT_RANK[known.kind]) verdicts.set(event.reportId, part);
    }
  }

  /**
   * Cancels one meter event (a `cancel` adjustment by identifier; v2 when the stream is on):
   * `cancelled` also when it was cancelled before (Stripe answers a repeated cancel the same),
   * `refused` when Stripe will not (received more than 24 hours ago, or never counted),
   * `transient` when the tries ran out on 429/5xx/network failures.
   */
  async cancel(eventName: string, identifier: string, hold: LockHold): Promise<'cancelled' | 'refused' | 'transient'> {
    const verdict = await withRetries(
      async (): Promise<Verdict> => {
        await this.limiter.acquire();
        try {
          await this.stripe.cancelMeterEvent(eventName, identifier, this.reporting.useV2Stream);
          return { kind: 'delivered' };
        } catch (error) {
          // the adjustment call uses the secret key, never the stream's session
          return judgeStripeError(error, false);
        }
      },
      this.retryOptions(hold),
    );
    return verdict.kind === 'delivered' ? 'cancelled' : verdict.kind === 'rejected' ? 'refused' : 'transient';
  }

  /** No try starts once shutdown began or the reporter's lock was lost (a cancel too: the caller decides nothing from it). */
  private retryOptions(hold: LockHold): RetryOptions {
    return { maxAttempts: this.reporting.maxAttempts, baseMs: this.reporting.retryBaseMs, stopping: () => this.stopping || !hold.held };
  }

  private async attempt(batch: OutgoingEvent[]): Promise<Verdict> {
    await this.limiter.acquire();
    const onStream = this.reporting.useV2Stream;
    try {
      if (onStream) await this.stripe.sendMeterEventStream(batch, await this.streamSession());
      else await this.stripe.sendMeterEvent(batch[0]!);
      return { kind: 'delivered' };
    } catch (error) {
      const verdict = judgeStripeError(error, onStream);
      if (verdict.kind === 'session_expired') this.session = null;
      return verdict;
    }
  }

  /** One shared session, opened on first use and replaced shortly before it expires. */
  private async streamSession(): Promise<MeterEventSession> {
    const known = this.session;
    const current = known ? await known.catch(() => null) : null;
    if (current && current.expiresAtMs - SESSION_REFRESH_MARGIN_MS > Date.now()) return current;
    // concurrent batches find the same stale session: the first replaces it, the others share that
    if (this.session === known) this.session = this.openSession();
    return this.session!;
  }

  private openSession(): Promise<MeterEventSession> {
    const opening = this.stripe.openMeterEventSession();
    opening.catch(() => {
      if (this.session === opening) this.session = null;
    });
    return opening;
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
