import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * npm run bench — the ingest and report benchmarks in one go, then one summary of both in
 * bench/results/<date>.json and a markdown table in bench/results/<date>.md (the README's
 * performance section shows it). Each benchmark measures its own baseline in the same run.
 */

interface Phase {
  name: string;
  eventsPerSecond: number;
  p50: number;
  p99: number;
}

interface IngestResult {
  machine: Record<string, string>;
  phases: Phase[];
  ratios: { singleGroupCommitVsRawSingle: number; batchVsRawBatch: number };
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
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

function markdown(ingest: IngestResult, report: ReportResult, machine: string): string {
  const single = phase(ingest, 'POST /v1/usage, group commit');
  const rawSingle = phase(ingest, 'raw single-row');
  const batch = phase(ingest, 'POST /v1/usage/batch');
  const rawBatch = phase(ingest, 'raw 1000-row');
  const speed = (p: Phase) => `${number(p.eventsPerSecond)} ev/s (p50 ${number(p.p50, 1)} ms, p99 ${number(p.p99, 1)} ms)`;
  const rssMb = report.drain.peakRss / 2 ** 20;
  return [
    `### Benchmarks, ${day}`,
    '',
    machine,
    '',
    '| benchmark | Meterbridge | baseline in the same run | ratio | target |',
    '| --- | --- | --- | --- | --- |',
    `| single event, \`POST /v1/usage\` (group commit) | ${speed(single)} | raw single-row INSERT: ${speed(rawSingle)} | ${number(ingest.ratios.singleGroupCommitVsRawSingle, 2)}× | ≥ 0.5×: ${verdict(ingest.ratios.singleGroupCommitVsRawSingle >= 0.5)} |`,
    `| 1000-event batches, \`POST /v1/usage/batch\` | ${speed(batch)} | raw 1000-row INSERT: ${speed(rawBatch)} | ${number(ingest.ratios.batchVsRawBatch, 2)}× | ≥ 0.4×: ${verdict(ingest.ratios.batchVsRawBatch >= 0.4)} |`,
    `| report drain: ${number(report.events)} events (${report.customers} customers × ${report.meters} meters × ${report.days} days) | ${number(report.drain.seconds, 1)} s | naive load-group-mark-each-row: ${number(report.naive.extrapolatedSeconds, 1)} s${report.naive.subset ? ' (extrapolated from a subset)' : ''}; floor \`UPDATE … SET reported\` of all rows: ${number(report.floor.seconds, 1)} s | ${number(report.ratios.drainVsNaive, 1)}× faster than naive | ≥ 10×: ${verdict(report.ratios.drainVsNaive >= 10)} |`,
    `| report drain peak RSS | ${number(rssMb)} MB | | | < 300 MB: ${verdict(rssMb < 300)} |`,
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
  const machine = `Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${number(totalmem() / 2 ** 30)} GiB, ${ingest.machine.postgres}, load average at start ${loadAtStart}; PostgreSQL, the service, the emulator and the load generator share the CPUs.`;
  const table = markdown(ingest, report, machine);
  writeFileSync(join(RESULTS, `${day}.json`), `${JSON.stringify({ date: new Date().toISOString(), machine, ingest, report }, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${day}.md`), table);
  process.stdout.write(`\n${table}\nwritten: bench/results/${day}.json, bench/results/${day}.md\n`);
}

main();
