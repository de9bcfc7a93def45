import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type Stripe from 'stripe';
import type { CommandRegistrar } from '../src/cli/app-context';
import { registerCustomerCommands } from '../src/customers/customers.commands';
import { registerMeterCommands } from '../src/metering/meters.commands';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { registerSubscriptionCommands } from '../src/subscriptions/subscriptions.commands';
import { startTestApp, type TestApp } from './support/test-app';

/** The catalogue commands as `npm run cli` registers them, run against the real application context. */
describe('CLI: meters:sync, customers:create, subscriptions:create', () => {
  let testApp: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    testApp = await startTestApp();
    stripe = testApp.app.get(STRIPE_CLIENT);
  });
  afterAll(() => testApp.close());

  async function run(...argv: string[]): Promise<string> {
    const program = new Command().exitOverride();
    const registrars: CommandRegistrar[] = [registerMeterCommands, registerCustomerCommands, registerSubscriptionCommands];
    for (const register of registrars) register(program, async () => testApp.app);
    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => printed.push(String(chunk)) > 0);
    try {
      await program.parseAsync(argv, { from: 'user' });
    } finally {
      write.mockRestore();
    }
    return printed.join('');
  }

  it('syncs the example catalogue idempotently', async () => {
    const first = await run('meters:sync', '--file', 'examples/meters.json');
    expect(first.match(/^created/gm)).toHaveLength(3);
    const second = await run('meters:sync', '--file', 'examples/meters.json');
    expect(second.match(/^exists/gm)).toHaveLength(3);
    const eventNames = (await stripe.billing.meters.list({ limit: 100 })).data.map((meter) => meter.event_name).sort();
    expect(eventNames).toEqual(['meterbridge_api_calls', 'meterbridge_storage_gb', 'meterbridge_tokens']);
  });

  it('refuses an invalid catalogue file, naming the entry, and creates nothing', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'meters-')), 'bad.json');
    await writeFile(file, JSON.stringify([{ key: 'Bad Key', displayName: 'x', aggregation: 'sum', unitAmountDecimal: '1', currency: 'usd' }]));
    await expect(run('meters:sync', '--file', file)).rejects.toThrow(/meters\[0\]: key must be a lowercase slug/);
    expect(await testApp.sql(`select id from meters where key = 'Bad Key'`)).toHaveLength(0);
  });

  it('creates a customer and subscribes it, printing what it did', async () => {
    const customerOutput = await run('customers:create', '--external-id', 'cli-customer', '--email', 'cli@example.test');
    const customerId = /customer ([0-9a-f-]{36})/.exec(customerOutput)?.[1] as string;
    expect(customerOutput).toMatch(/^created customer .* stripe cus_/);
    const subscriptionOutput = await run('subscriptions:create', '--customer', customerId, '--meters', 'api_calls,tokens');
    expect(subscriptionOutput).toMatch(/subscription .* stripe sub_\w+ \w+: api_calls .*tokens/);
    expect(await testApp.sql('select id from subscriptions where customer_id = ?', [customerId])).toHaveLength(1);
  });
});
