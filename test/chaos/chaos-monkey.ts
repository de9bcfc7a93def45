import type { FaultInjector, FaultKind } from '@meterbridge/stripe-emulator';
import type { ChaosApp } from './chaos-apps';
import type { ChaosDatabase } from './chaos-database';
import type { ChaosAction } from './chaos-plan';
import { callService } from './service-api';

export interface MonkeyStats {
  kills: number;
  /** Kills planned right after asking that app for a reporter run. */
  killsAfterReportRequest: number;
  /** Of those, kills that found the run still unanswered: it was cut mid-run. */
  reportRunsCut: number;
  /** Kills while client ingest requests to that app were unanswered. */
  killsMidIngest: number;
  /** Kills skipped because no app was up to kill. */
  killsSkipped: number;
  /** Rules armed, by kind. */
  faultsArmed: Partial<Record<FaultKind, number>>;
  /** Stripe requests the armed rules failed. */
  faultsApplied: number;
  postgresRestarts: number;
  postgresDownMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REPORT_RUN_TIMEOUT_MS = 30_000;
const INGEST_WAIT_MS = 2000;

/**
 * Plays the chaos schedule against the fleet: SIGKILLs (some right after asking that app for a
 * reporter run, so the kill lands mid-run), a restart of each killed app after its downtime,
 * fault rules in the Stripe emulator for the apps' meter event deliveries, and the PostgreSQL
 * restart. Kills and the restart run in the background, so they overlap as they would in life.
 */
export class ChaosMonkey {
  readonly stats: MonkeyStats = {
    kills: 0,
    killsAfterReportRequest: 0,
    reportRunsCut: 0,
    killsMidIngest: 0,
    killsSkipped: 0,
    faultsArmed: {},
    faultsApplied: 0,
    postgresRestarts: 0,
    postgresDownMs: 0,
  };
  /** What went wrong in the harness's own actions (an app that never came back). */
  readonly problems: string[] = [];
  private readonly tasks = new Set<Promise<void>>();
  private readonly busy = new Set<ChaosApp>();
  private readonly armed: { id: string; count: number }[] = [];
  private startedAt = 0;

  constructor(
    private readonly plan: ChaosAction[],
    private readonly apps: ChaosApp[],
    private readonly faults: FaultInjector,
    private readonly database: ChaosDatabase,
    private readonly adminKey: string,
    /** The Stripe path the apps deliver usage to (v1 meter events or the v2 stream). */
    private readonly faultPath: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Performs every action at its moment; returns when the last one has been started. */
  async run(startedAt: number): Promise<void> {
    this.startedAt = startedAt;
    for (const action of this.plan) {
      const wait = startedAt + action.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      if (action.kind === 'fault') this.arm(action);
      else this.background(action.kind === 'kill' ? this.kill(action) : this.restartPostgres(action.downMs));
    }
  }

  /** Waits for every kill's restart and the database restart, then disarms the remaining faults. */
  async settle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    const remaining = new Map(this.faults.list().map((rule) => [rule.id, rule.applied]));
    this.stats.faultsApplied = this.armed.reduce((sum, rule) => sum + (remaining.get(rule.id) ?? rule.count), 0);
    this.faults.clear();
  }

  private at(): string {
    return `t+${((Date.now() - this.startedAt) / 1000).toFixed(1)}s`;
  }

  private background(task: Promise<void>): void {
    const tracked = task.catch((error: unknown) => {
      this.problems.push(error instanceof Error ? error.message : String(error));
    });
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }

  private arm(action: Extract<ChaosAction, { kind: 'fault' }>): void {
    const rule = this.faults.add({ kind: action.fault, count: action.count, share: action.share, method: 'POST', pathPrefix: this.faultPath });
    this.armed.push({ id: rule.id, count: action.count });
    this.stats.faultsArmed[action.fault] = (this.stats.faultsArmed[action.fault] ?? 0) + 1;
    this.log(`${this.at()} Stripe fault: the next ${action.count} ${action.fault}${action.share ? ` (${action.share * 100}% of requests)` : ''} on POST ${this.faultPath}`);
  }

  /** The planned app if it is up and not already being killed, else the next one that is. */
  private victim(preferred: number): ChaosApp | undefined {
    for (let offset = 0; offset < this.apps.length; offset += 1) {
      const app = this.apps[(preferred + offset) % this.apps.length]!;
      if (app.state === 'up' && !this.busy.has(app)) return app;
    }
    return undefined;
  }

  private async kill(action: Extract<ChaosAction, { kind: 'kill' }>): Promise<void> {
    const app = this.victim(action.app);
    if (!app) {
      this.stats.killsSkipped += 1;
      return;
    }
    this.busy.add(app);
    try {
      let runAnswered = false;
      if (action.duringReport) {
        this.stats.killsAfterReportRequest += 1;
        void callService(app.baseUrl, this.adminKey, 'POST', '/v1/reporting/runs', {}, REPORT_RUN_TIMEOUT_MS)
          .catch(() => undefined)
          .finally(() => (runAnswered = true));
        await sleep(action.reportDelayMs);
      } else {
        await this.untilIngesting(app);
      }
      const inFlight = app.inFlight;
      const cutRun = action.duringReport && !runAnswered;
      await app.kill();
      this.stats.kills += 1;
      if (cutRun) this.stats.reportRunsCut += 1;
      if (inFlight > 0) this.stats.killsMidIngest += 1;
      this.log(`${this.at()} SIGKILL app ${app.index}: ${inFlight} ingest requests in flight${action.duringReport ? `, reporter run ${cutRun ? 'cut mid-run' : 'already answered'}` : ''}`);
      await sleep(action.downMs);
      await app.start();
      this.log(`${this.at()} app ${app.index} is back`);
    } finally {
      this.busy.delete(app);
    }
  }

  /** A kill meant for ingestion waits (briefly) for a client request to be in flight at that app. */
  private async untilIngesting(app: ChaosApp): Promise<void> {
    const until = Date.now() + INGEST_WAIT_MS;
    while (app.inFlight === 0 && Date.now() < until) await sleep(1);
  }

  private async restartPostgres(downMs: number): Promise<void> {
    this.log(`${this.at()} PostgreSQL: fast shutdown, ${(downMs / 1000).toFixed(1)} s down`);
    const stopped = Date.now();
    await this.database.restart(downMs);
    this.stats.postgresRestarts += 1;
    this.stats.postgresDownMs = Date.now() - stopped;
    this.log(`${this.at()} PostgreSQL is back`);
  }
}
