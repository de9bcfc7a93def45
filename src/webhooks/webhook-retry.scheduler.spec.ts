import { SchedulerRegistry } from '@nestjs/schedule';
import type { WebhookConfig } from '../config/app-config';
import type { WebhookProcessor } from './webhook-processor.service';
import { WebhookRetryScheduler } from './webhook-retry.scheduler';

describe('WebhookRetryScheduler', () => {
  it('starts no sweep once shutdown begins, and lets the running one finish before the database closes', async () => {
    let finishSweep!: () => void;
    let sweepsStarted = 0;
    const processor = {
      retryDue: () => {
        sweepsStarted += 1;
        return new Promise<void>((resolve) => (finishSweep = resolve));
      },
    } as unknown as WebhookProcessor;
    const registry = new SchedulerRegistry();
    const scheduler = new WebhookRetryScheduler({ retryEnabled: true, retrySweepSeconds: 3600 } as WebhookConfig, registry, processor);
    scheduler.onApplicationBootstrap();
    void scheduler.sweep();
    void scheduler.sweep();

    let shutDown = false;
    const shutdown = scheduler.beforeApplicationShutdown().then(() => (shutDown = true));
    expect(registry.doesExist('interval', 'webhook-retry')).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect({ sweepsStarted, shutDown }).toEqual({ sweepsStarted: 1, shutDown: false });
    finishSweep();
    await shutdown;
    expect(shutDown).toBe(true);
  });
});
