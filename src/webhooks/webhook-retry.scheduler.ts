import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { webhooksConfig } from '../config/namespaces.js';
import { WebhookProcessor } from './webhook-processor.service.js';

const INTERVAL = 'webhook-retry';

/** Sweeps failed events whose backoff has passed (and claims left by a crashed replica). */
@Injectable()
export class WebhookRetryScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookRetryScheduler.name);
  private sweeping: Promise<void> | undefined;

  constructor(
    @Inject(webhooksConfig.KEY) private readonly webhooks: ConfigType<typeof webhooksConfig>,
    private readonly scheduler: SchedulerRegistry,
    private readonly processor: WebhookProcessor,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.webhooks.retryEnabled) return;
    this.scheduler.addInterval(INTERVAL, setInterval(() => void this.sweep(), this.webhooks.retrySweepSeconds * 1000));
  }

  /**
   * No sweep starts once shutdown begins and a running one finishes first: the registry only
   * clears its intervals when the application shuts down, which may be after the database closed.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', INTERVAL)) this.scheduler.deleteInterval(INTERVAL);
    await this.sweeping;
  }

  sweep(): Promise<void> {
    this.sweeping ??= this.processor
      .retryDue()
      .then(
        () => undefined,
        (error: unknown) => this.logger.error({ err: error }, 'webhook retry sweep failed'),
      )
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }
}
