import type { Command } from 'commander';
import type { CommandRegistrar } from '../cli/app-context.js';
import { validateInput } from '../common/http/validate-input.js';
import { CreateCustomerDto } from './create-customer.dto.js';
import { CustomersService } from './customers.service.js';

/** customers:create: the same get-or-create as POST /v1/customers. */
export const registerCustomerCommands: CommandRegistrar = (program: Command, getApp) => {
  program
    .command('customers:create')
    .description('get-or-create a customer by external id, with its Stripe customer')
    .requiredOption('--external-id <id>', "the calling service's id for the customer")
    .requiredOption('--email <email>')
    .option('--name <name>')
    .option('--test-clock <clock_id>', 'Stripe test clock (test mode only)')
    .action(async (options: { externalId: string; email: string; name?: string; testClock?: string }) => {
      const request = validateInput(CreateCustomerDto, { ...options }, 'customer');
      const { customer, created } = await (await getApp()).get(CustomersService).getOrCreate(request);
      process.stdout.write(`${created ? 'created' : 'exists'} customer ${customer.id} (${customer.externalId}) stripe ${customer.stripeCustomerId}\n`);
    });
};
