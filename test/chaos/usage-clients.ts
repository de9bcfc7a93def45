import type { ChaosCatalogue } from './billing-setup';
import type { ChaosApp } from './chaos-apps';
import type { PlannedEvent } from './chaos-plan';
import type { SeededRandom } from './seeded-random';

const SINGLE_TIMEOUT_MS = 5000;
const BATCH_TIMEOUT_MS = 10_000;
const MAX_BATCH = 50;
const IDLE_MS = 10;

export interface ClientStats {
  requests: number;
  singleRequests: number;
  batchRequests: number;
  /** Requests that got no answer at all (connection refused or cut, timeout). */
  noAnswer: number;
  /** Whole requests answered 5xx or 429. */
  serverErrors: number;
  /** Events of a 207 batch answered with a 5xx of their own. */
  eventErrors: number;
  /** Event sends beyond the first, same idempotency key and content. */
  retries: number;
  accepted: number;
  /** First acknowledgements that said `duplicate`: an earlier, unanswered attempt had committed. */
  committedBeforeAnswerLost: number;
  duplicatesResent: number;
  duplicatesConfirmed: number;
}

interface Work {
  events: PlannedEvent[];
  mode: 'single' | 'batch';
  resend: boolean;
}

interface EventResult {
  status: 'accepted' | 'duplicate' | 'rejected';
  error?: { statusCode: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The internal services that record usage: workers send the known stream as it becomes due, as
 * single events or batches, to any app (they do not know which are alive). A request without an
 * answer, a 5xx or a 429 is retried with the same idempotency key and content, on whatever app
 * comes next, until it is acknowledged. Some events are sent once more after their
 * acknowledgement and must be answered `duplicate`. The client ledger is what was acknowledged.
 */
export class UsageClients {
  readonly stats: ClientStats = {
    requests: 0,
    singleRequests: 0,
    batchRequests: 0,
    noAnswer: 0,
    serverErrors: 0,
    eventErrors: 0,
    retries: 0,
    accepted: 0,
    committedBeforeAnswerLost: 0,
    duplicatesResent: 0,
    duplicatesConfirmed: 0,
  };
  /** The client ledger: events acknowledged with a 2xx, by event index (one idempotency key each). */
  readonly acknowledged = new Map<number, PlannedEvent>();
  /** Answers no correct service gives to this stream (a 4xx, a second `accepted`). */
  readonly unexpected: string[] = [];
  private cursor = 0;
  private resends: { event: PlannedEvent; dueAt: number }[] = [];
  /** Sends still to be acknowledged: the stream's events plus their planned duplicate resends. */
  private outstanding: number;
  private startedAt = 0;

  constructor(
    private readonly events: PlannedEvent[],
    private readonly catalogue: ChaosCatalogue,
    private readonly apps: ChaosApp[],
    private readonly workers: number,
  ) {
    this.outstanding = events.length + events.filter((event) => event.resendAsDuplicate).length;
  }

  /** Sends until every event is acknowledged and every resend answered, or until `deadline` (epoch ms). */
  async run(random: SeededRandom, deadline: number): Promise<void> {
    this.startedAt = Date.now();
    await Promise.all(Array.from({ length: this.workers }, (_, index) => this.worker(random.fork(index), deadline)));
  }

  get unacknowledged(): PlannedEvent[] {
    return this.events.filter((event) => !this.acknowledged.has(event.index));
  }

  private async worker(random: SeededRandom, deadline: number): Promise<void> {
    while (this.outstanding > 0 && Date.now() < deadline) {
      const work = this.take(random);
      if (work) await this.deliver(work, random, deadline);
      else await sleep(IDLE_MS);
    }
  }

  /** Due resends first, then the next due events of the stream: one, or a batch of up to 50. */
  private take(random: SeededRandom): Work | undefined {
    const now = Date.now();
    const size = random.chance(0.6) ? 1 : random.int(2, MAX_BATCH);
    const mode = size === 1 ? 'single' : 'batch';
    const dueResends = this.resends.filter((resend) => resend.dueAt <= now).slice(0, size);
    if (dueResends.length > 0) {
      this.resends = this.resends.filter((resend) => !dueResends.includes(resend));
      this.stats.duplicatesResent += dueResends.length;
      return { events: dueResends.map((resend) => resend.event), mode, resend: true };
    }
    const elapsed = now - this.startedAt;
    const events: PlannedEvent[] = [];
    while (events.length < size && this.cursor < this.events.length && this.events[this.cursor]!.dueMs <= elapsed) events.push(this.events[this.cursor++]!);
    return events.length > 0 ? { events, mode, resend: false } : undefined;
  }

  private async deliver(work: Work, random: SeededRandom, deadline: number): Promise<void> {
    let remaining = work.events;
    for (let attempt = 0; remaining.length > 0; attempt += 1) {
      // past the deadline an event stays unacknowledged, and the run reports it
      if (Date.now() > deadline) return;
      if (attempt > 0) {
        this.stats.retries += remaining.length;
        await sleep(Math.min(1000, 50 * 2 ** attempt) * (0.5 + random.next()));
      }
      remaining = await this.send(random.pick(this.apps), { ...work, events: remaining }, random);
    }
  }

  private body(event: PlannedEvent) {
    const customer = this.catalogue.customers[event.customer]!;
    const meter = this.catalogue.meters[event.meter]!;
    return { customerId: customer.id, meter: meter.key, value: event.value, timestamp: event.timestamp, idempotencyKey: event.idempotencyKey };
  }

  /** One request; returns the events to send again. */
  private async send(app: ChaosApp, work: Work, random: SeededRandom): Promise<PlannedEvent[]> {
    const single = work.mode === 'single';
    this.stats.requests += 1;
    if (single) this.stats.singleRequests += 1;
    else this.stats.batchRequests += 1;
    app.inFlight += 1;
    let status: number;
    let body: unknown;
    try {
      const response = await fetch(`${app.baseUrl}${single ? '/v1/usage' : '/v1/usage/batch'}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.catalogue.ingestKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(single ? this.body(work.events[0]!) : { events: work.events.map((event) => this.body(event)) }),
        signal: AbortSignal.timeout(single ? SINGLE_TIMEOUT_MS : BATCH_TIMEOUT_MS),
      });
      status = response.status;
      body = await response.json().catch(() => undefined);
    } catch {
      this.stats.noAnswer += 1;
      return work.events;
    } finally {
      app.inFlight -= 1;
    }
    if (status === 429 || status >= 500) {
      this.stats.serverErrors += 1;
      return work.events;
    }
    if (single && status === 202) {
      this.acknowledge(work.events[0]!, (body as EventResult).status, work.resend, random);
      return [];
    }
    if (!single && status === 207) return this.batchOutcome(work, (body as { results: EventResult[] }).results, random);
    for (const event of work.events) this.giveUp(event, `${status} ${JSON.stringify(body)}`, work.resend);
    return [];
  }

  private batchOutcome(work: Work, results: EventResult[], random: SeededRandom): PlannedEvent[] {
    const retry: PlannedEvent[] = [];
    work.events.forEach((event, index) => {
      const result = results[index]!;
      const code = result.error?.statusCode ?? 0;
      if (result.status !== 'rejected') this.acknowledge(event, result.status, work.resend, random);
      else if (code === 429 || code >= 500) {
        this.stats.eventErrors += 1;
        retry.push(event);
      } else this.giveUp(event, `batch result ${JSON.stringify(result)}`, work.resend);
    });
    return retry;
  }

  private acknowledge(event: PlannedEvent, status: string, resend: boolean, random: SeededRandom): void {
    this.outstanding -= 1;
    if (resend) {
      if (status === 'duplicate') this.stats.duplicatesConfirmed += 1;
      else this.unexpected.push(`${event.idempotencyKey}: resent after its acknowledgement and answered "${status}", not "duplicate"`);
      return;
    }
    this.acknowledged.set(event.index, event);
    if (status === 'accepted') this.stats.accepted += 1;
    else this.stats.committedBeforeAnswerLost += 1;
    if (event.resendAsDuplicate) this.resends.push({ event, dueAt: Date.now() + random.int(200, 5000) });
  }

  private giveUp(event: PlannedEvent, answer: string, resend: boolean): void {
    this.unexpected.push(`${event.idempotencyKey}${resend ? ' (resent)' : ''}: ${answer}`);
    this.outstanding -= resend || !event.resendAsDuplicate ? 1 : 2;
  }
}
