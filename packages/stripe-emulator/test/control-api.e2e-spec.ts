import { randomUUID } from 'node:crypto';
import { emulatorControl, emulatorOf, emulatorOnly, nowSeconds, startContractTarget, uniqueName, type ContractTarget } from './support/stripe-contract';

/** `/_emulator/*`: what tests and other tools use to set up and inspect the emulator over HTTP. */
describe('emulator control API', () => {
  let target: ContractTarget;

  const control = <T>(method: string, path: string, body?: unknown) => emulatorControl<T>(target, method, path, body);

  beforeAll(async () => {
    target = await startContractTarget();
  });

  afterAll(async () => {
    await target.close();
  });

  emulatorOnly('adds, lists and clears fault rules', async () => {
    const added = await control<{ id: string; kind: string; count: number }>('POST', '/faults', { kind: 'rate_limit', count: 2, method: 'POST', path_prefix: '/v1/customers' });
    expect(added).toMatchObject({ status: 200, body: { kind: 'rate_limit', count: 2, method: 'POST', path_prefix: '/v1/customers' } });
    expect((await control<{ data: unknown[] }>('GET', '/faults')).body.data).toHaveLength(1);
    await control('DELETE', '/faults');
    expect((await control<{ data: unknown[] }>('GET', '/faults')).body.data).toHaveLength(0);
  });

  emulatorOnly('refuses an unknown fault kind with a Stripe-shaped error', async () => {
    const refused = await control<{ error: { param: string } }>('POST', '/faults', { kind: 'explode' });
    expect(refused).toMatchObject({ status: 400, body: { error: { param: 'kind', type: 'invalid_request_error' } } });
  });

  emulatorOnly('shows counts and resets everything, idempotency keys included', async () => {
    const idempotencyKey = randomUUID();
    await target.stripe.customers.create({ email: `${uniqueName('a')}@example.com` }, { idempotencyKey });
    expect((await control<{ counts: { customers: number } }>('GET', '/state')).body.counts.customers).toBeGreaterThan(0);
    await control('POST', '/reset');
    expect((await control<{ counts: { customers: number } }>('GET', '/state')).body.counts.customers).toBe(0);
    const email = `${uniqueName('b')}@example.com`;
    await expect(target.stripe.customers.create({ email }, { idempotencyKey })).resolves.toMatchObject({ email });
  });

  emulatorOnly('lists the meter events Stripe holds per customer, cancelled ones on request', async () => {
    const meter = await target.stripe.billing.meters.create({ display_name: 'Seen', event_name: uniqueName('seen'), default_aggregation: { formula: 'sum' } });
    const customer = await target.stripe.customers.create({});
    const send = (identifier: string, value: string) => target.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value }, identifier });
    await send('kept', '3');
    await send('dropped', '4');
    await target.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: 'cancel', cancel: { identifier: 'dropped' } });
    const kept = await control<{ data: Array<{ identifier: string; value: string; meter: string }> }>('GET', `/meter_events?customer=${customer.id}`);
    expect(kept.body.data).toEqual([expect.objectContaining({ identifier: 'kept', value: '3', meter: meter.id })]);
    const all = await control<{ data: Array<{ identifier: string; cancelled: boolean }> }>('GET', `/meter_events?customer=${customer.id}&include_cancelled=true`);
    expect(all.body.data.map(({ identifier, cancelled }) => ({ identifier, cancelled }))).toEqual([
      { identifier: 'kept', cancelled: false },
      { identifier: 'dropped', cancelled: true },
    ]);
  });

  emulatorOnly('validates queued stream events on demand', async () => {
    const emulator = emulatorOf(target);
    const meter = await target.stripe.billing.meters.create({ display_name: 'Queued', event_name: uniqueName('queued'), default_aggregation: { formula: 'sum' } });
    const customer = await target.stripe.customers.create({});
    emulator.state.meterEvents.enqueue([{ identifier: 'queued-1', event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: '2' }, timestamp: nowSeconds(), receivedAt: nowSeconds() }]);
    expect((await control<{ pending_stream_events: number }>('POST', '/meter_event_stream/flush')).body.pending_stream_events).toBe(0);
    expect(emulator.state.meterEvents.get('queued-1')).toMatchObject({ customerId: customer.id, value: 2n });
  });

  emulatorOnly('moves the wall clock forward', async () => {
    const before = (await control<{ wall_clock_now: number }>('GET', '/state')).body.wall_clock_now;
    const after = (await control<{ wall_clock_now: number }>('POST', '/wall_clock/advance', { seconds: 3600 })).body.wall_clock_now;
    expect(after - before).toBeGreaterThanOrEqual(3600);
    emulatorOf(target).state.wallClock.reset();
  });
});
