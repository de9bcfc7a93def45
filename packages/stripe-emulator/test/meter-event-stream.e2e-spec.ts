import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { emulatorOf, emulatorOnly, eventually, nowSeconds, startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';

type StreamEvent = Parameters<Stripe['v2']['billing']['meterEventStream']['create']>[0]['events'][number];

describe('meter event stream (v2)', () => {
  let target: ContractTarget;
  let meter: Stripe.Billing.Meter;
  let customer: Stripe.Customer;

  /** What the SDK documents: a second client authenticated with the session's token. */
  async function streamClient(): Promise<Stripe> {
    const session = await target.stripe.v2.billing.meterEventSession.create();
    return target.client({ secretKey: session.authentication_token });
  }

  function event(overrides: Partial<StreamEvent> = {}, payload: Record<string, string> = {}): StreamEvent {
    return {
      event_name: meter.event_name,
      identifier: randomUUID(),
      timestamp: new Date((nowSeconds() - 60) * 1000).toISOString(),
      payload: { stripe_customer_id: customer.id, value: '1', ...payload },
      ...overrides,
    };
  }

  function totalUsage(): Promise<number> {
    const end = Math.ceil((nowSeconds() + 60) / 60) * 60;
    return target.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: end - 3600, end_time: end }).then((list) => list.data.reduce((sum, summary) => sum + summary.aggregated_value, 0));
  }

  beforeAll(async () => {
    target = await startContractTarget();
    meter = await target.stripe.billing.meters.create({ display_name: 'Streamed', event_name: uniqueName('streamed'), default_aggregation: { formula: 'sum' } });
    customer = await target.stripe.customers.create({ email: `${uniqueName('stream')}@example.com` });
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(meter.id);
    await target.close();
  });

  it('opens a session whose token is valid for 15 minutes', async () => {
    const session = await target.stripe.v2.billing.meterEventSession.create();
    expect(session).toMatchObject({ object: 'v2.billing.meter_event_session', livemode: false, authentication_token: expect.any(String) });
    expect(Date.parse(session.expires_at) - Date.parse(session.created)).toBe(15 * 60 * 1000);
  });

  it('accepts a batch on the stream and counts it once validated', async () => {
    const stream = await streamClient();
    await stream.v2.billing.meterEventStream.create({ events: [event({}, { value: '4' }), event({}, { value: '6' })] });
    expect(await eventually(totalUsage, (total) => total === 10)).toBe(10);
  });

  it('refuses more than 100 events in one request', async () => {
    const stream = await streamClient();
    const error = await stripeError(stream.v2.billing.meterEventStream.create({ events: Array.from({ length: 101 }, () => event()) }));
    expect(error).toMatchObject({ statusCode: 400 });
  });

  it('refuses the stream without a session token', async () => {
    const error = await stripeError(target.client({ secretKey: 'not_a_session_token' }).v2.billing.meterEventStream.create({ events: [event()] }));
    expect(error.statusCode).toBe(401);
  });

  emulatorOnly('refuses an expired session token with TemporarySessionExpiredError', async () => {
    const stream = await streamClient();
    const emulator = emulatorOf(target);
    emulator.state.wallClock.advance(15 * 60);
    try {
      const error = await stripeError(stream.v2.billing.meterEventStream.create({ events: [event()] }));
      expect(error).toBeInstanceOf(Stripe.errors.TemporarySessionExpiredError);
      expect(error).toMatchObject({ statusCode: 401, code: 'billing_meter_event_session_expired' });
    } finally {
      emulator.state.wallClock.advance(-15 * 60);
    }
  });

  it('reports events it could not count as v1.billing.meter.error_report_triggered, retrievable as v2 events', async () => {
    const stream = await streamClient();
    const identifier = randomUUID();
    await stream.v2.billing.meterEventStream.create({ events: [event({ identifier }, { stripe_customer_id: 'cus_doesnotexist' })] });
    const reports = await eventually(
      async () => (await target.stripe.v2.core.events.list({ object_id: meter.id, types: ['v1.billing.meter.error_report_triggered'] })).data,
      (data) => data.length > 0,
    );
    expect(reports).toHaveLength(1);
    const report = (await target.stripe.v2.core.events.retrieve(reports[0]?.id ?? '')) as Stripe.Events.V1BillingMeterErrorReportTriggeredEvent;
    expect(report).toMatchObject({ type: 'v1.billing.meter.error_report_triggered', related_object: { id: meter.id, type: 'billing.meter' } });
    expect(report.data.reason.error_types).toEqual([
      expect.objectContaining({ code: 'meter_event_customer_not_found', error_count: 1, sample_errors: [expect.objectContaining({ request: { identifier } })] }),
    ]);
  });

  emulatorOnly('pages the v2 event list through next_page_url, keeping its filters', async () => {
    const renamed = await target.stripe.billing.meters.create({ display_name: 'Paged', event_name: uniqueName('paged'), default_aggregation: { formula: 'sum' } });
    await target.stripe.billing.meters.update(renamed.id, { display_name: 'Paged once' });
    await target.stripe.billing.meters.update(renamed.id, { display_name: 'Paged twice' });
    const first = await target.stripe.v2.core.events.list({ object_id: renamed.id, limit: 1 });
    expect(first.data).toHaveLength(1);
    expect(first.next_page_url).toEqual(expect.any(String));
    const all = await target.stripe.v2.core.events.list({ object_id: renamed.id, limit: 1 }).autoPagingToArray({ limit: 10 });
    expect(all.map((listed) => listed.type)).toEqual(['v1.billing.meter.updated', 'v1.billing.meter.updated', 'v1.billing.meter.created']);
    const since = await target.stripe.v2.core.events.list({ object_id: renamed.id, created: { gt: nowSeconds() + 60 } });
    expect(since.data).toHaveLength(0);
    await target.stripe.billing.meters.deactivate(renamed.id);
  });

  it('reports events for an event name without a meter as v1.billing.meter.no_meter_found', async () => {
    const stream = await streamClient();
    await stream.v2.billing.meterEventStream.create({ events: [event({ event_name: uniqueName('nobody') })] });
    const found = await eventually(
      async () => (await target.stripe.v2.core.events.list({ types: ['v1.billing.meter.no_meter_found'] })).data,
      (data) => data.length > 0,
    );
    const report = (await target.stripe.v2.core.events.retrieve(found[0]?.id ?? '')) as Stripe.Events.V1BillingMeterNoMeterFoundEvent;
    expect(report.data.reason.error_types.map((type) => type.code)).toContain('no_meter');
  });
});
