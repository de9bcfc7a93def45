import type { ChaosOptions } from './chaos-options';
import type { MonkeyStats } from './chaos-monkey';
import type { ReporterActivity } from './final-report';
import type { CorrectionStats } from './correction-clients';
import type { LedgerRow } from './ledger-check';
import type { ClientStats } from './usage-clients';

export interface SummaryInput {
  options: ChaosOptions;
  meters: number;
  periods: number;
  clients: ClientStats;
  corrections: CorrectionStats;
  acknowledged: number;
  unacknowledged: number;
  monkey: MonkeyStats;
  restarts: number;
  failedStarts: number;
  crashes: number;
  reporter: ReporterActivity;
  finalReportRuns: number;
  webhooksForwarded: number;
  rows: LedgerRow[];
  drift: number;
  problems: number;
  durations: [string, number][];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function unitTotals(rows: LedgerRow[]): string {
  const sum = (pick: (row: LedgerRow) => bigint | null) => rows.reduce((total, row) => total + (pick(row) ?? 0n), 0n);
  return `client ${sum((row) => row.client)}, ledger ${sum((row) => row.ledger)}, stripe ${sum((row) => row.stripe)}, invoices ${sum((row) => row.invoice)}`;
}

/** The run in a dozen lines: what was sent, what was broken, what was counted, how long it took. */
export function formatSummary(input: SummaryInput): string {
  const { options, clients, monkey, reporter } = input;
  const faults = Object.entries(monkey.faultsArmed)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const passed = input.drift === 0 && input.problems === 0;
  const lines: [string, string][] = [
    ['seed', `${options.seed} (replay: CHAOS_SEED=${options.seed})`],
    ['fleet', `${options.apps} app processes, ${options.customers} customers × ${input.meters} meters × ${input.periods} periods, ${options.useV2Stream ? 'v2 meter event stream' : 'v1 meter events'}, ${options.workers} client workers`],
    ['events', `${options.events} planned, ${input.acknowledged} acknowledged (${clients.accepted} accepted, ${clients.committedBeforeAnswerLost} answered duplicate after an unanswered attempt had committed), ${input.unacknowledged} never acknowledged`],
    ['requests', `${clients.requests} (${clients.singleRequests} single, ${clients.batchRequests} batch): ${clients.noAnswer} without answer, ${clients.serverErrors} answered 5xx/429, ${clients.eventErrors} batch events answered 5xx; ${clients.retries} event retries`],
    [
      'corrections',
      `${input.corrections.acknowledged} acknowledged (${input.corrections.committedBeforeAnswerLost} answered 200 after an unanswered attempt had committed) in ${input.corrections.requests} requests: ${input.corrections.noAnswer} without answer, ${input.corrections.serverErrors} answered 5xx/429`,
    ],
    ['duplicates', `${clients.duplicatesResent} resent after acknowledgement, ${clients.duplicatesConfirmed} answered duplicate`],
    ['kills', `${monkey.kills} SIGKILL (${monkey.killsMidIngest} with ingest requests in flight, ${monkey.killsAfterReportRequest} right after a reporting run request of which ${monkey.reportRunsCut} cut mid-run), ${monkey.killsSkipped} skipped; ${input.restarts} starts, ${input.failedStarts} failed starts retried; ${input.crashes} crashes`],
    ['stripe faults', `${faults} rules armed; ${monkey.faultsApplied} requests failed by them`],
    ['postgres', `${monkey.postgresRestarts} restart (${seconds(monkey.postgresDownMs)} from stop to ready)`],
    ['reporter', `${reporter.runs} runs (${reporter.interrupted} interrupted) delivered ${reporter.sent} meter events; final drain took ${input.finalReportRuns} runs; ${input.webhooksForwarded} webhooks forwarded`],
    ['units', `${unitTotals(input.rows)} over ${input.rows.length} customer × meter × period rows; ${input.drift} drifting`],
    ['durations', input.durations.map(([phase, ms]) => `${phase} ${seconds(ms)}`).join(', ')],
    ['result', passed ? 'PASS' : `FAIL (${input.drift} drifting rows, ${input.problems} problems)`],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  return ['Chaos run summary', ...lines.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`)].join('\n');
}
