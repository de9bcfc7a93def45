import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { UsageEventInput } from './usage-event.parser.js';
import { UsageRecorder, type UsageOutcome } from './usage-recorder.service.js';

interface Waiting {
  event: UsageEventInput;
  resolve(outcome: UsageOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for single-event requests: events arriving within `maxWaitMs` of each other (or
 * until `maxEvents`) share one multi-row insert, hence one transaction and one WAL flush, instead
 * of paying a commit each. Every caller is answered only once that statement has committed, with
 * its own outcome; if the statement fails, every caller of the group gets the error (nothing of the
 * group was committed, so all of them may retry). With `maxWaitMs` 0 each event is written alone.
 */
@Injectable()
export class UsageGroupCommit implements BeforeApplicationShutdown {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxWaitMs: number;
  private readonly maxEvents: number;

  constructor(
    config: AppConfig,
    private readonly recorder: UsageRecorder,
  ) {
    ({ maxWaitMs: this.maxWaitMs, maxEvents: this.maxEvents } = config.usageGroupCommit);
  }

  async record(event: UsageEventInput): Promise<UsageOutcome> {
    if (this.maxWaitMs === 0) return (await this.recorder.record([event]))[0]!;
    return new Promise<UsageOutcome>((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (this.waiting.length >= this.maxEvents) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.waiting;
    this.waiting = [];
    const written = this.recorder.record(group.map((waiting) => waiting.event)).then(
      (outcomes) => group.forEach((waiting, index) => waiting.resolve(outcomes[index]!)),
      (error: unknown) => group.forEach((waiting) => waiting.reject(error)),
    );
    this.inFlight.add(written);
    void written.finally(() => this.inFlight.delete(written));
  }

  /** Runs before the database pool closes: the waiting group is written and every caller answered. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.waiting.length > 0) this.flush();
    await Promise.all(this.inFlight);
  }
}
