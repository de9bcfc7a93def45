import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { isMeterEventAlreadyDelivered } from '../src/stripe/meter-event-duplicate';
import { meterAndCustomer } from '../packages/stripe-emulator/test/support/billing-fixtures';
import { startContractTarget, stripeError, uniqueName, type ContractTarget } from '../packages/stripe-emulator/test/support/stripe-contract';

/**
 * The reporter counts a report as delivered when Stripe refuses its identifier as already known
 * (src/stripe/meter-event-duplicate.ts). This pins that decision to what Stripe really answers: if
 * Stripe changes the status, type or wording, this fails (also against test mode) instead of a
 * delivered report staying pending forever.
 */
describe('a repeated meter event identifier is recognised as already delivered', () => {
  let target: ContractTarget;
  let meter: Stripe.Billing.Meter;
  let customer: Stripe.Customer;

  beforeAll(async () => {
    target = await startContractTarget();
    ({ meter, customer } = await meterAndCustomer(target, 'duplicates'));
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(meter.id);
    await target.close();
  });

  const payload = () => ({ stripe_customer_id: customer.id, value: '1' });

  it('on v1: the second event with an identifier is refused, and that refusal reads as delivered', async () => {
    const identifier = randomUUID();
    await target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: payload(), identifier });
    const error = await stripeError(target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { ...payload(), value: '2' }, identifier }));
    expect(error).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error' });
    expect(error.message).toBe(`An event already exists with identifier ${identifier}.`);
    expect(isMeterEventAlreadyDelivered(error)).toBe(true);
  });

  it('on v2: the documented duplicate_meter_event reads as delivered, also when v1 sent the first', async () => {
    const identifier = randomUUID();
    await target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: payload(), identifier });
    const error = await stripeError(target.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, payload: payload(), identifier }));
    expect(error).toMatchObject({ statusCode: 400, code: 'duplicate_meter_event' });
    expect(isMeterEventAlreadyDelivered(error)).toBe(true);
  });

  it('reads no other refusal as delivered', async () => {
    const refusals = await Promise.all([
      stripeError(target.stripe.billing.meterEvents.create({ event_name: uniqueName('nobody'), payload: payload(), identifier: randomUUID() })),
      stripeError(target.stripe.billing.meters.create({ display_name: 'Same name', event_name: meter.event_name, default_aggregation: { formula: 'sum' } })),
      stripeError(target.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, payload: { ...payload(), value: 'ten' }, identifier: randomUUID() })),
      stripeError(target.stripe.customers.retrieve('cus_doesnotexist')),
    ]);
    expect(refusals.map(isMeterEventAlreadyDelivered)).toEqual([false, false, false, false]);
  });
});
