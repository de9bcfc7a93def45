import { InvalidArgumentError, type Command } from 'commander';
import type { CommandRegistrar } from '../cli/app-context.js';
import { toReconciliationResponse } from './reconciliation.dto.js';
import { ReconciliationService } from './reconciliation.service.js';
import { toRunResponse } from './reporting.response.js';
import { ReportingService } from './reporting.service.js';

function parseDate(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('an ISO-8601 date-time, such as 2026-11-01T00:00:00Z');
  return date;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** reporting:run, reporting:status, reconciliation:run: the same answers as their routes, as JSON. */
export const registerReportingCommands: CommandRegistrar = (program: Command, getApp) => {
  program
    .command('reporting:run')
    .description('run the reporter now (waits for a run in progress elsewhere) and print what it did')
    .action(async () => {
      print(toRunResponse(await (await getApp()).get(ReportingService).run('api')));
    });

  program
    .command('reporting:status')
    .description('backlog, late usage, last run and failed reports')
    .action(async () => {
      print(await (await getApp()).get(ReportingService).status());
    });

  program
    .command('reconciliation:run')
    .description("compare what reached Stripe with Stripe's meter event summaries, per customer × meter × day")
    .option('--from <date>', 'first day compared (default: the configured lookback)', parseDate)
    .option('--to <date>', 'end of the range (default: the end of today)', parseDate)
    .action(async (options: { from?: Date; to?: Date }) => {
      const { run, drifts } = await (await getApp()).get(ReconciliationService).run(options);
      print(toReconciliationResponse(run, drifts));
      if (run.driftCount > 0) process.exitCode = 2;
    });
};
