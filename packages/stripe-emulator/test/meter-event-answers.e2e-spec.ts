import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { meterAndCustomer } from './support/billing-fixtures';
import { eventually, nowSeconds, startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';

const DAY = 86_400;
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

type ErrorReport = Stripe.Events.V1BillingMeterErrorReportTriggeredEvent;

/**
 * What the synchronous meter event endpoints answer (v1 `POST /v1/billing/meter_events`, v2
 * `POST /v2/billing/meter_events`) and what Stripe only reports later, as a
 * `v1.billing.meter.error_report_triggered` v2 event about the meter.
 */
describe('meter event answers: refused at once or reported later', () => {
  let target: ContractTarget;
  let meter: Stripe.Billing.Meter;
  let customer: Stripe.Customer;

  const v1 = (payload: Record<string, string>, extra: Partial<Stripe.Billing.MeterEventCreateParams> = {}) =>
    target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload, identifier: randomUUID(), ...extra });
  const v2 = (payload: Record<string, string>, extra: Partial<Stripe.V2.Billing.MeterEventCreateParams> = {}) =>
    target.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, payload, identifier: randomUUID(), ...extra });

  /** The error report that names `identifier`, once Stripe has validated it (minutes in test mode). */
  async function reportNaming(identifier: string): Promise<{ event: ErrorReport; code: string } | undefined> {
    const found = await eventually(
      async () => {
        const page = await target.stripe.v2.core.events.list({ types: ['v1.billing.meter.error_report_triggered'], object_id: meter.id });
        for (const listed of page.data) {
          const event = (await target.stripe.v2.core.events.retrieve(listed.id)) as ErrorReport;
          const type = event.data.reason.error_types.find((candidate) => candidate.sample_errors.some((sample) => sample.request.identifier === identifier));
          if (type) return { event, code: type.code };
        }
        return undefined;
      },
      (value) => value !== undefined,
    );
    return found;
  }

  beforeAll(async () => {
    target = await startContractTarget();
    ({ meter, customer } = await meterAndCustomer(target, 'answers'));
  });

  afterAll(async () => {
    await target.stripe.billing.meters.deactivate(meter.id);
    await target.close();
  });

  describe('v1', () => {
    it('refuses an event name no active meter listens to: 400 invalid_request_error naming event_name, without a code', async () => {
      const error = await stripeError(target.stripe.billing.meterEvents.create({ event_name: uniqueName('nobody'), payload: { stripe_customer_id: customer.id, value: '1' } }));
      expect(error).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param: 'event_name', code: undefined });
      expect(error.message).toMatch(/no active meter found/i);
    });

    it('refuses a payload without the customer key, naming it', async () => {
      const error = await stripeError(v1({ value: '1' }));
      expect(error).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param: 'payload[stripe_customer_id]', code: undefined });
    });

    it('refuses a value that is not a whole number, naming it', async () => {
      const error = await stripeError(v1({ stripe_customer_id: customer.id, value: '2.5' }));
      expect(error).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param: 'payload[value]', code: undefined });
    });

    it('refuses a timestamp out of range at once, naming timestamp and the bound', async () => {
      const past = await stripeError(v1({ stripe_customer_id: customer.id, value: '1' }, { timestamp: nowSeconds() - 36 * DAY }));
      expect(past).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param: 'timestamp', code: undefined });
      expect(past.message).toMatch(/cannot be more than 35 days in past/);
      const future = await stripeError(v1({ stripe_customer_id: customer.id, value: '1' }, { timestamp: nowSeconds() + 10 * 60 }));
      expect(future).toMatchObject({ statusCode: 400, param: 'timestamp' });
      expect(future.message).toMatch(/future/);
    });

    it('accepts an event for a customer that does not exist and reports it later as meter_event_customer_not_found', async () => {
      const identifier = randomUUID();
      await expect(v1({ stripe_customer_id: 'cus_doesnotexist', value: '1' }, { identifier })).resolves.toMatchObject({ object: 'billing.meter_event', identifier });
      const report = await reportNaming(identifier);
      expect(report?.code).toBe('meter_event_customer_not_found');
      expect(report?.event).toMatchObject({ type: 'v1.billing.meter.error_report_triggered', related_object: { id: meter.id, type: 'billing.meter', url: `/v1/billing/meters/${meter.id}` } });
    });
  });

  describe('v2 (synchronous validation)', () => {
    it('counts an event and answers the v2 object with ISO times', async () => {
      const identifier = randomUUID();
      const timestamp = nowSeconds() - 120;
      const event = await v2({ stripe_customer_id: customer.id, value: '7' }, { identifier, timestamp: iso(timestamp) });
      expect(event).toMatchObject({ object: 'v2.billing.meter_event', event_name: meter.event_name, identifier, livemode: false, timestamp: iso(timestamp), payload: { stripe_customer_id: customer.id, value: '7' } });
      expect(Number.isNaN(Date.parse(event.created))).toBe(false);
    });

    it.each([
      ['an event name without a meter', { event_name: 'set below' }, {}, 'no_meter'],
      ['a payload without the customer', {}, { stripe_customer_id: undefined }, 'payload_no_customer_defined'],
      ['a payload without a value', {}, { value: undefined }, 'payload_no_value_defined'],
      ['a value that is not a whole number', {}, { value: 'ten' }, 'payload_invalid_value'],
    ])('refuses %s with the documented code', async (_label, params, payloadChanges, code) => {
      const payload = Object.fromEntries(Object.entries({ stripe_customer_id: customer.id, value: '1', ...payloadChanges }).filter(([, value]) => value !== undefined)) as Record<string, string>;
      const extra = 'event_name' in params ? { event_name: uniqueName('nobody') } : {};
      const error = await stripeError(v2(payload, extra));
      expect(error).toMatchObject({ statusCode: 400, code });
      expect(error.param).toBeUndefined();
    });

    it('refuses a repeated identifier with duplicate_meter_event, never to be retried', async () => {
      const identifier = randomUUID();
      await v2({ stripe_customer_id: customer.id, value: '1' }, { identifier });
      const error = await stripeError(v2({ stripe_customer_id: customer.id, value: '1' }, { identifier }));
      expect(error).toMatchObject({ statusCode: 400, code: 'duplicate_meter_event' });
      expect(error.headers?.['stripe-should-retry']).toBe('false');
    });

    it('accepts an unknown customer and a timestamp out of range, and reports them later', async () => {
      const unknownCustomer = randomUUID();
      const tooOld = randomUUID();
      await v2({ stripe_customer_id: 'cus_doesnotexist', value: '1' }, { identifier: unknownCustomer });
      await v2({ stripe_customer_id: customer.id, value: '1' }, { identifier: tooOld, timestamp: iso(nowSeconds() - 40 * DAY) });
      expect((await reportNaming(unknownCustomer))?.code).toBe('meter_event_customer_not_found');
      expect((await reportNaming(tooOld))?.code).toBe('timestamp_too_far_in_past');
    });

    it("answers errors in v2's body: code and message, no param", async () => {
      const response = await fetch(`${target.baseUrl}/v2/billing/meter_events`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${target.secretKey}`, 'Content-Type': 'application/json', 'Stripe-Version': Stripe.API_VERSION },
        body: JSON.stringify({ event_name: uniqueName('nobody'), payload: { stripe_customer_id: customer.id, value: '1' } }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ code: 'no_meter', message: expect.any(String) });
      expect(body.error).not.toHaveProperty('param');
    });
  });
});
