import { onDatabase } from './bench-database.js';
import type { INestApplicationContext } from '@nestjs/common';
import pLimit from 'p-limit';
import { MeterCatalogueService } from '../src/metering/meter-catalogue.service.js';
import { STRIPE_CLIENT } from '../src/stripe/stripe-client.token.js';
import { type Stripe } from '../src/stripe/stripe.constants.js';

/** The bench's data: customers × meters subscribed over the last 30 days, and their usage events. */

export const CUSTOMERS = 1000;
export const METERS = [
  { key: 'api_calls', aggregation: 'sum' },
  { key: 'requests', aggregation: 'count' },
  { key: 'seats', aggregation: 'last' },
] as const;
export const DAYS = 30;

/**
 * Meters through the service's catalogue (Stripe meters and prices in the emulator), customers
 * in Stripe and locally, one subscription per customer with one item and one billing period per
 * meter covering the last 31 days and the next one (so no usage is late).
 */
export async function seedCatalogue(app: INestApplicationContext, databaseUrl: string): Promise<void> {
  for (const meter of METERS) {
    await app.get(MeterCatalogueService).register({ key: meter.key, displayName: meter.key, aggregation: meter.aggregation, unitAmountDecimal: '0.1', currency: 'usd' });
  }
  const stripe = app.get<Stripe>(STRIPE_CLIENT);
  const limit = pLimit(16);
  const stripeIds = await Promise.all(
    Array.from({ length: CUSTOMERS }, (_, n) => limit(async () => (await stripe.customers.create({ email: `bench-${n}@example.com` })).id)),
  );
  await onDatabase(databaseUrl, async (client) => {
    await client.query(
      `INSERT INTO customers (external_id, email, stripe_customer_id)
       SELECT 'bench-' || n, 'bench-' || n || '@example.com', stripe_id FROM unnest($1::text[]) WITH ORDINALITY AS s(stripe_id, n)`,
      [stripeIds],
    );
    await client.query(`INSERT INTO subscriptions (customer_id, stripe_subscription_id, status) SELECT id, 'sub_' || external_id, 'active' FROM customers`);
    await client.query(
      `INSERT INTO subscription_items (subscription_id, meter_id, stripe_item_id, stripe_price_id, current_period_start, current_period_end)
       SELECT s.id, m.id, 'si_' || s.id || '_' || m.key, m.stripe_price_id, now() - interval '31 days', now() + interval '1 day'
       FROM subscriptions s CROSS JOIN meters m`,
    );
    await client.query(
      `INSERT INTO billing_periods (subscription_item_id, customer_id, meter_id, period_start, period_end)
       SELECT i.id, s.customer_id, i.meter_id, i.current_period_start, i.current_period_end
       FROM subscription_items i JOIN subscriptions s ON s.id = i.subscription_id`,
    );
  });
}

/**
 * `events` usage events in one INSERT … SELECT: event n belongs to customer × meter n mod 3000,
 * with a value of 1–10, at a time spread over the last 30 days (every customer × meter gets
 * about two events per hour).
 */
export async function seedUsage(databaseUrl: string, events: number): Promise<void> {
  await onDatabase(databaseUrl, async (client) => {
    await client.query(`CREATE TEMP TABLE pairs AS SELECT (row_number() OVER (ORDER BY c.id, m.id) - 1)::int AS k, c.id AS customer_id, m.id AS meter_id FROM customers c CROSS JOIN meters m`);
    await client.query(
      `INSERT INTO usage_events (customer_id, meter_id, idempotency_key, value, event_time)
       SELECT p.customer_id, p.meter_id, 'bench-' || n, 1 + n % 10, now() - interval '10 minutes' - (n % ($2::int * 86400)) * interval '1 second'
       FROM generate_series(0, $1::int - 1) AS n JOIN pairs p ON p.k = n % (SELECT count(*) FROM pairs)`,
      [events, DAYS],
    );
    await client.query('VACUUM ANALYZE usage_events');
  });
}
