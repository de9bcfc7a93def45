import { Command } from 'commander';
import { registerApiKeyCommands } from '../auth/api-keys.commands.js';
import { registerCustomerCommands } from '../customers/customers.commands.js';
import { registerMeterCommands } from '../metering/meters.commands.js';
import { registerSubscriptionCommands } from '../subscriptions/subscriptions.commands.js';
import { registerReportingCommands } from '../reporting/reporting.commands.js';
import { MigrationService } from '../database/migration.service.js';
import { openAppContext, type CommandRegistrar, type OpenedAppContext } from './app-context.js';

/** Every module that contributes commands; add yours here. */
const REGISTRARS: CommandRegistrar[] = [registerApiKeyCommands, registerMeterCommands, registerCustomerCommands, registerSubscriptionCommands, registerReportingCommands];

/** `npm run cli -- <command>`: operator commands on the service's own database (embedded when DATABASE_URL is unset). */
async function main(): Promise<void> {
  const program = new Command('meterbridge').description('Meterbridge operator commands').showHelpAfterError();
  let opened: OpenedAppContext | undefined;
  const getApp = async () => {
    // messages go to stderr so that stdout carries only what a command prints
    opened ??= await openAppContext((line) => process.stderr.write(`${line}\n`));
    // a fresh database is usable at once; the advisory lock makes this safe beside running replicas
    await opened.app.get(MigrationService).migrateUnderLock();
    return opened.app;
  };
  for (const register of REGISTRARS) register(program, getApp);
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await opened?.close();
  }
}

void main();
