import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { DomainError } from '../common/errors/domain-error.js';
import { CustomersService } from '../customers/customers.service.js';
import { MeterCatalogueService, type CatalogueMeter } from '../metering/meter-catalogue.service.js';
import type { Stripe } from '../stripe/stripe.constants.js';
import { callStripe } from '../stripe/stripe-errors.js';
import { PeriodFlush } from './period-flush.port.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import type { CancelMoment, CreateSubscriptionDto } from './subscription.dto.js';
import type { Subscription } from './subscription.entity.js';
import { toItemStates, toSubscriptionState } from './stripe-subscription.mapper.js';
import { SubscriptionsRepository } from './subscriptions.repository.js';
import { SubscriptionsErrors } from './subscriptions.errors.js';

export interface SubscriptionView {
  subscription: Subscription;
  /** Only when the subscription was just created: what the client confirms a payment method with. */
  clientSecret: string | null;
}

@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly customers: CustomersService,
    private readonly catalogue: MeterCatalogueService,
    private readonly periods: PeriodFlush,
    private readonly stripe: StripeGateway,
  ) {}

  /**
   * Creates the customer's subscription with one metered item per meter, or adds the meters that
   * the live subscription lacks. A customer has at most one live subscription (partial unique index).
   */
  async subscribe(customerId: string, request: CreateSubscriptionDto): Promise<SubscriptionView> {
    const customer = await this.customers.ensureStripeCustomer(await this.customers.requireCustomer(customerId));
    const meters = await this.chooseMeters(request.meters);
    const live = await this.subscriptions.findLiveByCustomer(customer.id);
    if (live?.stripeSubscriptionId) return { subscription: await this.addMeters(live, meters), clientSecret: null };
    const subscriptionId = live?.id ?? (await this.subscriptions.reserve(customer.id));
    if (!subscriptionId) throw new DomainError(SubscriptionsErrors.SUBSCRIPTION_EXISTS, 'The customer already has a live subscription (created concurrently)');
    const created = await this.createInStripe(subscriptionId, customer.stripeCustomerId as string, meters, request.trialDays);
    await this.recordStripeState(subscriptionId, created);
    const invoice = created.latest_invoice as Stripe.Invoice | null;
    return { subscription: await this.requireSubscription(subscriptionId), clientSecret: invoice?.confirmation_secret?.client_secret ?? null };
  }

  async cancel(subscriptionId: string, at: CancelMoment): Promise<SubscriptionView> {
    const subscription = await this.requireSubscription(subscriptionId);
    const stripeId = subscription.stripeSubscriptionId;
    if (!stripeId) throw new DomainError(SubscriptionsErrors.SUBSCRIPTION_NOT_CREATED, 'The subscription was never created in Stripe; create it again first');
    if (subscription.status === 'canceled') throw new DomainError(SubscriptionsErrors.SUBSCRIPTION_ALREADY_CANCELED, `Subscription ${subscriptionId} is already canceled`);
    // invoice_now bills at once: everything recorded up to this moment must reach Stripe first
    if (at === 'now') await this.flushOpenPeriods(subscription);
    const updated = await callStripe(at === 'now' ? 'cancel the subscription' : 'schedule the cancellation', () => this.stripe.cancelSubscription(subscription.id, stripeId, at));
    await this.recordStripeState(subscription.id, updated);
    return { subscription: await this.requireSubscription(subscription.id), clientSecret: null };
  }

  private async flushOpenPeriods(subscription: Subscription): Promise<void> {
    const periodEnds = new Set(subscription.items.getItems().map((item) => item.currentPeriodEnd.getTime()));
    for (const periodEnd of periodEnds) await this.periods.flushPeriod(subscription.id, new Date(periodEnd));
  }

  async requireSubscription(id: string): Promise<Subscription> {
    const subscription = isUUID(id) ? await this.subscriptions.findById(id) : null;
    if (!subscription) throw new DomainError(SubscriptionsErrors.SUBSCRIPTION_NOT_FOUND, `Subscription ${id} does not exist`);
    return subscription;
  }

  /** Local state := Stripe's, items matched to meters by price. Also what webhooks call. */
  async recordStripeState(subscriptionId: string, stripeSubscription: Stripe.Subscription): Promise<void> {
    const meterIdByPriceId = new Map((await this.catalogue.list()).flatMap((meter) => (meter.stripePriceId ? [[meter.stripePriceId, meter.id] as const] : [])));
    await this.subscriptions.applyStripeState(subscriptionId, toSubscriptionState(stripeSubscription), toItemStates(stripeSubscription, meterIdByPriceId));
  }

  /**
   * Re-reads a subscription from Stripe and records it: webhooks call this instead of trusting the
   * event's snapshot, so a late or repeated event can never roll our state back. false: not ours.
   */
  async syncFromStripe(stripeSubscriptionId: string): Promise<boolean> {
    const remote = await this.stripe.retrieveSubscription(stripeSubscriptionId);
    const localId = await this.subscriptions.findIdForStripe(stripeSubscriptionId, remote.metadata?.meterbridge_subscription_id);
    if (!localId) return false;
    await this.recordStripeState(localId, remote);
    return true;
  }

  markPeriodsInvoiced(stripeSubscriptionId: string, periodStart: Date, periodEnd: Date, invoiceId: string, finalizedAt: Date): Promise<number> {
    return this.subscriptions.markPeriodsInvoiced(stripeSubscriptionId, periodStart, periodEnd, invoiceId, finalizedAt);
  }

  private async chooseMeters(keys: string[] | undefined): Promise<CatalogueMeter[]> {
    const meters = keys ? await this.catalogue.requireActiveByKeys(keys) : await this.catalogue.listActive();
    if (meters.length === 0) throw new DomainError(SubscriptionsErrors.NO_ACTIVE_METERS, 'There is no active meter to subscribe to; create one with POST /v1/meters');
    const unprovisioned = meters.filter((meter) => !meter.stripePriceId);
    if (unprovisioned.length) {
      const keysMissing = unprovisioned.map((meter) => meter.key).join(', ');
      throw new DomainError(SubscriptionsErrors.METER_NOT_PROVISIONED, `Meter(s) ${keysMissing} have no Stripe price yet; repeat POST /v1/meters for them`);
    }
    return meters;
  }

  /**
   * The Stripe call is keyed by the local reservation, so a retry after a crash or a timeout returns
   * the same Stripe subscription. A definite refusal frees the reservation (nothing exists in Stripe).
   */
  private async createInStripe(subscriptionId: string, stripeCustomerId: string, meters: CatalogueMeter[], trialDays?: number): Promise<Stripe.Subscription> {
    try {
      return await callStripe('create the subscription', () =>
        this.stripe.createSubscription(subscriptionId, { stripeCustomerId, priceIds: meters.map((meter) => meter.stripePriceId as string), trialDays }),
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'STRIPE_REJECTED') await this.subscriptions.releaseReservation(subscriptionId);
      throw error;
    }
  }

  private async addMeters(live: Subscription, meters: CatalogueMeter[]): Promise<Subscription> {
    const present = new Set(live.items.getItems().map((item) => item.meter.id));
    const missing = meters.filter((meter) => !present.has(meter.id));
    if (missing.length === 0) throw new DomainError(SubscriptionsErrors.SUBSCRIPTION_EXISTS, 'The customer already has a live subscription with these meters');
    const stripeId = live.stripeSubscriptionId as string;
    const updated = await callStripe('add meters to the subscription', () =>
      this.stripe.addSubscriptionPrices(live.id, stripeId, missing.map((meter) => ({ key: meter.key, priceId: meter.stripePriceId as string }))),
    );
    await this.recordStripeState(live.id, updated);
    return this.requireSubscription(live.id);
  }
}
