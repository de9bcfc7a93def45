import type Stripe from 'stripe';
import { invalidRequest } from '../http/stripe-api-error.js';
import { ResourceStore } from './resource-store.js';
import { stripeId } from './stripe-ids.js';
import type { WallClock } from './wall-clock.js';

export type TestClock = Stripe.TestHelpers.TestClock;

/**
 * Runs while a clock advances from `from` to `to` (unix seconds), before its status becomes
 * `ready`; billing hooks close the periods that ended in between here. The clock still shows
 * `from` as its frozen_time while listeners run.
 */
export type ClockAdvanceListener = (clock: TestClock, from: number, to: number) => void | Promise<void>;

const THIRTY_DAYS = 30 * 24 * 3600;

/** Test clocks: frozen time per clock, moved forward only, asynchronously as Stripe does it. */
export class TestClockRegistry {
  readonly store = new ResourceStore<TestClock>('test_clock');
  private readonly listeners = new Set<ClockAdvanceListener>();
  private readonly advancing = new Map<string, Promise<void>>();

  constructor(private readonly wallClock: WallClock) {}

  onAdvance(listener: ClockAdvanceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  create(frozenTime: number, name: string | null): TestClock {
    const created = this.wallClock.nowSeconds();
    return this.store.put({
      id: stripeId('clock'),
      object: 'test_helpers.test_clock',
      created,
      deletes_after: created + THIRTY_DAYS,
      frozen_time: frozenTime,
      livemode: false,
      name,
      status: 'ready',
      status_details: {},
    });
  }

  /** Starts moving the clock to `to` and answers at once with status `advancing`, as Stripe does. */
  advance(id: string, to: number): TestClock {
    const clock = this.store.require(id);
    if (clock.status === 'advancing') {
      throw invalidRequest(`The test clock ${id} is already advancing. Wait until its status is ready before advancing it again.`, { code: 'test_clock_advancing' });
    }
    if (to <= clock.frozen_time) {
      throw invalidRequest(`The frozen_time must be after the test clock's current frozen_time (${clock.frozen_time}).`, { param: 'frozen_time' });
    }
    const advancing = this.store.put({ ...clock, status: 'advancing', status_details: { advancing: { target_frozen_time: to } } });
    this.advancing.set(id, this.run(advancing, clock.frozen_time, to));
    return advancing;
  }

  /** Resolves once the clock (or every clock) has finished advancing. */
  async settled(id?: string): Promise<void> {
    const runs = id === undefined ? [...this.advancing.values()] : [this.advancing.get(id)];
    await Promise.all(runs);
  }

  remove(id: string): void {
    this.store.require(id);
    this.store.remove(id);
  }

  clear(): void {
    this.store.clear();
    this.advancing.clear();
  }

  private async run(clock: TestClock, from: number, to: number): Promise<void> {
    // let the HTTP answer (status advancing) leave before any billing work happens
    await new Promise((resolve) => setImmediate(resolve));
    let status: Stripe.TestHelpers.TestClock.Status = 'ready';
    try {
      for (const listener of this.listeners) await listener(clock, from, to);
    } catch (error) {
      status = 'internal_failure';
      process.stderr.write(`stripe emulator: advancing ${clock.id} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
    if (this.store.get(clock.id)) this.store.put({ ...clock, frozen_time: status === 'ready' ? to : from, status, status_details: {} });
    this.advancing.delete(clock.id);
  }
}
