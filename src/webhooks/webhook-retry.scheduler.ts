import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config.js';
import { WebhookProcessor } from './webhook-processor.service.js';

/** Sweeps failed events whose backoff has passed (and claims left by a crashed replica). */
@Injectable()
export class WebhookRetryScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookRetryScheduler.name);
  private sweeping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly processor: WebhookProcessor,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.webhooks.retryEnabled) return;
    // the registry clears its intervals when the application shuts down
    this.scheduler.addInterval('webhook-retry', setInterval(() => void this.sweep(), this.config.webhooks.retrySweepSeconds * 1000));
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.processor.retryDue();
    } catch (error) {
      this.logger.error({ err: error }, 'webhook retry sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}
