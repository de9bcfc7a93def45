import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * npm run bench — the ingest and report benchmarks in one go, then one summary of both in
 * bench/results/<date>T<time>.json and a markdown table in bench/results/<date>T<time>.md (the
 * README's performance section shows the latest and the range over a day's runs). Each benchmark
 * measures its own baseline in the same run.
 */

interface Phase {
  name: string;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  serviceCpuMicrosPerRequest?: number;
}

interface IngestResult {
  machine: Record<string, string>;
  phases: Phase[];
  ratios: { singleGroupCommitVsRawSingle: number; singleGroupCommitVsHttpCeiling: number; batchVsRawBatch: number };
}

interface ReportResult {
  events: number;
  customers: number;
  meters: number;
  days: number;
  drain: { seconds: number; peakRss: number; sent: number; streamRequests: number };
  floor: { seconds: number; rows: number };
  naive: { extrapolatedSeconds: number; subset?: number; rows: number };
  checks: { windows: number; stripeMeterEvents: number; pendingAfter: number };
  ratios: { drainVsNaive: number; drainVsFloor: number; requestsPerWindow: number };
}

const RESULTS = join(__dirname, '..', '..', 'bench', 'results');
const day = new Date().toISOString().slice(0, 10);
/** Each run keeps its own table: five runs of a day are compared side by side. */
const runStamp = new Date().toISOString().slice(0, 19).replace(/:/g, '');

function run(script: string): void {
  const started = performance.now();
  const result = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${script} failed (exit ${result.status})`);
  process.stdout.write(`${script} took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}

const read = <T>(name: string): T => JSON.parse(readFileSync(join(RESULTS, `${name}-${day}.json`), 'utf8')) as T;
const number = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const phase = (ingest: IngestResult, prefix: string) => {
  const found = ingest.phases.find((candidate) => candidate.name.startsWith(prefix));
  if (!found) throw new Error(`no ingest phase "${prefix}"`);
  return found;
};
const serviceCpu = (p: Phase) => {
  if (p.serviceCpuMicrosPerRequest === undefined) throw new Error(`no service CPU for ingest phase "${p.name}"`);
  return p.serviceCpuMicrosPerRequest;
};
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

function markdown(ingest: IngestResult, report: ReportResult, machine: string): string {
  const single = phase(ingest, 'POST /v1/usage, group commit');
  const rawSingle = phase(ingest, 'raw single-row');
  const ceiling = phase(ingest, 'GET /health/live');
  const batch = phase(ingest, 'POST /v1/usage/batch');
  const rawBatch = phase(ingest, 'raw 1000-row');
  const speed = (p: Phase) => `${number(p.eventsPerSecond)} ev/s (p50 ${number(p.p50, 1)} ms, p99 ${number(p.p99, 1)} ms)`;
  const ratio = (value: number, target: string, ok: boolean) => `${number(value, 2)}× | ${target}: ${verdict(ok)}`;
  const rssMib = report.drain.peakRss / 2 ** 20;
  const drainLabel = `report drain: ${number(report.events)} events (${report.customers} customers × ${report.meters} meters × ${report.days} days)`;
  return [
    `### Benchmarks, ${runStamp}`,
    '',
    machine,
    '',
    '| benchmark | Meterbridge | baseline in the same run | ratio | target |',
    '| --- | --- | --- | --- | --- |',
    `| single event, \`POST /v1/usage\` (group commit) | ${speed(single)} | raw single-row INSERT: ${speed(rawSingle)} | ${ratio(ingest.ratios.singleGroupCommitVsRawSingle, '≥ 1.0×', ingest.ratios.singleGroupCommitVsRawSingle >= 1)} |`,
    `| single event, \`POST /v1/usage\` (group commit) | ${speed(single)} | the HTTP stack alone (\`GET /health/live\`, no auth, no database): ${speed(ceiling)} | ${ratio(ingest.ratios.singleGroupCommitVsHttpCeiling, '≥ 0.7×', ingest.ratios.singleGroupCommitVsHttpCeiling >= 0.7)} |`,
    `| service process CPU per request (its JavaScript runs on one thread) | ${number(serviceCpu(single))} µs per single event | ${number(serviceCpu(ceiling))} µs per \`GET /health/live\` | ${number(serviceCpu(ceiling) / serviceCpu(single), 2)}× | |`,
    `| 1000-event batches, \`POST /v1/usage/batch\` | ${speed(batch)} | raw 1000-row INSERT: ${speed(rawBatch)} | ${ratio(ingest.ratios.batchVsRawBatch, '≥ 1.0×', ingest.ratios.batchVsRawBatch >= 1)} |`,
    `| ${drainLabel} | ${number(report.drain.seconds, 1)} s | floor \`UPDATE … SET reported\` of all rows: ${number(report.floor.seconds, 1)} s | ${ratio(report.ratios.drainVsFloor, '≥ 0.6×', report.ratios.drainVsFloor >= 0.6)} |`,
    `| ${drainLabel} | ${number(report.drain.seconds, 1)} s | naive load-group-mark-each-row: ${number(report.naive.extrapolatedSeconds, 1)} s${report.naive.subset ? ' (extrapolated from a subset)' : ''} | ${number(report.ratios.drainVsNaive, 1)}× faster | ≥ 10×: ${verdict(report.ratios.drainVsNaive >= 10)} |`,
    `| report drain peak RSS (256 MB V8 heap) | ${number(rssMib)} MiB | | | < 250 MiB: ${verdict(rssMib < 250)} |`,
    `| Stripe requests per customer × meter × window | ${number(report.drain.streamRequests)} stream requests for ${number(report.checks.windows)} windows (${number(report.ratios.requestsPerWindow, 3)} per window) | | | ≤ 1: ${verdict(report.ratios.requestsPerWindow <= 1)} |`,
    '',
  ].join('\n');
}

function main(): void {
  const loadAtStart = loadavg().map((load) => load.toFixed(2)).join(' ');
  run('bench:ingest');
  run('bench:report');
  const ingest = read<IngestResult>('ingest');
  const report = read<ReportResult>('report');
  const loadAtEnd = loadavg().map((load) => load.toFixed(2)).join(' ');
  const machine = `Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${number(totalmem() / 2 ** 30)} GiB, ${ingest.machine.postgres}, load average ${loadAtStart} at the start and ${loadAtEnd} at the end; PostgreSQL, the service, the emulator and the load generator share the CPUs.`;
  const table = markdown(ingest, report, machine);
  writeFileSync(join(RESULTS, `${runStamp}.json`), `${JSON.stringify({ date: new Date().toISOString(), machine, ingest, report }, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${runStamp}.md`), table);
  process.stdout.write(`\n${table}\nwritten: bench/results/${runStamp}.json, bench/results/${runStamp}.md\n`);
}

main();
