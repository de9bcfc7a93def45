import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CommandRegistrar } from '../cli/app-context.js';
import { validateInput } from '../common/http/validate-input.js';
import { CreateMeterDto } from './create-meter.dto.js';
import { MeterCatalogueService } from './meter-catalogue.service.js';

async function readDefinitions(file: string): Promise<CreateMeterDto[]> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  const list = Array.isArray(parsed) ? parsed : (parsed as { meters?: unknown })?.meters;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of meters (or {"meters": [...]})`);
  return list.map((entry, index) => validateInput(CreateMeterDto, entry, `${file}: meters[${index}]`));
}

/** meters:sync: the catalogue as code, applied idempotently (replaces one-off setup scripts). */
export const registerMeterCommands: CommandRegistrar = (program: Command, getApp) => {
  program
    .command('meters:sync')
    .description('create every meter of a JSON file that does not exist yet, with its Stripe meter and price; idempotent')
    .requiredOption('--file <path>', 'JSON array of {key, displayName, aggregation, unitAmountDecimal, currency, lateUsagePolicy?}')
    .action(async (options: { file: string }) => {
      const definitions = await readDefinitions(options.file);
      const catalogue = (await getApp()).get(MeterCatalogueService);
      for (const definition of definitions) {
        const { meter, created } = await catalogue.register(definition);
        process.stdout.write(`${created ? 'created' : 'exists '} ${meter.key}\tstripe meter ${meter.stripeMeterId}\tprice ${meter.stripePriceId}\n`);
      }
    });
};
