import type Stripe from 'stripe';
import { advanceClock, periodAnchor, type BillingStack } from './period-close';

/** Period close fixtures shared by the invoice verification and console tests. */

export const HOUR = 3600;
export const controlOf = (billing: BillingStack) => ({ baseUrl: billing.emulator.url });
export const eventNameOf = (billing: BillingStack, meter: MeterFixture) => billing.emulator.state.meters.require(meter.stripeMeterId).event_name;

export interface PeriodFixture {
  clockId: string;
  periodEnd: number;
  invoice: Stripe.Invoice;
}

export type MeterFixture = { key: string; stripeMeterId: string; stripePriceId: string };
let customers = 0;

/**
 * A customer on its own clock with `units` reported in its first period, then the clock just past
 * the period end: the draft invoice exists and invoice.created has been processed. `beforeClose`
 * runs once the usage has reached Stripe, before the period closes.
 */
export async function closedPeriod(
  stack: BillingStack,
  meter: MeterFixture,
  units: number,
  beforeClose?: (stripeCustomerId: string, periodEnd: number) => Promise<void>,
  report = true,
): Promise<PeriodFixture> {
  const { app, stripe } = stack;
  const n = ++customers;
  const anchor = periodAnchor();
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: anchor });
  const customer = (await app.http.post('/v1/customers').send({ externalId: `close-${n}`, email: `close-${n}@example.test`, testClock: clock.id }).expect(201)).body;
  const subscription = (await app.http.post(`/v1/customers/${customer.id}/subscriptions`).send({ meters: [meter.key] }).expect(201)).body;
  const periodEnd = new Date(subscription.currentPeriodEnd).getTime() / 1000;
  await advanceClock(stripe, clock.id, periodEnd - 120);
  await app.http.post('/v1/usage').send({ customerId: customer.id, meter: meter.key, value: units, timestamp: periodEnd - HOUR, idempotencyKey: `usage-${n}` }).expect(202);
  await beforeClose?.(customer.stripeCustomerId, periodEnd);
  if (report) expect((await app.http.post('/v1/reporting/runs').send({}).expect(201)).body).toMatchObject({ failed: 0 });
  await advanceClock(stripe, clock.id, periodEnd + 60);
  const invoices = await stripe.invoices.list({ subscription: subscription.stripeSubscriptionId, limit: 100 });
  const invoice = invoices.data.find((candidate) => candidate.period_end === periodEnd && candidate.billing_reason === 'subscription_cycle');
  if (!invoice) throw new Error('no invoice for the closed period');
  return { clockId: clock.id, periodEnd, invoice };
}
