import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import pLimit from 'p-limit';
import { notificationsConfig } from '../config/namespaces.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EndpointUrlPolicy } from './endpoint-url.policy.js';
import { NotificationDeliveriesRepository, type ClaimedDelivery } from './notification-deliveries.repository.js';
import { NotificationEndpointsRepository } from './notification-endpoints.repository.js';
import { NotificationEndpointsService } from './notification-endpoints.service.js';
import { signatureHeader } from './notification-signature.js';
import { PeriodicJob } from './periodic-job.js';

/** Deliveries taken per round; a round sends them concurrently (at most N per endpoint, see the claim). */
const CLAIM_BATCH = 100;
const SEND_CONCURRENCY = 16;

/** What one attempt came to: the endpoint's status (null: no answer) and, unless 2xx, why it failed. */
interface AttemptResult {
  status: number | null;
  error?: string;
}

/**
 * Equal-jitter exponential backoff: half of base × 2^(attempt − 1) (capped) plus a random part of
 * the other half, so retries of many notifications spread out yet the schedule's total length has
 * a floor: with the defaults (18 attempts, 1 minute doubling to 6 hours) the 17 delays add up to
 * 56.5 hours nominal, so the last attempt comes 28 hours or more after the first.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Sends due notifications as signed HTTPS POSTs: `{ id, type, created, data }` with a
 * Stripe-Signature header. 2xx: delivered; 410: the endpoint is disabled; anything else (or no
 * answer within the timeout): retried with backoff until the attempts run out, then dead.
 * Any number of replicas may run it: deliveries are claimed in the database.
 */
@Injectable()
export class NotificationDeliverer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(
    @Inject(notificationsConfig.KEY) private readonly notifications: ConfigType<typeof notificationsConfig>,
    scheduler: SchedulerRegistry,
    private readonly deliveries: NotificationDeliveriesRepository,
    private readonly endpoints: NotificationEndpointsRepository,
    private readonly endpointSecrets: NotificationEndpointsService,
    private readonly urlPolicy: EndpointUrlPolicy,
    private readonly metrics: MetricsService,
  ) {
    this.job = new PeriodicJob(scheduler, 'notification-deliverer', () => this.deliverDue());
  }

  onApplicationBootstrap(): void {
    if (this.notifications.deliveryEnabled) this.job.start(this.notifications.pollMs);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** One round: claim what is due and send it; returns how many deliveries were attempted. */
  async deliverDue(): Promise<number> {
    const claimMs = this.notifications.timeoutMs + 30_000;
    const claimed = await this.deliveries.claimDue(CLAIM_BATCH, this.notifications.maxInFlightPerEndpoint, claimMs);
    const limit = pLimit(SEND_CONCURRENCY);
    await Promise.all(claimed.map((delivery) => limit(() => this.deliver(delivery))));
    return claimed.length;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const started = performance.now();
    const result = await this.attempt(delivery);
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      await this.deliveries.markDelivered(delivery.id, delivery.attempts, result.status);
      this.metrics.observeNotificationDelivery(delivery.endpointId, 'sent', seconds);
      this.metrics.observeNotificationLag(delivery.endpointId, (Date.now() - delivery.queuedAtMs) / 1000);
      return;
    }
    const error = result.error ?? `HTTP ${result.status}`;
    if (result.status === 410) {
      // the receiver says it is gone for good: stop sending it anything; this delivery waits in case it is re-enabled
      await this.endpoints.disable(delivery.endpointId, 'the endpoint answered 410 Gone');
      await this.deliveries.markFailed(delivery.id, delivery.attempts, result.status, error, 0);
      this.metrics.observeNotificationDelivery(delivery.endpointId, 'failed', seconds);
      return;
    }
    const dead = delivery.attempts >= this.notifications.maxAttempts;
    const retryIn = dead ? null : retryDelayMs(delivery.attempts, this.notifications.retryBaseMs, this.notifications.retryMaxDelayMs);
    await this.deliveries.markFailed(delivery.id, delivery.attempts, result.status, error, retryIn);
    this.metrics.observeNotificationDelivery(delivery.endpointId, dead ? 'dead' : 'failed', seconds);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const body = JSON.stringify({ id: delivery.notificationId, type: delivery.type, created: Number(delivery.created), data: delivery.data });
    try {
      await this.urlPolicy.check(delivery.url);
      const response = await fetch(delivery.url, {
        method: 'POST',
        body,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Meterbridge-Notifications/1.0',
          'Stripe-Signature': signatureHeader(body, this.endpointSecrets.signingSecrets({ ...delivery, id: delivery.endpointId })),
        },
        // a redirect could lead anywhere, past the URL rules: it counts as a failed attempt
        redirect: 'manual',
        signal: AbortSignal.timeout(this.notifications.timeoutMs),
      });
      await response.body?.cancel();
      return response.ok ? { status: response.status } : { status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      return { status: null, error: describeFailure(error) };
    }
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'no answer within the timeout';
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ? `${error.message}: ${cause.code}` : error.message;
  }
  return String(error);
}
