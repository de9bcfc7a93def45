import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Customer, type CustomerStatus } from './customer.entity.js';
import type { CreateCustomerDto } from './create-customer.dto.js';

/** The live subscription shown with a customer (read from the subscriptions tables in one query). */
export interface CustomerSubscriptionSummary {
  id: string;
  stripeSubscriptionId: string | null;
  status: string;
  cancelAtPeriodEnd: boolean;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
}

/** What a billing status event did to a customer: `applied` false when a newer event had already set the status. */
export interface BillingStatusChange {
  customerId: string;
  externalCustomerId: string;
  previousStatus: CustomerStatus;
  applied: boolean;
}

/** The repository on the request-reads pool (DATABASE_READ_URL when set): its list reads (docs/read-routing.md). */
export const CUSTOMER_READS = Symbol('CUSTOMER_READS');

@Injectable()
export class CustomersRepository {
  constructor(private readonly em: EntityManager) {}

  /** true when this call created the row; concurrent calls with one externalId create exactly one. */
  async insertIfAbsent(customer: CreateCustomerDto): Promise<boolean> {
    const rows = await this.em.execute<{ id: string }[]>(
      `insert into customers (external_id, email, name, stripe_test_clock_id) values (?, ?, ?, ?)
       on conflict (external_id) do nothing returning id`,
      [customer.externalId, customer.email, customer.name ?? null, customer.testClock ?? null],
    );
    return rows.length === 1;
  }

  async deleteWithoutStripeCustomer(id: string): Promise<void> {
    await this.em.execute(`delete from customers where id = ? and stripe_customer_id is null`, [id]);
  }

  /**
   * Sets the billing status from a Stripe event unless a newer event already set it (events arrive
   * in any order; `at` is the event's Stripe creation time), then runs `announce` in the same
   * transaction with what changed. null when no customer has this Stripe id.
   */
  applyStatusIfNewer<T>(
    stripeCustomerId: string,
    status: CustomerStatus,
    at: Date,
    announce: (em: EntityManager, change: BillingStatusChange) => Promise<T>,
  ): Promise<T | null> {
    return this.em.fork().transactional(async (em) => {
      const [change] = await em.execute<BillingStatusChange[]>(
        `WITH previous AS (SELECT id, external_id, status FROM customers WHERE stripe_customer_id = ? FOR UPDATE),
              updated AS (
                UPDATE customers c SET status = ?, status_changed_at = ?, updated_at = now()
                FROM previous p WHERE c.id = p.id AND (c.status_changed_at IS NULL OR c.status_changed_at <= ?)
                RETURNING c.id
              )
         SELECT p.id AS "customerId", p.external_id AS "externalCustomerId", p.status AS "previousStatus",
                EXISTS (SELECT 1 FROM updated) AS applied
         FROM previous p`,
        [stripeCustomerId, status, at, at],
      );
      return change ? announce(em, change) : null;
    });
  }

  findById(id: string): Promise<Customer | null> {
    return this.em.fork().findOne(Customer, { id });
  }

  findByExternalId(externalId: string): Promise<Customer | null> {
    return this.em.fork().findOne(Customer, { externalId });
  }

  /**
   * Runs `work` while holding the customer's row lock, so concurrent callers completing the same
   * customer (its Stripe id) wait for the first and then find the work done.
   */
  async withCustomerLocked<T>(id: string, work: (customer: Customer) => Promise<T>): Promise<T> {
    return this.em.fork().transactional(async (em) => {
      const customer = await em.findOneOrFail(Customer, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      return work(customer);
    });
  }

  /** In externalId order (unique, indexed), `limit` rows after `after`, or only the one with `externalId`. */
  listPage(filter: { externalId?: string }, after: string | undefined, limit: number): Promise<Customer[]> {
    const conditions = [filter.externalId === undefined ? {} : { externalId: filter.externalId }, after === undefined ? {} : { externalId: { $gt: after } }];
    return this.em.fork().find(Customer, { $and: conditions }, { orderBy: { externalId: 'asc' }, limit });
  }

  /** The live subscription of each customer that has one, for a page of customers in one query. */
  async liveSubscriptionsOf(customerIds: string[]): Promise<Map<string, CustomerSubscriptionSummary>> {
    if (customerIds.length === 0) return new Map();
    // an array parameter would be expanded into a list of parameters, so the ids travel as one string
    const rows = await this.em.execute<Array<CustomerSubscriptionSummary & { customerId: string }>>(
      `select s.customer_id as "customerId", s.id, s.stripe_subscription_id as "stripeSubscriptionId", s.status, s.cancel_at_period_end as "cancelAtPeriodEnd",
              min(i.current_period_start) as "currentPeriodStart", max(i.current_period_end) as "currentPeriodEnd"
         from subscriptions s left join subscription_items i on i.subscription_id = s.id
        where s.customer_id = any(string_to_array(?, ',')::uuid[]) and s.status not in ('canceled', 'incomplete_expired')
        group by s.id`,
      [customerIds.join(',')],
    );
    return new Map(rows.map(({ customerId, ...subscription }) => [customerId, subscription]));
  }
}
