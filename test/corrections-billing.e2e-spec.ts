import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { lineFor, periodAnchor, startBillingCycle, type BillingCycle } from './support/billing-cycle';
import { createMeter } from './support/catalogue';
import type { TestApp } from './support/test-app';

const HOUR = 3600;
const DAY = 86_400;

type Meter = Awaited<ReturnType<typeof createMeter>>;

interface Subscribed {
  clockId: string;
  customer: { id: string; stripeCustomerId: string };
  anchor: number;
  /** The first full hour of the period: usage placed from here shares or splits reporting windows as a test means it to, whatever the time of day. */
  usageBase: number;
  periodEnd: number;
}

/**
 * Every money rule of corrections, end to end: usage and corrections over HTTP, the reporter, the
 * emulator's test clock closing the period, signed webhooks back to the app, the invoice.
 */
describe('corrections on the invoice (e2e: API → reporter → Stripe emulator → test clock → invoice)', () => {
  let cycle: BillingCycle;
  let emulator: StripeEmulator;
  let stripe: Stripe;
  let testApp: TestApp;
  const meters: Record<'calls' | 'records' | 'seats' | 'gauge', Meter> = {} as never;

  beforeAll(async () => {
    cycle = await startBillingCycle();
    ({ emulator, stripe, testApp } = cycle);
    meters.calls = await createMeter(testApp.http, { key: 'calls', aggregation: 'sum', unitAmountDecimal: '2' });
    meters.records = await createMeter(testApp.http, { key: 'records', aggregation: 'sum', unitAmountDecimal: '1', lateUsagePolicy: 'record_only' });
    meters.seats = await createMeter(testApp.http, { key: 'seats', aggregation: 'count', unitAmountDecimal: '100' });
    meters.gauge = await createMeter(testApp.http, { key: 'gauge', aggregation: 'last', unitAmountDecimal: '10' });
  });
  // closing the app and its emulator has outlasted jest's default 60 s on a loaded machine
  afterAll(() => cycle.close(), 180_000);

  /** A customer on its own test clock, subscribed to every meter, the clock two minutes before the first period ends. */
  async function subscribed(): Promise<Subscribed> {
    const anchor = periodAnchor();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: anchor });
    const name = `corr-${randomUUID().slice(0, 8)}`;
    const customer = (await testApp.http.post('/v1/customers').send({ externalId: name, email: `${name}@example.test`, testClock: clock.id }).expect(201)).body;
    const subscription = (await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({}).expect(201)).body;
    const periodEnd = new Date(subscription.currentPeriodEnd).getTime() / 1000;
    await cycle.advance(clock.id, periodEnd - 120);
    return { clockId: clock.id, customer, anchor, usageBase: Math.ceil(anchor / HOUR) * HOUR, periodEnd };
  }

  async function ingest(subject: Subscribed, meter: string, value: number, timestamp: number): Promise<string> {
    const idempotencyKey = randomUUID();
    await testApp.http.post('/v1/usage').send({ customerId: subject.customer.id, meter, value, timestamp, idempotencyKey }).expect(202);
    return idempotencyKey;
  }

  async function correct(subject: Subscribed, idempotencyKey: string, value: number): Promise<Record<string, unknown>> {
    const response = await testApp.http
      .post('/v1/usage/corrections')
      .send({ customerId: subject.customer.id, idempotencyKey, value, reason: 'wrong value sent', correctionKey: randomUUID() })
      .expect(201);
    return response.body;
  }

  const runReporter = () => testApp.http.post('/v1/reporting/runs').send({}).expect(201);

  /** Closes the period ending at `periodEnd`: invoice.created (the flush), then finalization. */
  async function closePeriod(subject: Subscribed, periodEnd: number): Promise<void> {
    await cycle.advance(subject.clockId, periodEnd + 60);
    await cycle.periodEventProcessed('invoice.created', periodEnd, subject.customer.stripeCustomerId);
    await cycle.advance(subject.clockId, periodEnd + HOUR + 120);
    await cycle.periodEventProcessed('invoice.finalized', periodEnd, subject.customer.stripeCustomerId);
  }

  /** Quantity and amount of a meter's line on the cycle invoice of the period ending at `periodEnd`. */
  async function billed(subject: Subscribed, periodEnd: number, meter: Meter): Promise<{ quantity: number | null; amount: number } | undefined> {
    const invoices = await stripe.invoices.list({ customer: subject.customer.stripeCustomerId, limit: 100 });
    const invoice = invoices.data.find((candidate) => candidate.period_end === periodEnd && candidate.billing_reason === 'subscription_cycle');
    expect(invoice?.status).not.toBe('draft');
    const line = lineFor(invoice, meter.stripePriceId);
    return line && { quantity: line.quantity, amount: line.amount };
  }

  const stripeEvents = (subject: Subscribed) => emulator.state.meterEvents.events({ customerId: subject.customer.stripeCustomerId, includeCancelled: true });

  it('void before reporting: the claim nets it, nothing extra goes to Stripe, the invoice bills the rest', async () => {
    const subject = await subscribed();
    await ingest(subject, 'calls', 10, subject.usageBase + HOUR);
    const mistake = await ingest(subject, 'calls', 5, subject.usageBase + HOUR + 60);
    expect(await correct(subject, mistake, 0)).toMatchObject({ billing: 'pending', previousValue: '5', value: '0' });
    await runReporter();
    expect(stripeEvents(subject).map((event) => event.value)).toEqual([10n]);
    await closePeriod(subject, subject.periodEnd);
    expect(await billed(subject, subject.periodEnd, meters.calls)).toEqual({ quantity: 10, amount: 20 });
  });

  it('amend within 24 h: the reported event is cancelled and the window total resent; the invoice bills the corrected value', async () => {
    const subject = await subscribed();
    await ingest(subject, 'calls', 10, subject.usageBase + HOUR);
    const mistake = await ingest(subject, 'calls', 1000, subject.usageBase + HOUR + 60);
    await runReporter();
    expect(await correct(subject, mistake, 30)).toMatchObject({ billing: 'adjusting', previousValue: '1000' });
    await runReporter();
    expect(stripeEvents(subject).map((event) => [event.value, event.cancelled])).toEqual([
      [1010n, true],
      [40n, false],
    ]);
    await closePeriod(subject, subject.periodEnd);
    expect(await billed(subject, subject.periodEnd, meters.calls)).toEqual({ quantity: 40, amount: 80 });

    // where did the units go: the trace names both reports, the cancel, the period and its invoice
    const trace = (await testApp.http.get('/v1/usage/events').query({ customerId: subject.customer.id, idempotencyKey: mistake }).expect(200)).body;
    const [original, resend] = stripeEvents(subject).map((event) => event.identifier);
    expect(trace.event).toMatchObject({ idempotencyKey: mistake, value: '1000', currentValue: '30', meter: 'calls' });
    expect(trace.corrections).toEqual([expect.objectContaining({ previousValue: '1000', value: '30', reason: 'wrong value sent', billing: 'adjusting', createdBy: expect.stringMatching(/^mb_/) })]);
    const invoices = await stripe.invoices.list({ customer: subject.customer.stripeCustomerId, limit: 100 });
    const invoiceId = invoices.data.find((invoice) => invoice.period_end === subject.periodEnd && invoice.billing_reason === 'subscription_cycle')?.id;
    expect(trace.reports).toEqual([
      expect.objectContaining({ identifier: original, carries: 'usage', units: '1010', status: 'cancelled', cancelledBy: resend, sentAt: expect.any(String) }),
      expect.objectContaining({ identifier: resend, carries: 'usage', units: '-970', sentUnits: '40', status: 'sent', billingPeriod: expect.objectContaining({ stripeInvoiceId: invoiceId }) }),
    ]);
    expect(trace.billingPeriod).toMatchObject({ stripeInvoiceId: invoiceId, netUnits: '40', billedAsZero: false });
  });

  it('amend after 24 h: Stripe refuses the cancel, a negative compensating event corrects the invoice', async () => {
    const subject = await subscribed();
    const mistake = await ingest(subject, 'calls', 1000, subject.usageBase + HOUR);
    await runReporter();
    for (const event of stripeEvents(subject)) emulator.state.meterEvents.age(DAY + 60, event.identifier);
    expect(await correct(subject, mistake, 30)).toMatchObject({ billing: 'adjusting' });
    await runReporter();
    expect(stripeEvents(subject).map((event) => [event.value, event.cancelled])).toEqual([
      [1000n, false],
      [-970n, false],
    ]);
    await closePeriod(subject, subject.periodEnd);
    expect(await billed(subject, subject.periodEnd, meters.calls)).toEqual({ quantity: 30, amount: 60 });
  });

  it('after finalization: next_period lowers the next invoice by the difference; record_only records it as unbillable', async () => {
    const subject = await subscribed();
    const calls = await ingest(subject, 'calls', 20, subject.usageBase + HOUR);
    const records = await ingest(subject, 'records', 20, subject.usageBase + HOUR);
    await runReporter();
    await closePeriod(subject, subject.periodEnd);
    expect(await billed(subject, subject.periodEnd, meters.calls)).toEqual({ quantity: 20, amount: 40 });

    expect(await correct(subject, calls, 5)).toMatchObject({ billing: 'late', lateUsagePolicy: 'next_period' });
    expect(await correct(subject, records, 5)).toMatchObject({ billing: 'late', lateUsagePolicy: 'record_only' });
    await ingest(subject, 'calls', 50, subject.periodEnd + 60);
    await runReporter();
    const status = (await testApp.http.get('/v1/reporting/status').expect(200)).body;
    expect(status.late.unbillable).toMatchObject({ units: '-15' });
    const firstPeriod = { from: String(subject.anchor), to: String(subject.periodEnd) };
    const recorded = (await testApp.http.get(`/v1/customers/${subject.customer.id}/usage`).query({ meter: 'records', ...firstPeriod }).expect(200)).body.meters[0];
    expect(recorded).toMatchObject({ ingested: '5', reported: '20', lateUnbillable: '-15', pending: '0' });

    const [next] = await testApp.sql<{ end: string }>('select extract(epoch from max(period_end))::bigint::text as end from billing_periods where customer_id = ?', [subject.customer.id]);
    const nextEnd = Number(next!.end);
    expect(nextEnd).toBeGreaterThan(subject.periodEnd);
    await cycle.advance(subject.clockId, nextEnd - 120);
    await closePeriod(subject, nextEnd);
    expect(await billed(subject, nextEnd, meters.calls)).toEqual({ quantity: 35, amount: 70 });
    const trace = (await testApp.http.get('/v1/usage/events').query({ customerId: subject.customer.id, idempotencyKey: calls }).expect(200)).body;
    expect(trace.reports.map((report: { units: string; lateAdjustment: boolean; billingPeriod: { periodEnd: string } }) => [report.units, report.lateAdjustment, report.billingPeriod.periodEnd])).toEqual([
      ['20', false, new Date(subject.periodEnd * 1000).toISOString()],
      ['-15', true, new Date(nextEnd * 1000).toISOString()],
    ]);
    expect(await billed(subject, subject.periodEnd, meters.records)).toEqual({ quantity: 20, amount: 20 });
    expect(await billed(subject, nextEnd, meters.records)).toEqual({ quantity: 0, amount: 0 });
  });

  it('count and last meters: a voided seat leaves the count, an amended latest gauge value is the one billed', async () => {
    const subject = await subscribed();
    const seats = [];
    for (const offset of [HOUR, 2 * HOUR, 3 * HOUR]) seats.push(await ingest(subject, 'seats', 1, subject.usageBase + offset));
    const older = await ingest(subject, 'gauge', 7, subject.usageBase + HOUR);
    const latest = await ingest(subject, 'gauge', 9, subject.usageBase + 2 * HOUR);
    await runReporter();
    await correct(subject, seats[1]!, 0);
    expect(await correct(subject, older, 1)).toMatchObject({ billable: false });
    expect(await correct(subject, latest, 4)).toMatchObject({ billable: true, billing: 'adjusting' });
    await runReporter();
    await closePeriod(subject, subject.periodEnd);
    expect(await billed(subject, subject.periodEnd, meters.seats)).toEqual({ quantity: 2, amount: 200 });
    expect(await billed(subject, subject.periodEnd, meters.gauge)).toEqual({ quantity: 4, amount: 40 });
  });
});
