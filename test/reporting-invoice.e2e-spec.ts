import { ReportingService } from '../src/reporting/reporting.service';
import { periodBoundary } from '@meterbridge/stripe-emulator';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token';
import { type Stripe } from '../src/stripe/stripe.constants';
import { SubscriptionsService } from '../src/subscriptions/subscriptions.service';
import { createCustomer } from './support/catalogue';
import type { TestApp } from './support/test-app';
import { catalogueMeter, HOUR, MINUTE, recordUsage, reportRows, runReporter, startReportingApp, type CatalogueMeter } from './support/reporting';

const MONTHLY = { interval: 'month', intervalCount: 1 } as const;

/**
 * An anchor one calendar month before `target`, so that the first monthly period ends at
 * `target`, or as close before it as month lengths allow (at most three days).
 */
function anchorEndingNear(target: number): { anchor: number; periodEnd: number } {
  const candidates = [28, 29, 30, 31, 32, 33].map((days) => target - days * 86_400).map((anchor) => ({ anchor, periodEnd: periodBoundary(anchor, MONTHLY, 1) }));
  return candidates.filter((candidate) => candidate.periodEnd <= target).sort((a, b) => b.periodEnd - a.periodEnd)[0]!;
}

describe('reporter and Stripe invoices: usage lands in its own period (e2e, test clocks)', () => {
  let testApp: TestApp;
  let stripe: Stripe;
  let meter: CatalogueMeter;

  // the period closed (in real time) up to three days ago: keep it open for the reporter
  beforeAll(async () => {
    testApp = await startReportingApp({ REPORTER_FINALIZATION_GRACE_MINUTES: '4320' });
    stripe = testApp.app.get<Stripe>(STRIPE_CLIENT);
    meter = await catalogueMeter(testApp, 'invoiced', { unitAmountDecimal: '2' });
  });
  afterAll(() => testApp.close());

  async function advance(clockId: string, to: number): Promise<void> {
    await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    for (let poll = 0; poll < 200; poll += 1) {
      if ((await stripe.testHelpers.testClocks.retrieve(clockId)).status === 'ready') return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`test clock ${clockId} did not finish advancing`);
  }

  async function quantityBilledFor(subscriptionId: string, periodEnd: number): Promise<number | undefined> {
    const invoices = await stripe.invoices.list({ subscription: subscriptionId, limit: 100 });
    const invoice = invoices.data.find((candidate) => candidate.period_end === periodEnd && candidate.status !== 'draft');
    return invoice?.lines.data.find((line) => line.pricing?.price_details?.price === meter.stripePriceId)?.quantity ?? undefined;
  }

  it("bills usage at the last second of a period on that period's invoice and the first second of the next on the next one", async () => {
    const { anchor, periodEnd } = anchorEndingNear(Math.floor((Date.now() - MINUTE) / 1000));
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: anchor });
    const customer = await createCustomer(testApp.http, 'invoiced-customer', { testClock: clock.id });
    const subscription = (await testApp.http.post(`/v1/customers/${customer.id}/subscriptions`).send({ meters: ['invoiced'] }).expect(201)).body;
    expect(subscription.currentPeriodEnd).toBe(new Date(periodEnd * 1000).toISOString());

    await recordUsage(testApp, customer.id, 'invoiced', 1, new Date((anchor + 3600) * 1000));
    await recordUsage(testApp, customer.id, 'invoiced', 5, new Date((periodEnd - 1) * 1000));
    await recordUsage(testApp, customer.id, 'invoiced', 7, new Date(periodEnd * 1000));

    // Stripe closes the period and drafts its invoice; the subscription's next period is recorded
    await advance(clock.id, periodEnd + 60);
    await testApp.app.get(SubscriptionsService).syncFromStripe(subscription.stripeSubscriptionId);

    // invoice.created → flush that period only: the next period's usage waits for a normal run
    const flush = await testApp.app.get(ReportingService).flushPeriod(subscription.stripeSubscriptionId, new Date(periodEnd * 1000));
    expect(flush).toMatchObject({ trigger: 'flush', sent: 2 });
    expect((await reportRows(testApp, customer.id)).map((row) => [row.units, row.status])).toEqual([
      ['1', 'sent'],
      ['5', 'sent'],
      ['7', 'pending'],
    ]);
    expect(await runReporter(testApp)).toMatchObject({ sent: 1 });

    await advance(clock.id, periodEnd + HOUR + 60);
    expect(await quantityBilledFor(subscription.stripeSubscriptionId, periodEnd)).toBe(6);

    const nextEnd = periodBoundary(anchor, MONTHLY, 2);
    await advance(clock.id, nextEnd + HOUR + 60);
    expect(await quantityBilledFor(subscription.stripeSubscriptionId, nextEnd)).toBe(7);
  });
});
