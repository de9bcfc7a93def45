import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { toErrorBody } from '../common/errors/error-body.js';
import { retentionConfig } from '../config/namespaces.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { retentionHorizon } from '../retention/retention-run.js';
import type { RecordUsageResponse } from './record-usage.dto.js';
import type { UsageBatchResult } from './usage-batch.dto.js';
import { parseUsageBatch, parseUsageEvent } from './usage-event.parser.js';
import { UsageGroupCommit } from './usage-group-commit.service.js';
import { UsageRecorder } from './usage-recorder.service.js';

/**
 * Usage ingestion. Every answer that says accepted or duplicate is given after the event's row is
 * committed; every rejection stores nothing.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly groupCommit: UsageGroupCommit,
    private readonly recorder: UsageRecorder,
    private readonly metrics: MetricsService,
    @Inject(retentionConfig.KEY) private readonly retention: ConfigType<typeof retentionConfig>,
  ) {}

  private parse(body: unknown, receivedAt: number) {
    return parseUsageEvent(body, receivedAt, retentionHorizon(receivedAt, this.retention.days).getTime());
  }

  /** Throws the event's DomainError (400, 404, 409, 422) when it is rejected. */
  async recordOne(body: unknown, receivedAt: number): Promise<RecordUsageResponse> {
    const parsed = this.parse(body, receivedAt);
    const outcome = parsed.ok ? await this.groupCommit.record(parsed.event) : ({ status: 'rejected', error: parsed.error } as const);
    this.metrics.countUsageEvents(outcome.status);
    if (outcome.status === 'rejected') throw outcome.error;
    return { id: outcome.id, status: outcome.status };
  }

  /** Valid events are written in one statement; each result says what became of its event, in request order. */
  async recordBatch(body: unknown, receivedAt: number): Promise<UsageBatchResult[]> {
    const parsed = parseUsageBatch(body).map((element) => this.parse(element, receivedAt));
    const valid = parsed.flatMap((result) => (result.ok ? [result.event] : []));
    const outcomes = valid.length > 0 ? await this.recorder.record(valid) : [];
    let next = 0;
    return parsed.map((result, index): UsageBatchResult => {
      const outcome = result.ok ? outcomes[next++]! : { status: 'rejected' as const, error: result.error };
      this.metrics.countUsageEvents(outcome.status);
      return outcome.status === 'rejected' ? { index, status: 'rejected', error: toErrorBody(outcome.error) } : { index, status: outcome.status, id: outcome.id };
    });
  }
}
