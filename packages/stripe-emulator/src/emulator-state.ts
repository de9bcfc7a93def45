import type Stripe from 'stripe';
import { BillingState } from './billing/billing-state.js';
import { MeterEventLedger } from './state/meter-event-ledger.js';
import { ResourceStore } from './state/resource-store.js';
import { TestClockRegistry } from './state/test-clock-registry.js';
import { Traffic } from './state/traffic.js';
import { V2EventLog } from './state/v2-event-log.js';
import { WallClock } from './state/wall-clock.js';
import type { WireCustomer, WireMeterEventSession, WirePrice } from './state/wire-types.js';

/**
 * Everything the emulator knows, in memory. Route handlers read and change it; tests and the
 * billing hooks reach it directly through `StripeEmulator.state`. Listeners (clock advance, v2
 * events) survive `reset()`; objects do not.
 */
export class EmulatorState {
  readonly wallClock = new WallClock();
  /** What the emulator sends, for tools that watch it. */
  readonly traffic = new Traffic();
  readonly customers = new ResourceStore<WireCustomer>('customer');
  readonly products = new ResourceStore<Stripe.Product>('product');
  readonly prices = new ResourceStore<WirePrice>('price');
  readonly meters = new ResourceStore<Stripe.Billing.Meter>('billing.meter');
  readonly meterEvents = new MeterEventLedger();
  readonly meterEventSessions = new ResourceStore<WireMeterEventSession>('meter_event_session');
  readonly clocks = new TestClockRegistry(this.wallClock);
  readonly v2Events = new V2EventLog(this.wallClock);
  /** Subscriptions, invoices, v1 events and webhook delivery (billing/*.ts). */
  readonly billing = new BillingState(this.traffic);
  /**
   * Stripe aggregates meter events asynchronously: an event counts on invoices only this many
   * wall-clock seconds after Stripe received it (control API; 0 = at once).
   */
  meterAggregationDelaySeconds = 0;

  /** Unix seconds "now" for a customer: its test clock's frozen time, or the wall clock without one. */
  now(customerId?: string): number {
    const clockId = customerId === undefined ? null : this.customers.get(customerId)?.test_clock;
    const clock = typeof clockId === 'string' ? this.clocks.store.get(clockId) : undefined;
    return clock ? clock.frozen_time : this.wallClock.nowSeconds();
  }

  /** The meter that events with this name count towards right now (event names are unique among active meters). */
  activeMeter(eventName: string): Stripe.Billing.Meter | undefined {
    return this.meters.find((meter) => meter.event_name === eventName && meter.status === 'active');
  }

  reset(): void {
    for (const store of [this.customers, this.products, this.prices, this.meters, this.meterEvents, this.meterEventSessions, this.clocks, this.v2Events, this.billing]) {
      store.clear();
    }
    this.wallClock.reset();
    this.meterAggregationDelaySeconds = 0;
  }
}
