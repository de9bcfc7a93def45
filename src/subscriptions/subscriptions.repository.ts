import { Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Subscription } from './subscription.entity.js';

/** Subscription fields as Stripe reports them, already converted to our types. */
export interface SubscriptionState {
  stripeSubscriptionId: string;
  status: string;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  billingCycleAnchor: Date | null;
}

export interface SubscriptionItemState {
  meterId: string;
  stripeItemId: string;
  stripePriceId: string;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
}

/** Local status of a subscription whose Stripe creation has started but not yet been recorded. */
export const CREATING = 'creating';

@Injectable()
export class SubscriptionsRepository {
  constructor(private readonly em: EntityManager) {}

  findById(id: string): Promise<Subscription | null> {
    return this.em.fork().findOne(Subscription, { id }, { populate: ['items', 'items.meter', 'customer'] });
  }

  /** The customer's subscription that is not canceled (at most one, by a partial unique index). */
  findLiveByCustomer(customerId: string): Promise<Subscription | null> {
    return this.em.fork().findOne(
      Subscription,
      { customer: customerId, status: { $nin: ['canceled', 'incomplete_expired'] } },
      { populate: ['items', 'items.meter', 'customer'] },
    );
  }

  /** Our subscription for a Stripe subscription id: recorded, or created by us (metadata) and not yet recorded. */
  async findIdForStripe(stripeSubscriptionId: string, metadataId: string | undefined): Promise<string | null> {
    const [row] = await this.em.execute<{ id: string }[]>(
      `select id from subscriptions where stripe_subscription_id = ? or (id::text = ? and stripe_subscription_id is null) limit 1`,
      [stripeSubscriptionId, metadataId ?? ''],
    );
    return row?.id ?? null;
  }

  /**
   * Marks the periods an invoice billed as final: usage for them that arrives later is late usage.
   * Periods are matched by the subscription and the invoice's period bounds.
   */
  async markPeriodsInvoiced(stripeSubscriptionId: string, periodStart: Date, periodEnd: Date, invoiceId: string, finalizedAt: Date): Promise<number> {
    const rows = await this.em.execute<{ id: string }[]>(
      `update billing_periods p set stripe_invoice_id = ?, invoice_finalized_at = ?
         from subscription_items i join subscriptions s on s.id = i.subscription_id
        where p.subscription_item_id = i.id and s.stripe_subscription_id = ?
          and p.period_start >= ? and p.period_end <= ? and p.invoice_finalized_at is null
        returning p.id`,
      [invoiceId, finalizedAt, stripeSubscriptionId, periodStart, periodEnd],
    );
    return rows.length;
  }

  /** Reserves the customer's one live subscription; null when another request reserved it first. */
  async reserve(customerId: string): Promise<string | null> {
    try {
      const [row] = await this.em.execute<{ id: string }[]>(`insert into subscriptions (customer_id, status) values (?, ?) returning id`, [customerId, CREATING]);
      return row.id;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return null;
      throw error;
    }
  }

  /** Drops a reservation whose Stripe creation was refused, so the customer can subscribe again. */
  async releaseReservation(subscriptionId: string): Promise<void> {
    await this.em.execute(`delete from subscriptions where id = ? and status = ? and stripe_subscription_id is null`, [subscriptionId, CREATING]);
  }

  /**
   * Makes local state equal to Stripe's: the subscription's fields and its items, upserted by
   * Stripe item id and with items Stripe no longer has removed, in one transaction.
   */
  async applyStripeState(subscriptionId: string, state: SubscriptionState, items: SubscriptionItemState[]): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      await em.execute(
        `update subscriptions set stripe_subscription_id = ?, status = ?, cancel_at_period_end = ?, cancel_at = ?, canceled_at = ?,
                ended_at = ?, billing_cycle_anchor = ?, updated_at = now() where id = ?`,
        [state.stripeSubscriptionId, state.status, state.cancelAtPeriodEnd, state.cancelAt, state.canceledAt, state.endedAt, state.billingCycleAnchor, subscriptionId],
      );
      // items travel as one JSON document: the driver would expand a JS array into a list of values
      const itemsJson = JSON.stringify(items);
      await em.execute(
        `insert into subscription_items (subscription_id, meter_id, stripe_item_id, stripe_price_id, current_period_start, current_period_end)
         select ?, x."meterId", x."stripeItemId", x."stripePriceId", x."currentPeriodStart", x."currentPeriodEnd"
           from jsonb_to_recordset(?::jsonb) as x("meterId" uuid, "stripeItemId" text, "stripePriceId" text, "currentPeriodStart" timestamptz, "currentPeriodEnd" timestamptz)
         on conflict (stripe_item_id) do update set current_period_start = excluded.current_period_start,
           current_period_end = excluded.current_period_end, stripe_price_id = excluded.stripe_price_id, updated_at = now()`,
        [subscriptionId, itemsJson],
      );
      await em.execute(
        `delete from subscription_items where subscription_id = ?
            and stripe_item_id not in (select x."stripeItemId" from jsonb_to_recordset(?::jsonb) as x("stripeItemId" text))`,
        [subscriptionId, itemsJson],
      );
      await this.recordBillingPeriods(em, subscriptionId, state.endedAt);
    });
  }

  /**
   * Keeps the history of billing periods: each item's current period is added once; a subscription
   * that ended early (cancelled now) ends its open period at that moment, so later usage is late.
   */
  private async recordBillingPeriods(em: EntityManager, subscriptionId: string, endedAt: Date | null): Promise<void> {
    await em.execute(
      `insert into billing_periods (subscription_item_id, customer_id, meter_id, period_start, period_end)
       select i.id, s.customer_id, i.meter_id, i.current_period_start, i.current_period_end
         from subscription_items i join subscriptions s on s.id = i.subscription_id
        where i.subscription_id = ?
       on conflict (subscription_item_id, period_start) do update set period_end = excluded.period_end`,
      [subscriptionId],
    );
    if (!endedAt) return;
    await em.execute(
      `update billing_periods p set period_end = ? from subscription_items i
        where i.id = p.subscription_item_id and i.subscription_id = ? and p.period_start < ? and p.period_end > ?`,
      [endedAt, subscriptionId, endedAt, endedAt],
    );
  }
}
