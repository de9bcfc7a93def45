import type { AdminAccess } from './billing-setup';
import type { ChaosDatabase } from './chaos-database';
import { callService } from './service-api';

interface Totals {
  reports: number;
  events: number;
  units: string;
}

interface ReportingStatus {
  backlog: { events: number; unclaimedEvents: number; pending: Totals; held: Totals };
  late: { adjustments: Totals; unbillable: Totals };
  failures: { totals: Totals; recent: { identifier: string; reason: string | null }[] };
}

export interface FinalReport {
  /** Runs it took until the status showed no backlog. */
  runs: number;
  problems: string[];
}

const MAX_RUNS = 30;

/**
 * `POST /v1/reporting/runs` until `GET /v1/reporting/status` shows nothing left to report. Usage
 * that ended up failed (refused by Stripe), late or held would never reach its invoice: each is a
 * problem of the run.
 */
export async function reportUntilDrained(admin: AdminAccess): Promise<FinalReport> {
  let status: ReportingStatus | undefined;
  for (let run = 1; run <= MAX_RUNS; run += 1) {
    const answer = await callService(admin.baseUrl, admin.adminKey, 'POST', '/v1/reporting/runs', {}).catch((error: unknown) => ({ status: 0, body: String(error) }));
    if (answer.status === 201) {
      status = (await callService<ReportingStatus>(admin.baseUrl, admin.adminKey, 'GET', '/v1/reporting/status')).body;
      if (status.backlog.events === 0 && status.backlog.pending.reports === 0) return { runs: run, problems: leftovers(status) };
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return { runs: MAX_RUNS, problems: [`the backlog did not drain in ${MAX_RUNS} reporter runs: ${JSON.stringify(status?.backlog)}`, ...(status ? leftovers(status) : [])] };
}

function leftovers(status: ReportingStatus): string[] {
  const problems: string[] = [];
  const { failures, late, backlog } = status;
  if (failures.totals.reports > 0) problems.push(`Stripe refused ${failures.totals.reports} reports (${failures.totals.units} units): ${JSON.stringify(failures.recent.slice(0, 5))}`);
  if (backlog.held.reports > 0) problems.push(`${backlog.held.reports} reports (${backlog.held.units} units) are held`);
  if (late.adjustments.reports + late.unbillable.reports > 0) problems.push(`usage counted as late: ${JSON.stringify(late)}`);
  return problems;
}

export interface ReporterActivity {
  runs: number;
  /** Runs with a start and no finish: the process running them was killed, or lost its database. */
  interrupted: number;
  /** Meter events delivered, as the finished runs counted them. */
  sent: number;
}

/** From the runs' own record only, so the report rows' layout (the reporting module's business) can change freely. */
export async function reporterActivity(database: ChaosDatabase): Promise<ReporterActivity> {
  const [runs] = await database.query<{ runs: string; interrupted: string; sent: string }>(
    'select count(*) as runs, count(*) filter (where finished_at is null) as interrupted, coalesce(sum(sent), 0) as sent from reporter_runs',
  );
  return { runs: Number(runs!.runs), interrupted: Number(runs!.interrupted), sent: Number(runs!.sent) };
}
