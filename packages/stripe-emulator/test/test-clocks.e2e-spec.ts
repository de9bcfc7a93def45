import type Stripe from 'stripe';
import { emulatorOf, emulatorOnly, eventually, nowSeconds, startContractTarget, stripeError, uniqueName, type ContractTarget } from './support/stripe-contract';

const DAY = 86_400;

describe('test clocks', () => {
  let target: ContractTarget;

  function readyClock(id: string): Promise<Stripe.TestHelpers.TestClock> {
    return eventually(
      () => target.stripe.testHelpers.testClocks.retrieve(id),
      (clock) => clock.status === 'ready',
    );
  }

  beforeAll(async () => {
    target = await startContractTarget();
  });

  afterAll(async () => {
    await target.close();
  });

  it('creates a clock frozen at the given time, ready', async () => {
    const frozen = nowSeconds() - DAY;
    const name = uniqueName('clock');
    const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: frozen, name });
    expect(clock).toMatchObject({ object: 'test_helpers.test_clock', frozen_time: frozen, name, status: 'ready', livemode: false });
    expect(clock.id).toMatch(/^clock_/);
    expect((await target.stripe.testHelpers.testClocks.list({ limit: 100 })).data.map((listed) => listed.id)).toContain(clock.id);
    await target.stripe.testHelpers.testClocks.del(clock.id);
  });

  it('advances forward: advancing at first, then ready at the new time', async () => {
    const frozen = nowSeconds() - 10 * DAY;
    const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const advancing = await target.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen + 3 * DAY });
    expect(advancing.status).toBe('advancing');
    expect(await readyClock(clock.id)).toMatchObject({ status: 'ready', frozen_time: frozen + 3 * DAY });
    await target.stripe.testHelpers.testClocks.del(clock.id);
  });

  it('refuses to move a clock backwards', async () => {
    const frozen = nowSeconds() - DAY;
    const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const error = await stripeError(target.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen - 3600 }));
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    await target.stripe.testHelpers.testClocks.del(clock.id);
  });

  it('deletes a clock together with its customers', async () => {
    const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: nowSeconds() - DAY });
    const customer = await target.stripe.customers.create({ test_clock: clock.id });
    expect(await target.stripe.testHelpers.testClocks.del(clock.id)).toMatchObject({ id: clock.id, deleted: true });
    expect(await eventually(() => target.stripe.customers.retrieve(customer.id), (found) => found.deleted === true)).toMatchObject({ deleted: true });
    expect(await stripeError(target.stripe.testHelpers.testClocks.retrieve(clock.id))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  emulatorOnly('awaits onAdvance listeners (where billing closes periods) before the clock is ready', async () => {
    const emulator = emulatorOf(target);
    const frozen = nowSeconds() - 5 * DAY;
    const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const seen: Array<{ id: string; from: number; to: number; statusDuring: string | undefined }> = [];
    const unsubscribe = emulator.state.clocks.onAdvance(async (advancing, from, to) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen.push({ id: advancing.id, from, to, statusDuring: emulator.state.clocks.store.get(advancing.id)?.status });
    });
    try {
      await target.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen + DAY });
      await emulator.state.clocks.settled(clock.id);
      expect(seen).toEqual([{ id: clock.id, from: frozen, to: frozen + DAY, statusDuring: 'advancing' }]);
      expect(emulator.state.clocks.store.get(clock.id)).toMatchObject({ status: 'ready', frozen_time: frozen + DAY });
    } finally {
      unsubscribe();
    }
  });

  emulatorOnly('gives a customer on a clock the clock time as its "now"', async () => {
    const emulator = emulatorOf(target);
    const frozen = nowSeconds() - 20 * DAY;
    const clock = await target.stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const customer = await target.stripe.customers.create({ test_clock: clock.id });
    expect(emulator.state.now(customer.id)).toBe(frozen);
    await target.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen + DAY });
    await emulator.state.clocks.settled(clock.id);
    expect(emulator.state.now(customer.id)).toBe(frozen + DAY);
  });
});
