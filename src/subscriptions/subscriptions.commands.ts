import type { Command } from 'commander';
import type { CommandRegistrar } from '../cli/app-context.js';
import { validateInput } from '../common/http/validate-input.js';
import { CreateSubscriptionDto } from './subscription.dto.js';
import { SubscriptionsService } from './subscriptions.service.js';

/** subscriptions:create: the same as POST /v1/customers/:id/subscriptions. */
export const registerSubscriptionCommands: CommandRegistrar = (program: Command, getApp) => {
  program
    .command('subscriptions:create')
    .description('subscribe a customer to meters (default: every active meter), or add meters to its live subscription')
    .requiredOption('--customer <id>', 'Meterbridge customer id')
    .option('--meters <keys>', 'comma-separated meter keys', (value: string) => value.split(',').map((key) => key.trim()))
    .option('--trial-days <days>', 'trial length in days', (value: string) => Number(value))
    .action(async (options: { customer: string; meters?: string[]; trialDays?: number }) => {
      const request = validateInput(CreateSubscriptionDto, { meters: options.meters, trialDays: options.trialDays }, 'subscription');
      const { subscription } = await (await getApp()).get(SubscriptionsService).subscribe(options.customer, request);
      const items = subscription.items.getItems().map((item) => `${item.meter.key} (${item.stripeItemId}) until ${item.currentPeriodEnd.toISOString()}`);
      process.stdout.write(`subscription ${subscription.id} stripe ${subscription.stripeSubscriptionId} ${subscription.status}: ${items.join(', ')}\n`);
    });
};
