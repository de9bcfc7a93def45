import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import type { PageRequest } from '../common/http/pagination.js';
import { STRIPE_CLIENT, type Stripe } from '../stripe/stripe.constants.js';
import { callStripe } from '../stripe/stripe-error.mapper.js';
import type { CreateMeterDto } from './create-meter.dto.js';
import type { Meter, MeterAggregation } from './meter.entity.js';
import { normalizeDecimal } from './meter.response.js';
import { MetersRepository } from './meters.repository.js';
import { MeteringErrors, meterNotFound } from './metering.errors.js';

/**
 * How a local aggregation maps onto a Stripe meter formula. The reporter always sends one
 * pre-aggregated meter event per customer × meter × window, so a local `count` meter reports the
 * number of events as the event's value and must be summed by Stripe: a Stripe `count` formula
 * would bill each window as one unit. `sum` sums; `last` keeps the last value of the period.
 */
export const STRIPE_FORMULA: Record<MeterAggregation, 'sum' | 'last'> = { sum: 'sum', count: 'sum', last: 'last' };

/** The Stripe event_name of a meter: namespaced so other integrations on the account cannot collide. */
export const stripeEventName = (key: string) => `meterbridge_${key}`;

/** Deterministic Stripe idempotency keys: a retry after a crash replays the same object. */
const idempotencyKey = (key: string, step: 'billing-meter' | 'product' | 'price') => `meterbridge:meter:${key}:${step}`;

export interface RegisteredMeter {
  meter: Meter;
  created: boolean;
}

@Injectable()
export class MeterCatalogueService {
  constructor(
    private readonly meters: MetersRepository,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
  ) {}

  /**
   * Get-or-create by key. The local row is written first, then the Stripe billing meter, its
   * product and its metered price, each id stored as soon as Stripe returns it: a crash anywhere
   * leaves a row that the next call completes, never a second meter or price.
   */
  async register(definition: CreateMeterDto): Promise<RegisteredMeter> {
    const created = await this.meters.insertIfAbsent(definition, stripeEventName(definition.key));
    const meter = await this.requireMeter(definition.key);
    if (!created) await this.reconcileDefinition(meter, definition);
    try {
      await this.provisionInStripe(meter);
    } catch (error) {
      // Stripe refused the definition (a currency the account cannot bill, say): keep no local meter
      // without a price, so the corrected definition can be registered under the same key
      if (error instanceof DomainError && error.code === 'STRIPE_REJECTED') await this.meters.deleteUnpriced(meter.id);
      throw error;
    }
    return { meter: await this.requireMeter(definition.key), created };
  }

  list(): Promise<Meter[]> {
    return this.meters.listAll();
  }

  /** One page in key order, read one row past the page so the caller knows whether another follows. */
  listPage(request: PageRequest): Promise<Meter[]> {
    return this.meters.listPage(request.after, request.limit + 1);
  }

  listActive(): Promise<Meter[]> {
    return this.meters.listActive();
  }

  /** The meters named by key, in the order given; unknown keys are a 422 naming them. */
  async requireActiveByKeys(keys: string[]): Promise<Meter[]> {
    const found = new Map((await this.meters.findByKeys(keys)).map((meter) => [meter.key, meter]));
    const unknown = keys.filter((key) => !found.has(key));
    if (unknown.length) throw new DomainError(MeteringErrors.METER_NOT_FOUND, `Unknown meter(s): ${unknown.join(', ')}`, unknown.map((key) => ({ meter: key })));
    const inactive = keys.filter((key) => !found.get(key)?.active);
    if (inactive.length) throw new DomainError(MeteringErrors.METER_INACTIVE, `Inactive meter(s): ${inactive.join(', ')}`, inactive.map((key) => ({ meter: key })));
    return keys.map((key) => found.get(key) as Meter);
  }

  private async requireMeter(key: string): Promise<Meter> {
    const meter = await this.meters.findByKey(key);
    if (!meter) throw meterNotFound(key);
    return meter;
  }

