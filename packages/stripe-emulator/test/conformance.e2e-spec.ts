import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import type { Exchange } from '../src/state/traffic';
import { clockedCustomer, meteredPlan, usage } from './support/billing-fixtures';
import { conformanceProblems } from './support/stripe-conformance';
import { emulatorOf, emulatorOnly, nowSeconds, startContractTarget, type ContractTarget } from './support/stripe-contract';

const fixture = JSON.parse(readFileSync(join(__dirname, 'conformance', 'stripe-wire-schemas.json'), 'utf8')) as { sdkVersion: string; apiVersion: string };

const api = (path: string, body: unknown, status = 200, method = 'GET'): Exchange => ({ kind: 'api', method, path, status, body: JSON.stringify(body) });

/**
 * Every contract test file checks, when it closes its target, each answer the emulator sent it
 * (API responses, webhook and thin event payloads) against the `stripe` SDK's bundled types
 * (support/stripe-conformance.ts). This file checks the checker: that it follows the SDK the
 * project installs, and that it catches the drifts it is there for.
 */
describe('the emulator answers what Stripe publishes', () => {
  let target: ContractTarget;

  beforeAll(async () => {
    target = await startContractTarget();
  });

  afterAll(async () => {
    await target.close();
  });

  it('uses schemas generated from the installed SDK (run `npm run stripe:schemas` after upgrading it)', () => {
    expect(fixture).toMatchObject({ sdkVersion: Stripe.PACKAGE_VERSION, apiVersion: Stripe.API_VERSION });
  });

  emulatorOnly('captures and checks what a billing run sends: objects, lists, events, errors', async () => {
    const conformance = target.conformance!;
    const start = nowSeconds() - 3600;
    const plan = await meteredPlan(target);
    const { customer } = await clockedCustomer(target, start);
    await target.stripe.subscriptions.create({ customer: customer.id, items: [{ price: plan.price.id }] });
    await usage(target, plan, customer.id, 5, start + 60);
    await target.stripe.invoices.createPreview({ customer: customer.id });
    await target.stripe.events.list({ limit: 20 });
    await target.stripe.customers.retrieve('cus_missing').catch(() => undefined);
    await target.stripe.v2.billing.meterEvents.create({ event_name: 'nobody_listens', payload: { stripe_customer_id: customer.id, value: '1' } }).catch(() => undefined);
    const objects = new Set(conformance.exchanges.map((exchange) => (JSON.parse(exchange.body) as { object?: string }).object ?? `error ${exchange.status}`));
    expect([...objects]).toEqual(expect.arrayContaining(['billing.meter', 'product', 'price', 'test_helpers.test_clock', 'customer', 'subscription', 'billing.meter_event', 'invoice', 'list', 'error 404', 'error 400']));
    expect(conformance.problems()).toEqual([]);
    emulatorOf(target);
  });

  it.each([
    ['a field Stripe does not send', api('/v1/customers/cus_1', { id: 'cus_1', object: 'customer', created: 1, livemode: false, made_up: true }), /made_up|additional/],
    ['a required field missing', api('/v1/billing/meters/mtr_1', { id: 'mtr_1', object: 'billing.meter' }), /required property/],
    ['a v1 event without its request', api('/v1/events/evt_1', { id: 'evt_1', object: 'event', api_version: null, created: 1, data: { object: {} }, livemode: false, pending_webhooks: 0, type: 'customer.created' }), /request/],
    ['an object kind the checker has no schema for', api('/v1/charges/ch_1', { id: 'ch_1', object: 'charge' }), /no schema objects\/charge/],
    ['a v2 error carrying param', api('/v2/billing/meter_events', { error: { code: 'invalid_fields', message: 'bad', param: 'event_name' } }, 400, 'POST'), /param|additional/],
    ['a v1 error without a type', api('/v1/customers', { error: { message: 'bad' } }, 400, 'POST'), /required property 'type'/],
  ])('catches %s', (_label, exchange, problem) => {
    expect(conformanceProblems(exchange).join('\n')).toMatch(problem);
  });
});
