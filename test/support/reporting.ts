import { randomUUID } from 'node:crypto';
import { identifierOf } from '../../src/reporting/report-identifier';
import type { ReporterRunResponse } from '../../src/reporting/reporting.response';
import type { StripeEmulator } from '@meterbridge/stripe-emulator';
import { STRIPE_EMULATOR } from '../../src/stripe/stripe.constants';
import { createCustomer, createMeter } from './catalogue';
import { startTestApp, type TestApp } from './test-app';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The app with its schedules off (tests run the reporter through its route) and fast retries. */
export function startReportingApp(environment: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ REPORTER_ENABLED: 'false', RECONCILIATION_ENABLED: 'false', REPORTER_RETRY_BASE_MS: '5', ...environment });
}

export function emulatorOf(testApp: TestApp): StripeEmulator {
  const emulator = testApp.app.get<StripeEmulator | null>(STRIPE_EMULATOR);
  if (!emulator) throw new Error('the test app runs without its in-process Stripe emulator');
  return emulator;
}

/** A whole second, `offsetMs` from now, not on an hour boundary unless asked. */
export function secondsFromNow(offsetMs: number): Date {
  return new Date(Math.floor((Date.now() + offsetMs) / 1000) * 1000);
}

export interface BilledCustomer {
  id: string;
  stripeCustomerId: string;
}

export interface CatalogueMeter {
  id: string;
  key: string;
  stripeMeterId: string;
  stripePriceId: string;
}

export function billedCustomer(testApp: TestApp, name = `rep-${randomUUID().slice(0, 8)}`): Promise<BilledCustomer> {
  return createCustomer(testApp.http, name);
}

export function catalogueMeter(testApp: TestApp, key: string, overrides: Record<string, unknown> = {}): Promise<CatalogueMeter> {
  return createMeter(testApp.http, { key, displayName: key, ...overrides });
}

export interface PeriodFixture {
  start: Date;
  end: Date;
  finalizedAt?: Date;
}

/**
 * A live subscription of the customer with one item for the meter and these billing periods
 * (what subscription sync and the webhooks record), written straight into the database so a
 * test can put period boundaries anywhere.
 */
export async function subscribeWithPeriods(testApp: TestApp, customerId: string, meterId: string, periods: PeriodFixture[]): Promise<{ subscriptionId: string; stripeSubscriptionId: string }> {
  const stripeSubscriptionId = `sub_${randomUUID().replaceAll('-', '')}`;
  const current = periods[periods.length - 1]!;
  const [subscription] = await testApp.sql<{ id: string }>(
    `insert into subscriptions (customer_id, stripe_subscription_id, status) values (?, ?, 'active')
     on conflict (customer_id) where status not in ('canceled', 'incomplete_expired') do update set status = excluded.status returning id`,
    [customerId, stripeSubscriptionId],
  );
  const [item] = await testApp.sql<{ id: string }>(
    `insert into subscription_items (subscription_id, meter_id, stripe_item_id, stripe_price_id, current_period_start, current_period_end)
     values (?, ?, ?, ?, ?, ?) returning id`,
    [subscription!.id, meterId, `si_${randomUUID()}`, `price_${randomUUID()}`, current.start, current.end],
  );
  for (const period of periods) {
    await testApp.sql(
      `insert into billing_periods (subscription_item_id, customer_id, meter_id, period_start, period_end, invoice_finalized_at) values (?, ?, ?, ?, ?, ?)`,
      [item!.id, customerId, meterId, period.start, period.end, period.finalizedAt ?? null],
    );
  }
  const [stored] = await testApp.sql<{ stripe_subscription_id: string }>('select stripe_subscription_id from subscriptions where id = ?', [subscription!.id]);
  return { subscriptionId: subscription!.id, stripeSubscriptionId: stored!.stripe_subscription_id };
}

/** Records one usage event through POST /v1/usage. */
export async function recordUsage(testApp: TestApp, customerId: string, meter: string, value: number, at: Date): Promise<void> {
  await testApp.http.post('/v1/usage').send({ customerId, meter, value, timestamp: at.toISOString(), idempotencyKey: randomUUID() }).expect(202);
}

export interface UsageInput {
  customerId: string;
  meter: string;
  value: number;
  at: Date;
}

/** Records many events through POST /v1/usage/batch, 1000 per request. */
export async function recordUsageBatch(testApp: TestApp, events: UsageInput[]): Promise<void> {
  for (let start = 0; start < events.length; start += 1000) {
    const batch = events.slice(start, start + 1000).map((event) => ({
      customerId: event.customerId,
      meter: event.meter,
      value: event.value,
      timestamp: event.at.toISOString(),
      idempotencyKey: randomUUID(),
    }));
    const response = await testApp.http.post('/v1/usage/batch').send({ events: batch }).expect(207);
    const refused = (response.body.results as { status: string }[]).filter((result) => result.status !== 'accepted');
    if (refused.length) throw new Error(`usage refused: ${JSON.stringify(refused[0])}`);
  }
}

/** How many Stripe calls of this operation the service made (its own metrics, every try counted). */
export async function stripeCalls(testApp: TestApp, operation: string): Promise<number> {
  const metrics = await testApp.anonymous.get('/metrics').expect(200);
  const line = (metrics.text as string).split('\n').find((candidate) => candidate.startsWith(`meterbridge_stripe_request_duration_seconds_count{operation="${operation}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** The body of POST /v1/reporting/runs. */
export type RunBody = ReporterRunResponse;

export async function runReporter(testApp: TestApp): Promise<RunBody> {
  const response = await testApp.http.post('/v1/reporting/runs').expect(201);
  return response.body as RunBody;
}

/** What Stripe (the emulator) holds for a customer: identifier, value and timestamp of each meter event. */
export function meterEventsOf(emulator: StripeEmulator, stripeCustomerId: string): { identifier: string; value: number; timestamp: number; meterId: string }[] {
  return emulator.state.meterEvents
    .events({ customerId: stripeCustomerId })
    .map((event) => ({ identifier: event.identifier, value: Number(event.value), timestamp: event.timestamp, meterId: event.meterId }));
}

/** The customer's total on a meter in Stripe. */
export function stripeTotal(emulator: StripeEmulator, stripeCustomerId: string, stripeMeterId?: string): number {
  return meterEventsOf(emulator, stripeCustomerId)
    .filter((event) => stripeMeterId === undefined || event.meterId === stripeMeterId)
    .reduce((total, event) => total + event.value, 0);
}

export interface ReportRow {
  status: string;
  units: string;
  event_count: string;
  /** ISO-8601 UTC. */
  window_start: string;
  window_end: string;
  report_time: string;
  sequence: number;
  identifier: string;
  late_adjustment: boolean;
  billing_period_id: string | null;
  failure_reason: string | null;
}

const iso = (column: string, name: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ${name}`;

export function reportRows(testApp: TestApp, customerId: string): Promise<ReportRow[]> {
  return testApp.sql<ReportRow>(
    `select coalesce(q.state, case when r.late_unbillable then 'late_unbillable' when r.confirmed_at is not null then 'confirmed' else 'sent' end) as status,
            r.units::text, r.event_count::text, ${iso('r.window_start', 'window_start')}, ${iso('r.window_end', 'window_end')}, ${iso('r.report_time', 'report_time')},
            r.sequence, ${identifierOf('r')} as identifier, r.late_adjustment, r.billing_period_id::text, q.failure_reason
     from usage_reports r left join report_queue q on q.report_id = r.id
     where r.customer_id = ? order by r.window_start, r.sequence`,
    [customerId],
  );
}