  /** The same key again: identical → nothing to do; a new display name → renamed; anything else → 409. */
  private async reconcileDefinition(meter: Meter, definition: CreateMeterDto): Promise<void> {
    const stored = { aggregation: meter.aggregation, unitAmountDecimal: normalizeDecimal(meter.unitAmountDecimal), currency: meter.currency.trim(), lateUsagePolicy: meter.lateUsagePolicy };
    const requested = { aggregation: definition.aggregation, unitAmountDecimal: normalizeDecimal(definition.unitAmountDecimal), currency: definition.currency, lateUsagePolicy: definition.lateUsagePolicy ?? meter.lateUsagePolicy };
    const differing = (Object.keys(stored) as (keyof typeof stored)[]).filter((field) => stored[field] !== requested[field]);
    if (differing.length) {
      throw new DomainError(
        MeteringErrors.METER_DEFINITION_CONFLICT,
        `Meter ${meter.key} exists with a different ${differing.join(', ')}; a meter's pricing cannot change in place`,
        differing.map((field) => ({ field, stored: stored[field], requested: requested[field] })),
      );
    }
    if (meter.displayName !== definition.displayName) {
      if (meter.stripeMeterId) {
        const stripeMeterId = meter.stripeMeterId;
        await callStripe('rename the billing meter', () => this.stripe.billing.meters.update(stripeMeterId, { display_name: definition.displayName }));
      }
      await this.meters.renameMeter(meter.id, definition.displayName);
      meter.displayName = definition.displayName;
    }
  }

  private async provisionInStripe(meter: Meter): Promise<void> {
    const stripeMeterId = meter.stripeMeterId ?? (await this.createBillingMeter(meter));
    const stripeProductId = meter.stripeProductId ?? (await this.createProduct(meter));
    if (!meter.stripePriceId) await this.createPrice(meter, stripeProductId, stripeMeterId);
  }

  /** An active Stripe meter with this event name: left by an earlier attempt whose idempotency key has expired. */
  private async findBillingMeter(eventName: string): Promise<string | null> {
    return callStripe('look up the billing meter', async () => {
      for await (const existing of this.stripe.billing.meters.list({ status: 'active', limit: 100 })) if (existing.event_name === eventName) return existing.id;
      return null;
    });
  }

  private async createBillingMeter(meter: Meter): Promise<string> {
    const adopted = await this.findBillingMeter(meter.eventName);
    if (adopted) {
      await this.meters.recordStripeIds(meter.id, { stripeMeterId: adopted });
      return adopted;
    }
    const created = await callStripe('create the billing meter', () =>
      this.stripe.billing.meters.create(
        {
          display_name: meter.displayName,
          event_name: meter.eventName,
          default_aggregation: { formula: STRIPE_FORMULA[meter.aggregation] },
          customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
          value_settings: { event_payload_key: 'value' },
        },
        { idempotencyKey: idempotencyKey(meter.key, 'billing-meter') },
      ),
    );
    await this.meters.recordStripeIds(meter.id, { stripeMeterId: created.id });
    return created.id;
  }

  private async createProduct(meter: Meter): Promise<string> {
    const product = await callStripe('create the product', () =>
      this.stripe.products.create(
        { name: meter.displayName, metadata: { meterbridge_meter_key: meter.key } },
        { idempotencyKey: idempotencyKey(meter.key, 'product') },
      ),
    );
    await this.meters.recordStripeIds(meter.id, { stripeProductId: product.id });
    return product.id;
  }

  private async createPrice(meter: Meter, productId: string, stripeMeterId: string): Promise<void> {
    const price = await callStripe('create the metered price', () =>
      this.stripe.prices.create(
        {
          product: productId,
          currency: meter.currency.trim(),
          unit_amount_decimal: this.stripe.Decimal.from(normalizeDecimal(meter.unitAmountDecimal)),
          recurring: { interval: 'month', usage_type: 'metered', meter: stripeMeterId },
          metadata: { meterbridge_meter_key: meter.key },
        },
        { idempotencyKey: idempotencyKey(meter.key, 'price') },
      ),
    );
    await this.meters.recordStripeIds(meter.id, { stripePriceId: price.id });
  }
}
