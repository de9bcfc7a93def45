import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type UsageOutcome = 'accepted' | 'duplicate' | 'rejected';
export type ReportOutcome = 'sent' | 'failed';
export type NotificationOutcome = 'sent' | 'failed' | 'dead';

/**
 * Every metric the service exposes on GET /metrics, and the calls other modules make to feed
 * them. Each application instance has its own registry (tests run several in one process).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'meterbridge_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly usageEvents = new Counter({
    name: 'meterbridge_usage_events_total',
    help: 'Usage events received, by outcome: accepted (stored), duplicate (idempotent repeat), rejected (invalid)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly backlogEvents = new Gauge({
    name: 'meterbridge_usage_backlog_events',
    help: 'Usage events stored but not yet reported to Stripe',
    registers: [this.registry],
  });

  private readonly backlogOldestAge = new Gauge({
    name: 'meterbridge_usage_backlog_oldest_age_seconds',
    help: 'Age of the oldest usage event not yet reported to Stripe',
    registers: [this.registry],
  });

  private readonly reports = new Counter({
    name: 'meterbridge_reports_total',
    help: 'Meter events reported to Stripe, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly stripeDuration = new Histogram({
    name: 'meterbridge_stripe_request_duration_seconds',
    help: 'Stripe API call latency by operation',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly stripeErrors = new Counter({
    name: 'meterbridge_stripe_errors_total',
    help: 'Failed Stripe API calls by operation and error code',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });

  private readonly lockWait = new Histogram({
    name: 'meterbridge_lock_wait_seconds',
    help: 'Time spent waiting for a PostgreSQL advisory lock, by lock',
    labelNames: ['lock'] as const,
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  private readonly webhookEvents = new Counter({
    name: 'meterbridge_webhook_events_total',
    help: 'Stripe webhook events by type and outcome (processed, duplicate, ignored, rejected, failed)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly notificationDeliveries = new Counter({
    name: 'meterbridge_notification_deliveries_total',
    help: 'Outgoing notification delivery attempts by endpoint id and outcome (sent, failed: to be retried, dead: no retry left)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly notificationLatency = new Histogram({
    name: 'meterbridge_notification_delivery_duration_seconds',
    help: 'Time an endpoint took to answer a notification (or to fail), by endpoint id',
    labelNames: ['endpoint'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly notificationLag = new Histogram({
    name: 'meterbridge_notification_delivery_lag_seconds',
    help: 'Time from a notification being written (with its fact) to its delivery (a 2xx), retries included, by endpoint id',
    labelNames: ['endpoint'] as const,
    buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 3600, 86400],
    registers: [this.registry],
  });

  private readonly usageAlertPasses = new Histogram({
    name: 'meterbridge_usage_alert_evaluation_duration_seconds',
    help: 'Duration of one pass of the usage alert evaluator (reading the new ledger rows, updating running units, recording crossings)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly usageAlertPairs = new Counter({
    name: 'meterbridge_usage_alert_pairs_evaluated_total',
    help: 'Customer × meter pairs whose usage changed and were compared with their usage alerts',
    registers: [this.registry],
  });

  private readonly usageAlertCrossings = new Counter({
    name: 'meterbridge_usage_alert_crossings_total',
    help: 'Usage alert thresholds crossed (one per customer × alert × billing period)',
    registers: [this.registry],
  });
  private readonly invoiceVerifications = new Counter({
    name: 'meterbridge_invoice_verifications_total',
    help: 'Invoice verification decisions by outcome (matched, held, mismatched in report mode, skipped, released)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** `route` is the route template (`/v1/customers/:id`), never the raw path, to bound the label set. */
  observeHttpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  countUsageEvents(outcome: UsageOutcome, count = 1): void {
    this.usageEvents.inc({ outcome }, count);
  }

  setBacklog(events: number, oldestAgeSeconds: number): void {
    this.backlogEvents.set(events);
    this.backlogOldestAge.set(oldestAgeSeconds);
  }

  countReports(outcome: ReportOutcome, count = 1): void {
    this.reports.inc({ outcome }, count);
  }

  /** Times one Stripe call; a failure is counted under its Stripe error code and rethrown. */
  async timeStripeCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const end = this.stripeDuration.startTimer({ operation });
    try {
      return await call();
    } catch (error) {
      this.stripeErrors.inc({ operation, code: stripeErrorCode(error) });
      throw error;
    } finally {
      end();
    }
  }

  observeLockWait(lock: string, seconds: number): void {
    this.lockWait.observe({ lock }, seconds);
  }

  countWebhookEvent(type: string, outcome: string): void {
    this.webhookEvents.inc({ type, outcome });
  }

  observeNotificationDelivery(endpoint: string, outcome: NotificationOutcome, seconds: number): void {
    this.notificationDeliveries.inc({ endpoint, outcome });
    this.notificationLatency.observe({ endpoint }, seconds);
  }

  countInvoiceVerification(outcome: string): void {
    this.invoiceVerifications.inc({ outcome });
  }

  observeNotificationLag(endpoint: string, seconds: number): void {
    this.notificationLag.observe({ endpoint }, seconds);
  }

  countUsageAlertEvaluation(pairs: number, crossings: number, seconds: number): void {
    this.usageAlertPasses.observe(seconds);
    this.usageAlertPairs.inc(pairs);
    this.usageAlertCrossings.inc(crossings);
  }

  /** `meterbridge_invoices_held`: invoices held for an operator now, read from the database at each scrape. */
  watchHeldInvoices(count: () => Promise<number>): void {
    this.databaseGauge('meterbridge_invoices_held', 'Invoices held for an operator (verification state held) at scrape time', count);
  }

  /** `meterbridge_reconciliation_drifts`: drifts the latest finished reconciliation run found, read at each scrape. */
  watchReconciliationDrifts(count: () => Promise<number>): void {
    this.databaseGauge('meterbridge_reconciliation_drifts', 'Customer × meter × day cells where the latest finished reconciliation run found Stripe disagreeing', count);
  }

  /** A gauge read at scrape time; a failed read keeps the last value and is not the scrape's failure. */
  private databaseGauge(name: string, help: string, read: () => Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        const value = await read().catch(() => undefined);
        if (value !== undefined) this.set(value);
      },
    });
  }

  /** `meterbridge_rate_limit_store_degraded`: 1 while the rate limiter counts in the process because Redis does not answer. */
  watchRateLimitStore(isDegraded: () => boolean): void {
    new Gauge({
      name: 'meterbridge_rate_limit_store_degraded',
      help: '1 while Redis does not answer and rate limits are counted in this process (each limit divided by RATE_LIMIT_EXPECTED_REPLICAS)',
      registers: [this.registry],
      collect() {
        this.set(isDegraded() ? 1 : 0);
      },
    });
  }
}

/** Stripe errors carry `code` (resource_missing, …) or at least `type`; anything else is a network failure. */
function stripeErrorCode(error: unknown): string {
  const { code, type } = (error ?? {}) as { code?: unknown; type?: unknown };
  if (typeof code === 'string') return code;
  return typeof type === 'string' ? type : 'network_error';
}
