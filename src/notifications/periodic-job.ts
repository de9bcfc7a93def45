import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * Runs `work` every `ms` in this process, one run at a time (a slow run makes the next tick a
 * no-op). `stop` removes the interval and waits for a run under way, so no run starts or is still
 * going once shutdown has closed the database.
 */
export class PeriodicJob {
  private readonly logger: Logger;
  private running: Promise<void> | undefined;

  constructor(
    private readonly scheduler: SchedulerRegistry,
    private readonly name: string,
    private readonly work: () => Promise<unknown>,
  ) {
    this.logger = new Logger(name);
  }

  start(ms: number): void {
    this.scheduler.addInterval(this.name, setInterval(() => void this.runOnce(), ms));
  }

  async stop(): Promise<void> {
    if (this.scheduler.doesExist('interval', this.name)) this.scheduler.deleteInterval(this.name);
    await this.running;
  }

  runOnce(): Promise<void> {
    this.running ??= this.work()
      .then(
        () => undefined,
        (error: unknown) => this.logger.error({ err: error }, `${this.name} failed`),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
