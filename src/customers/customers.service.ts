import { Inject, Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { DomainError } from '../common/errors/domain-error.js';
import { NotificationOutbox } from '../notifications/notification-outbox.js';
import type { NotificationDraft } from '../notifications/notification-types.js';
import type { PageRead, PageRequest } from '../common/http/pagination.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { callStripe } from '../stripe/stripe-errors.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import type { Customer, CustomerStatus } from './customer.entity.js';
import type { CreateCustomerDto } from './create-customer.dto.js';
import { CUSTOMER_READS, CustomersRepository, type CustomerSubscriptionSummary } from './customers.repository.js';
import { customerNotFound } from './customers.errors.js';

/** The Stripe event behind a billing status change; paymentFailure when it reports a failed payment. */
/** A customer's billing status, as other modules name it (they never import customers' entity). */
export type { CustomerStatus };

export interface BillingStatusEvent {
  id: string;
  paymentFailure?: { stripeInvoiceId: string | null; amountDue: number | null; currency: string | null; attemptCount: number | null };
}

export interface CustomerView {
  customer: Customer;
  subscription: CustomerSubscriptionSummary | null;
}

@Injectable()
export class CustomersService {
  constructor(
    private readonly customers: CustomersRepository,
    @Inject(CUSTOMER_READS) private readonly customerReads: CustomersRepository,
    private readonly reads: RequestReadsDatabase,
    private readonly stripe: StripeGateway,
    private readonly outbox: NotificationOutbox,
  ) {}

  /**
   * Get-or-create by externalId: the local row first (unique key), then its Stripe customer with an
   * idempotency key derived from the local id. A row left without a Stripe id by an earlier failure
   * is completed here, never duplicated.
   */
  async getOrCreate(request: CreateCustomerDto): Promise<{ customer: Customer; created: boolean }> {
    const created = await this.customers.insertIfAbsent(request);
    const customer = await this.customers.findByExternalId(request.externalId);
    if (!customer) throw new Error(`customer ${request.externalId} vanished right after its insert`);
    try {
      return { customer: await this.ensureStripeCustomer(customer), created };
    } catch (error) {
      // Stripe refused what the caller sent (a bad test clock, say): keep nothing of it. When Stripe
      // was only unreachable, the row stays and the caller's retry completes it.
      if (created && error instanceof DomainError && error.code === 'STRIPE_REJECTED') await this.customers.deleteWithoutStripeCustomer(customer.id);
      throw error;
    }
  }

  async requireCustomer(id: string): Promise<Customer> {
    const customer = isUUID(id) ? await this.customers.findById(id) : null;
    if (!customer) throw customerNotFound(`id ${id}`);
    return customer;
  }

  async view(id: string): Promise<CustomerView> {
    const customer = await this.requireCustomer(id);
    return { customer, subscription: (await this.customers.liveSubscriptionsOf([customer.id])).get(customer.id) ?? null };
  }

  /**
   * One page in externalId order (or the customer with `externalId`), read one row past the page so
   * the caller knows whether another follows, on the request-reads pool: it may lag by its `asOf`
   * (docs/read-routing.md). One customer by id (`view`) reads the primary: a client reads it right
   * after creating it.
   */
  listPage(request: PageRequest, externalId?: string): Promise<PageRead<CustomerView>> {
    return this.reads.readPage(async () => {
      const customers = await this.customerReads.listPage({ externalId }, request.after, request.limit + 1);
      const subscriptions = await this.customerReads.liveSubscriptionsOf(customers.map((customer) => customer.id));
      return customers.map((customer) => ({ customer, subscription: subscriptions.get(customer.id) ?? null }));
    });
  }

  /**
   * Billing status from Stripe (webhooks), applied only when no newer event set it, and announced
   * in the same transaction: customer.status_changed when the status changed, customer.payment_failed
   * for a failed payment. Notifications are keyed by the Stripe event id, so a redelivered event
   * announces nothing twice. false: not our customer.
   */
  async applyBillingStatus(stripeCustomerId: string, status: CustomerStatus, at: Date, event: BillingStatusEvent): Promise<boolean> {
    const known = await this.customers.applyStatusIfNewer(stripeCustomerId, status, at, async (em, change) => {
      const drafts: NotificationDraft[] = [];
      const customer = { customerId: change.customerId, externalCustomerId: change.externalCustomerId };
      if (event.paymentFailure) drafts.push({ type: 'customer.payment_failed', key: event.id, data: { ...customer, stripeCustomerId, ...event.paymentFailure } });
      if (change.applied && change.previousStatus !== status) {
        drafts.push({ type: 'customer.status_changed', key: event.id, data: { ...customer, previousStatus: change.previousStatus, status } });
      }
      await this.outbox.enqueueWithEntityManager(em, drafts);
      return true;
    });
    return known ?? false;
  }

  /** The customer with its Stripe customer id, creating that Stripe customer at most once. */
  async ensureStripeCustomer(customer: Customer): Promise<Customer> {
    if (customer.stripeCustomerId) return customer;
    return this.customers.withCustomerLocked(customer.id, async (locked) => {
      if (locked.stripeCustomerId) return locked;
      const created = await callStripe('create the Stripe customer', () =>
        this.stripe.createCustomer({ id: locked.id, externalId: locked.externalId, email: locked.email, name: locked.name, testClockId: locked.stripeTestClockId }),
      );
      locked.stripeCustomerId = created.id;
      return locked;
    });
  }
}
