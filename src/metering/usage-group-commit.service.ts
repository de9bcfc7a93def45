import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { databaseConfig, usageGroupCommitConfig } from '../config/namespaces.js';
import type { UsageEventInput } from './usage-event.parser.js';
import { UsageRecorder, type UsageOutcome } from './usage-recorder.service.js';

interface Waiting {
  event: UsageEventInput;
  resolve(outcome: UsageOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for single-event requests: events arriving within `maxWaitMs` of the first one (or
 * until `maxEvents`) share one multi-row insert, hence one transaction and one WAL flush, instead
 * of paying a commit each. Every caller is answered only once that statement has committed, with
 * its own outcome; if the statement fails, every caller of the group gets the error (nothing of the
 * group was committed, so all of them may retry). With `maxWaitMs` 0 each event is written alone.
 *
 * At most half the connection pool writes groups at once: when all those writes are busy, due
 * events keep gathering and leave together as soon as one finishes, so groups grow with the
 * database's latency instead of queueing for connections (and the rest of the pool stays free for
 * batches, the reporter and the probes).
 */
@Injectable()
export class UsageGroupCommit implements BeforeApplicationShutdown {
  private waiting: Waiting[] = [];
  /** The oldest waiting event has waited maxWaitMs, or maxEvents are waiting: write as soon as a slot is free. */
  private due = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxWaitMs: number;
  private readonly maxEvents: number;
  private readonly maxConcurrentWrites: number;

  constructor(
    @Inject(usageGroupCommitConfig.KEY) groupCommit: ConfigType<typeof usageGroupCommitConfig>,
    @Inject(databaseConfig.KEY) database: ConfigType<typeof databaseConfig>,
    private readonly recorder: UsageRecorder,
  ) {
    ({ maxWaitMs: this.maxWaitMs, maxEvents: this.maxEvents } = groupCommit);
    this.maxConcurrentWrites = Math.max(1, Math.floor(database.poolMax / 2));
  }

  async record(event: UsageEventInput): Promise<UsageOutcome> {
    if (this.maxWaitMs === 0) return (await this.recorder.record([event]))[0]!;
    return new Promise<UsageOutcome>((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (this.waiting.length >= this.maxEvents) this.becomeDue();
      else if (!this.due) this.timer ??= setTimeout(() => this.becomeDue(), this.maxWaitMs);
    });
  }

  private becomeDue(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = true;
    this.writeDueGroups();
  }

  private writeDueGroups(): void {
    while (this.due && this.inFlight.size < this.maxConcurrentWrites) {
      const group = this.waiting.splice(0, this.maxEvents);
      this.due = this.waiting.length > 0;
      const written = this.recorder.record(group.map((waiting) => waiting.event)).then(
        (outcomes) => group.forEach((waiting, index) => waiting.resolve(outcomes[index]!)),
        (error: unknown) => group.forEach((waiting) => waiting.reject(error)),
      );
      this.inFlight.add(written);
      void written.finally(() => {
        this.inFlight.delete(written);
        this.writeDueGroups();
      });
    }
  }

  /** Runs before the database pool closes: every waiting event is written and its caller answered. */
  async beforeApplicationShutdown(): Promise<void> {
    while (this.waiting.length > 0 || this.inFlight.size > 0) {
      if (this.waiting.length > 0) this.becomeDue();
      await Promise.race(this.inFlight);
    }
  }
}
