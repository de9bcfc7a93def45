import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import type { PageRead, PageRequest } from '../common/http/pagination.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { callStripe } from '../stripe/stripe-errors.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import type { CreateMeterDto } from './create-meter.dto.js';
import type { Meter, MeterAggregation } from './meter.entity.js';
import { normalizeDecimal } from './meter.response.js';
import { METER_READS, MetersRepository } from './meters.repository.js';
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

/** A meter of the catalogue, as other modules receive it (they never import metering's entity). */
export type CatalogueMeter = Meter;

export interface RegisteredMeter {
  meter: Meter;
  created: boolean;
}

@Injectable()
export class MeterCatalogueService {
  constructor(
    private readonly meters: MetersRepository,
    @Inject(METER_READS) private readonly meterReads: MetersRepository,
    private readonly reads: RequestReadsDatabase,
    private readonly stripe: StripeGateway,
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
  /** One page in key order, read one row past the page, on the request-reads pool: it may lag by its `asOf` (docs/read-routing.md). */
  listPage(request: PageRequest): Promise<PageRead<Meter>> {
    return this.reads.readPage(() => this.meterReads.listPage(request.after, request.limit + 1));
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
        await callStripe('rename the billing meter', () => this.stripe.renameMeter(stripeMeterId, definition.displayName));
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
    return callStripe('look up the billing meter', () => this.stripe.findActiveMeterId(eventName));
  }

  private async createBillingMeter(meter: Meter): Promise<string> {
    const adopted = await this.findBillingMeter(meter.eventName);
    if (adopted) {
      await this.meters.recordStripeIds(meter.id, { stripeMeterId: adopted });
      return adopted;
    }
    const created = await callStripe('create the billing meter', () =>
      this.stripe.createMeter(meter.key, { displayName: meter.displayName, eventName: meter.eventName, formula: STRIPE_FORMULA[meter.aggregation] }),
    );
    await this.meters.recordStripeIds(meter.id, { stripeMeterId: created });
    return created;
  }

  private async createProduct(meter: Meter): Promise<string> {
    const product = await callStripe('create the product', () => this.stripe.createProduct(meter.key, meter.displayName));
    await this.meters.recordStripeIds(meter.id, { stripeProductId: product });
    return product;
  }

  private async createPrice(meter: Meter, productId: string, stripeMeterId: string): Promise<void> {
    const price = await callStripe('create the metered price', () =>
      this.stripe.createMeteredPrice(meter.key, { productId, stripeMeterId, currency: meter.currency.trim(), unitAmountDecimal: normalizeDecimal(meter.unitAmountDecimal) }),
    );
    await this.meters.recordStripeIds(meter.id, { stripePriceId: price });
  }
}
