import Stripe from 'stripe';
import { startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';

describe('billing meters', () => {
  let target: ContractTarget;
  const created: string[] = [];

  async function createMeter(params: Partial<Stripe.Billing.MeterCreateParams> = {}): Promise<Stripe.Billing.Meter> {
    const meter = await target.stripe.billing.meters.create({ display_name: 'Calls', event_name: uniqueName('calls'), default_aggregation: { formula: 'sum' }, ...params });
    created.push(meter.id);
    return meter;
  }

  beforeAll(async () => {
    target = await startContractTarget();
  });

  afterAll(async () => {
    for (const id of created) {
      const meter = await target.stripe.billing.meters.retrieve(id);
      if (meter.status === 'active') await target.stripe.billing.meters.deactivate(id);
    }
    await target.close();
  });

  it('creates a meter with Stripe defaults for customer mapping and value key', async () => {
    const meter = await createMeter({ default_aggregation: { formula: 'count' } });
    expect(meter).toMatchObject({
      object: 'billing.meter',
      status: 'active',
      default_aggregation: { formula: 'count' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
      event_time_window: null,
      status_transitions: { deactivated_at: null },
    });
    expect(meter.id).toMatch(/^mtr_/);
    expect(await target.stripe.billing.meters.retrieve(meter.id)).toEqual(meter);
  });

  it('keeps custom payload keys and an event time window', async () => {
    const meter = await createMeter({
      default_aggregation: { formula: 'last' },
      customer_mapping: { type: 'by_id', event_payload_key: 'account' },
      value_settings: { event_payload_key: 'seats' },
      event_time_window: 'hour',
    });
    expect(meter).toMatchObject({ customer_mapping: { event_payload_key: 'account' }, value_settings: { event_payload_key: 'seats' }, event_time_window: 'hour' });
  });

  it('lists meters by status', async () => {
    const active = await createMeter();
    const listed = await target.stripe.billing.meters.list({ status: 'active', limit: 100 });
    expect(listed.object).toBe('list');
    expect(listed.data.map((meter) => meter.id)).toContain(active.id);
    expect(listed.data.every((meter) => meter.status === 'active')).toBe(true);
  });

  it('changes the display name, and nothing else', async () => {
    const meter = await createMeter();
    const renamed = await target.stripe.billing.meters.update(meter.id, { display_name: 'Renamed calls' });
    expect(renamed).toMatchObject({ id: meter.id, display_name: 'Renamed calls', event_name: meter.event_name });
    const error = await stripeError(target.stripe.billing.meters.update(meter.id, { event_name: 'other' } as Stripe.Billing.MeterUpdateParams));
    expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'event_name' });
  });

  it('deactivates and reactivates a meter', async () => {
    const meter = await createMeter();
    const inactive = await target.stripe.billing.meters.deactivate(meter.id);
    expect(inactive.status).toBe('inactive');
    expect(inactive.status_transitions.deactivated_at).toEqual(expect.any(Number));
    const active = await target.stripe.billing.meters.reactivate(meter.id);
    expect(active).toMatchObject({ status: 'active', status_transitions: { deactivated_at: null } });
  });

  it('keeps event names unique among active meters only', async () => {
    const first = await createMeter();
    const duplicate = await stripeError(target.stripe.billing.meters.create({ display_name: 'Again', event_name: first.event_name, default_aggregation: { formula: 'sum' } }));
    expect(duplicate).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });

    await target.stripe.billing.meters.deactivate(first.id);
    const successor = await createMeter({ event_name: first.event_name });
    expect(successor.event_name).toBe(first.event_name);
    const reactivation = await stripeError(target.stripe.billing.meters.reactivate(first.id));
    expect(reactivation).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
  });

  it('refuses an unknown aggregation formula, naming the parameter', async () => {
    const error = await stripeError(
      target.stripe.billing.meters.create({ display_name: 'Bad', event_name: uniqueName('bad'), default_aggregation: { formula: 'max' as Stripe.Billing.MeterCreateParams.DefaultAggregation.Formula } }),
    );
    expect(error).toMatchObject({ statusCode: 400, param: 'default_aggregation[formula]' });
  });
});
