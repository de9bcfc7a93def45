import { insertCustomerRow, insertMeterRow } from './billing-rows';
import type { TestApp } from './test-app';

/** Every GET list route of the API (docs/read-routing.md: each reads the request-reads pool). */
export const LIST_ROUTES = ['/v1/api-keys', '/v1/meters', '/v1/customers', '/v1/webhooks/events', '/v1/invoices/verifications', '/v1/notification-endpoints', '/v1/notifications', '/v1/usage-alerts'];

/** Rows for every list route: 105 API keys, five of everything else, six invoice verifications (half held). */
export async function seedEveryList(db: Pick<TestApp, 'sql'>): Promise<void> {
  await db.sql(
    `insert into api_keys (name, prefix, hash, scopes)
     select 'bulk ' || n, 'mb_' || lpad(n::text, 8, '0'), md5(n::text) || md5('x' || n), array['usage:read'] from generate_series(1, 105) n`,
  );
  for (let n = 0; n < 5; n += 1) await insertMeterRow(db, { key: `meter_${n}` });
  for (let n = 0; n < 5; n += 1) await insertCustomerRow(db, { externalId: `acct_${n}` });
  // five events received in one transaction share their receipt time to the microsecond: only the id orders them
  await db.sql(
    `insert into webhook_events (id, type, stripe_created_at, payload, status)
     select 'evt_' || n, 'invoice.created', now(), '{}'::jsonb, 'processed' from generate_series(1, 5) n`,
  );
  // decided verifications: no runner takes them up
  await db.sql(
    `insert into invoice_verifications (stripe_invoice_id, stripe_subscription_id, period_start, period_end, state)
     select 'in_' || n, 'sub_paged', now() - interval '1 month', now(), case when n % 2 = 0 then 'held' else 'matched' end from generate_series(1, 6) n`,
  );
  // five endpoints, five usage alerts, and five deliveries not due for a day (the deliverer leaves them be)
  await db.sql(
    `insert into notification_endpoints (id, url, events, secret_ciphertext)
     select gen_random_uuid(), 'http://127.0.0.1:9/hook' || n, array['report.failed'], 'not used' from generate_series(1, 5) n`,
  );
  await db.sql(`insert into usage_alerts (name, meter_id, threshold) select 'alert ' || n, (select id from meters where key = 'meter_0'), n from generate_series(1, 5) n`);
  // each with a report.failed payload as the document describes it (a delivery answer carries its notification's data)
  const reportFailed = { reportId: '1', customerId: '00000000-0000-4000-8000-000000000000', meter: 'meter_0', windowStart: '2026-01-01T00:00:00.000Z', windowEnd: '2026-01-01T01:00:00.000Z', units: '1', reason: 'refused' };
  await db.sql(`insert into notifications (id, type, data) select 'ntf_' || n, 'report.failed', ?::jsonb from generate_series(1, 5) n`, [JSON.stringify(reportFailed)]);
  await db.sql(
    `insert into notification_deliveries (notification_id, endpoint_id, next_attempt_at)
     select 'ntf_' || n, (select min(id::text)::uuid from notification_endpoints), now() + interval '1 day' from generate_series(1, 5) n`,
  );
}
