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
   * in any order; `at` is the event's Stripe creation time). true when it changed the row.
   */
  async applyStatusIfNewer(stripeCustomerId: string, status: CustomerStatus, at: Date): Promise<boolean> {
    const rows = await this.em.execute<{ id: string }[]>(
      `update customers set status = ?, status_changed_at = ?, updated_at = now()
        where stripe_customer_id = ? and (status_changed_at is null or status_changed_at <= ?) returning id`,
      [status, at, stripeCustomerId, at],
    );
    return rows.length === 1;
  }

  async existsForStripe(stripeCustomerId: string): Promise<boolean> {
    const rows = await this.em.execute<{ id: string }[]>(`select id from customers where stripe_customer_id = ?`, [stripeCustomerId]);
    return rows.length === 1;
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

  async liveSubscriptionOf(customerId: string): Promise<CustomerSubscriptionSummary | null> {
    const [row] = await this.em.execute<CustomerSubscriptionSummary[]>(
      `select s.id, s.stripe_subscription_id as "stripeSubscriptionId", s.status, s.cancel_at_period_end as "cancelAtPeriodEnd",
              min(i.current_period_start) as "currentPeriodStart", max(i.current_period_end) as "currentPeriodEnd"
         from subscriptions s left join subscription_items i on i.subscription_id = s.id
        where s.customer_id = ? and s.status not in ('canceled', 'incomplete_expired')
        group by s.id`,
      [customerId],
    );
    return row ?? null;
  }
}
