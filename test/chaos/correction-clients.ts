import type { ChaosCatalogue } from './billing-setup';
import type { ChaosApp } from './chaos-apps';
import type { PlannedEvent } from './chaos-plan';
import type { SeededRandom } from './seeded-random';
import type { UsageClients } from './usage-clients';

const TIMEOUT_MS = 5000;
/** Between two corrections: a few a second, racing ingestion, reporter runs and the monkey. */
const PAUSE_MS = 150;

export interface CorrectionStats {
  requests: number;
  /** Corrections acknowledged (201, or 200 for a retry whose first attempt had committed). */
  acknowledged: number;
  /** First acknowledgements that said 200: an earlier, unanswered attempt had committed. */
  committedBeforeAnswerLost: number;
  noAnswer: number;
  serverErrors: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A support tool correcting usage while everything else goes on: it picks acknowledged events at
 * random (each at most once) and sends a correction (count meters: a void; sum meters: a random
 * value from 0 to the original) to any app, retrying with the same correctionKey and body on no
 * answer, 5xx or 429 until it is acknowledged. `corrected` holds the values the service
 * acknowledged: the final check bills those instead of the originals.
 */
export class CorrectionClients {
  readonly stats: CorrectionStats = { requests: 0, acknowledged: 0, committedBeforeAnswerLost: 0, noAnswer: 0, serverErrors: 0 };
  /** Acknowledged corrections: event index → corrected value. */
  readonly corrected = new Map<number, number>();
  readonly unexpected: string[] = [];
  /** Corrections sent but never acknowledged: their outcome is unknown, the run fails. */
  readonly unacknowledged: string[] = [];

  constructor(
    private readonly catalogue: ChaosCatalogue,
    private readonly apps: ChaosApp[],
    private readonly usage: UsageClients,
    private readonly seed: number,
  ) {}

  /** Corrects until `stopAt`; a correction under way is retried until `deadline` (epoch ms). */
  async run(random: SeededRandom, stopAt: number, deadline: number): Promise<void> {
    let sequence = 0;
    while (Date.now() < stopAt) {
      await sleep(PAUSE_MS);
      const candidates = [...this.usage.acknowledged.values()].filter((event) => !this.corrected.has(event.index));
      if (candidates.length === 0) continue;
      const event = random.pick(candidates);
      const value = this.catalogue.meters[event.meter]!.aggregation === 'count' ? 0 : random.int(0, event.value);
      await this.correct(event, value, `chaos-${this.seed}-fix-${sequence++}`, random, deadline);
    }
  }

  private async correct(event: PlannedEvent, value: number, correctionKey: string, random: SeededRandom, deadline: number): Promise<void> {
    const body = { customerId: this.catalogue.customers[event.customer]!.id, idempotencyKey: event.idempotencyKey, value, reason: 'chaos: support corrects a usage event', correctionKey };
    for (let attempt = 0; Date.now() < deadline; attempt += 1) {
      if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt) * (0.5 + random.next()));
      const status = await this.send(random.pick(this.apps), body);
      if (status === 201 || status === 200) {
        this.stats.acknowledged += 1;
        if (status === 200) this.stats.committedBeforeAnswerLost += 1;
        this.corrected.set(event.index, value);
        return;
      }
      if (status !== undefined && status !== 429 && status < 500) {
        this.unexpected.push(`correction ${correctionKey} of ${event.idempotencyKey}: answered ${status}`);
        return;
      }
    }
    this.unacknowledged.push(`correction ${correctionKey} of ${event.idempotencyKey}`);
  }

  /** The answer's status; undefined without an answer (connection refused or cut, timeout). */
  private async send(app: ChaosApp, body: Record<string, unknown>): Promise<number | undefined> {
    this.stats.requests += 1;
    try {
      const response = await fetch(`${app.baseUrl}/v1/usage/corrections`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.catalogue.ingestKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.status === 429 || response.status >= 500) this.stats.serverErrors += 1;
      return response.status;
    } catch {
      this.stats.noAnswer += 1;
      return undefined;
    }
  }
}
