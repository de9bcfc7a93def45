import { Inject, Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { idempotencyKeys } from './idempotency-keys.js';
import { STRIPE_CLIENT } from './stripe-client.token.js';
import type { Stripe } from './stripe.constants.js';

/** One meter event as the reporter sends it (`timestamp` in unix seconds). */
export interface MeterEventToSend {
  eventName: string;
  stripeCustomerId: string;
  identifier: string;
  value: string;
  timestamp: number;
}

/** A v2 meter event stream session: its token authenticates stream requests until it expires. */
export interface MeterEventSession {
  token: string;
  expiresAtMs: number;
}

/**
 * Every Stripe call the service makes, named for what it does (docs/architecture.md, Stripe). Each
 * call is timed and its failures counted in metrics; failures are the SDK's errors, which callers
 * read through stripe-errors.ts (classifyStripeError, callStripe). Creates carry the keys of
 * idempotency-keys.ts. The SDK client itself (STRIPE_CLIENT) is injected nowhere else.
 */
@Injectable()
export class StripeGateway {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    private readonly metrics: MetricsService,
  ) {}

  createCustomer(customer: { id: string; externalId: string; email: string; name?: string | null; testClockId?: string | null }): Promise<Stripe.Customer> {
    const params: Stripe.CustomerCreateParams = {
      email: customer.email,
      ...(customer.name ? { name: customer.name } : {}),
      ...(customer.testClockId ? { test_clock: customer.testClockId } : {}),
      metadata: { meterbridge_customer_id: customer.id, external_id: customer.externalId },
    };
    return this.timed('customers.create', () => this.stripe.customers.create(params, { idempotencyKey: idempotencyKeys.customer(customer.id) }));
  }

  /** The id of an active billing meter with this event name, if Stripe has one. */
  findActiveMeterId(eventName: string): Promise<string | null> {
    return this.timed('meters.list', async () => {
      for await (const existing of this.stripe.billing.meters.list({ status: 'active', limit: 100 })) if (existing.event_name === eventName) return existing.id;
      return null;
    });
  }

  async createMeter(meterKey: string, meter: { displayName: string; eventName: string; formula: 'sum' | 'last' }): Promise<string> {
    const params: Stripe.Billing.MeterCreateParams = {
      display_name: meter.displayName,
      event_name: meter.eventName,
      default_aggregation: { formula: meter.formula },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
    };
    const created = await this.timed('meters.create', () => this.stripe.billing.meters.create(params, { idempotencyKey: idempotencyKeys.meterStep(meterKey, 'billing-meter') }));
    return created.id;
  }

  async renameMeter(stripeMeterId: string, displayName: string): Promise<void> {
    await this.timed('meters.update', () => this.stripe.billing.meters.update(stripeMeterId, { display_name: displayName }));
  }

  async createProduct(meterKey: string, name: string): Promise<string> {
    const params = { name, metadata: { meterbridge_meter_key: meterKey } };
    const product = await this.timed('products.create', () => this.stripe.products.create(params, { idempotencyKey: idempotencyKeys.meterStep(meterKey, 'product') }));
    return product.id;
  }

  /** A monthly metered price of `unitAmountDecimal` minor units per unit on a billing meter. */
  async createMeteredPrice(meterKey: string, price: { productId: string; stripeMeterId: string; currency: string; unitAmountDecimal: string }): Promise<string> {
    const params: Stripe.PriceCreateParams = {
      product: price.productId,
      currency: price.currency,
      unit_amount_decimal: this.stripe.Decimal.from(price.unitAmountDecimal),
      recurring: { interval: 'month', usage_type: 'metered', meter: price.stripeMeterId },
      metadata: { meterbridge_meter_key: meterKey },
    };
    const created = await this.timed('prices.create', () => this.stripe.prices.create(params, { idempotencyKey: idempotencyKeys.meterStep(meterKey, 'price') }));
    return created.id;
  }

  /** A subscription to metered prices, its first invoice's confirmation secret expanded. */
  createSubscription(subscriptionId: string, subscription: { stripeCustomerId: string; priceIds: string[]; trialDays?: number }): Promise<Stripe.Subscription> {
    const params: Stripe.SubscriptionCreateParams = {
      customer: subscription.stripeCustomerId,
      items: subscription.priceIds.map((price) => ({ price })),
      payment_behavior: 'default_incomplete',
      payment_settings: { save_default_payment_method: 'on_subscription' },
      expand: ['latest_invoice.confirmation_secret'],
      metadata: { meterbridge_subscription_id: subscriptionId },
      ...(subscription.trialDays ? { trial_period_days: subscription.trialDays } : {}),
    };
    return this.timed('subscriptions.create', () => this.stripe.subscriptions.create(params, { idempotencyKey: idempotencyKeys.subscriptionCreate(subscriptionId) }));
  }

  /** Adds the meters' prices to a live subscription, without proration. */
  addSubscriptionPrices(subscriptionId: string, stripeSubscriptionId: string, meters: { key: string; priceId: string }[]): Promise<Stripe.Subscription> {
    const params: Stripe.SubscriptionUpdateParams = { items: meters.map((meter) => ({ price: meter.priceId })), proration_behavior: 'none' };
    const idempotencyKey = idempotencyKeys.subscriptionAddMeters(subscriptionId, meters.map((meter) => meter.key));
    return this.timed('subscriptions.update', () => this.stripe.subscriptions.update(stripeSubscriptionId, params, { idempotencyKey }));
  }

  /** `now`: cancels at once and invoices the usage so far; `period_end`: cancels when the period ends. */
  cancelSubscription(subscriptionId: string, stripeSubscriptionId: string, at: 'now' | 'period_end'): Promise<Stripe.Subscription> {
    const options = { idempotencyKey: idempotencyKeys.subscriptionCancel(subscriptionId, at) };
    return at === 'now'
      ? this.timed('subscriptions.cancel', () => this.stripe.subscriptions.cancel(stripeSubscriptionId, { invoice_now: true, prorate: false }, options))
      : this.timed('subscriptions.update', () => this.stripe.subscriptions.update(stripeSubscriptionId, { cancel_at_period_end: true }, options));
  }

  retrieveSubscription(stripeSubscriptionId: string): Promise<Stripe.Subscription> {
    return this.timed('subscriptions.retrieve', () => this.stripe.subscriptions.retrieve(stripeSubscriptionId));
  }

  async sendMeterEvent(event: MeterEventToSend): Promise<void> {
    const params = { event_name: event.eventName, payload: { stripe_customer_id: event.stripeCustomerId, value: event.value }, identifier: event.identifier, timestamp: event.timestamp };
    await this.timed('meter_events.create', () => this.stripe.billing.meterEvents.create(params));
  }

  async openMeterEventSession(): Promise<MeterEventSession> {
    const created = await this.timed('meter_event_session.create', () => this.stripe.v2.billing.meterEventSession.create());
    return { token: created.authentication_token, expiresAtMs: Date.parse(created.expires_at) };
  }

  /** Up to 100 meter events in one v2 stream request, authenticated by a session's token. */
  async sendMeterEventStream(events: MeterEventToSend[], session: MeterEventSession): Promise<void> {
    const params = {
      events: events.map((event) => ({
        event_name: event.eventName,
        payload: { stripe_customer_id: event.stripeCustomerId, value: event.value },
        identifier: event.identifier,
        timestamp: new Date(event.timestamp * 1000).toISOString(),
      })),
    };
    await this.timed('meter_event_stream.create', () => this.stripe.v2.billing.meterEventStream.create(params, { apiKey: session.token }));
  }

  /** A `cancel` adjustment of one meter event by identifier, on v2 when the reporter uses the stream. */
  async cancelMeterEvent(eventName: string, identifier: string, onV2: boolean): Promise<void> {
    const params = { event_name: eventName, type: 'cancel' as const, cancel: { identifier } };
    await this.timed('meter_event_adjustment.create', async () => {
      if (onV2) await this.stripe.v2.billing.meterEventAdjustments.create(params);
      else await this.stripe.billing.meterEventAdjustments.create(params);
    });
  }

  /** Stripe's aggregated units of one meter for one customer per UTC day in [from, to): day start (ms) → units. */
  dailyMeterTotals(stripeMeterId: string, stripeCustomerId: string, from: Date, to: Date): Promise<Map<number, number>> {
    const params = { customer: stripeCustomerId, start_time: from.getTime() / 1000, end_time: to.getTime() / 1000, value_grouping_window: 'day' as const, limit: 100 };
    return this.timed('meter_event_summaries.list', async () => {
      const byDay = new Map<number, number>();
      for await (const summary of this.stripe.billing.meters.listEventSummaries(stripeMeterId, params)) byDay.set(summary.start_time * 1000, summary.aggregated_value);
      return byDay;
    });
  }

  /**
   * Whether a Stripe-Signature header proves these exact bytes with this secret (Stripe's default
   * tolerance of 300 s). Whatever the SDK throws means it does not: its own comparison throws a
   * plain Error, not a verification error, on an empty `v1=`.
   */
  webhookSignatureMatches(rawBody: Buffer, signature: string, secret: string): boolean {
    const verifier = this.stripe.webhooks.signature;
    if (!verifier) throw new Error('the Stripe SDK offers no webhook signature verifier');
    try {
      return verifier.verifyHeader(rawBody, signature, secret);
    } catch {
      return false;
    }
  }

  /** The full v2 event a thin webhook notification names. */
  retrieveV2Event(eventId: string): Promise<unknown> {
    return this.timed('v2_events.retrieve', () => this.stripe.v2.core.events.retrieve(eventId));
  }

  retrieveInvoice(invoiceId: string): Promise<Stripe.Invoice> {
    return this.timed('invoices.retrieve', () => this.stripe.invoices.retrieve(invoiceId));
  }

  /** auto_advance off holds a draft from finalizing; on lets Stripe finalize it when due. */
  setInvoiceAutoAdvance(invoiceId: string, autoAdvance: boolean, step: 'hold' | 'resume' | 'release'): Promise<Stripe.Invoice> {
    const options = { idempotencyKey: idempotencyKeys.invoiceStep(invoiceId, step) };
    return this.timed('invoices.update', () => this.stripe.invoices.update(invoiceId, { auto_advance: autoAdvance }, options));
  }

  finalizeInvoice(invoiceId: string): Promise<Stripe.Invoice> {
    const options = { idempotencyKey: idempotencyKeys.invoiceStep(invoiceId, 'finalize') };
    return this.timed('invoices.finalize_invoice', () => this.stripe.invoices.finalizeInvoice(invoiceId, { auto_advance: true }, options));
  }

  /** The frozen time of a test clock, unix seconds. */
  async testClockTime(testClockId: string): Promise<number> {
    const clock = await this.timed('test_clocks.retrieve', () => this.stripe.testHelpers.testClocks.retrieve(testClockId));
    return clock.frozen_time;
  }

  private timed<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return this.metrics.timeStripeCall(operation, call);
  }
}
