import { runDueBilling } from '../billing/billing-clock.js';
import type { EmulatorState } from '../emulator-state.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';
import { invalidParameter } from '../http/stripe-api-error.js';
import type { DeliverySettings } from '../webhooks/webhook-dispatcher.js';
import { currentInvoice } from './invoices.routes.js';
import { meterEventControlRoutes } from './meter-event-control.routes.js';

/** Stripe lets an account set the finalization grace up to 72 hours. */
const MAX_GRACE_SECONDS = 72 * 3600;

function deliverySettingsFrom(params: Params): Partial<DeliverySettings> {
  const changes: Partial<DeliverySettings> = {};
  const duplicate = params.optionalBoolean('duplicate');
  const reorder = params.optionalBoolean('reorder');
  const window = params.optionalInteger('reorder_window_ms', { min: 0, max: 60_000 });
  const timeout = params.optionalInteger('timeout_ms', { min: 1, max: 60_000 });
  const delays = params.optionalList('retry_delays_ms');
  if (duplicate !== undefined) changes.duplicate = duplicate;
  if (reorder !== undefined) changes.reorder = reorder;
  if (window !== undefined) changes.reorder_window_ms = window;
  if (timeout !== undefined) changes.timeout_ms = timeout;
  if (delays !== undefined) {
    if (!delays.every((delay) => typeof delay === 'number')) throw invalidParameter('retry_delays_ms must be a list of milliseconds', 'retry_delays_ms');
    changes.retry_delays_ms = delays as number[];
  }
  return changes;
}

/**
 * `/_emulator/*` for billing: decline a customer's payments, set the finalization grace, shape
 * webhook delivery (duplicates, reordering, retries), inspect deliveries and invoices, and run
 * billing that is due for customers without a test clock (their time is the wall clock).
 */
export function billingControlRoutes(state: EmulatorState): Route[] {
  const route = (method: Route['method'], path: string, handler: Route['handler']): Route => ({ method, path: `/_emulator${path}`, auth: 'none', handler });
  const billing = state.billing;
  const billingSettings = () => ({ finalization_grace_seconds: billing.finalizationGraceSeconds });
  return [
    ...meterEventControlRoutes(state),
    route('POST', '/customers/:id/payment_failures', ({ body, pathParams }) => {
      const customer = state.customers.require(pathParams.id);
      const fail = Params.read(body, ['fail'], { allowExpand: false }).optionalBoolean('fail') ?? true;
      if (fail) billing.failingCustomers.add(customer.id);
      else billing.failingCustomers.delete(customer.id);
      return { body: { customer: customer.id, payments_fail: fail } };
    }),
    route('GET', '/billing/settings', () => ({ body: billingSettings() })),
    route('POST', '/billing/settings', ({ body }) => {
      const grace = Params.read(body, ['finalization_grace_seconds'], { allowExpand: false }).optionalInteger('finalization_grace_seconds', { min: 0, max: MAX_GRACE_SECONDS });
      if (grace !== undefined) billing.finalizationGraceSeconds = grace;
      return { body: billingSettings() };
    }),
    route('POST', '/billing/run_due', () => {
      const until = state.wallClock.nowSeconds();
      runDueBilling(state, (customerId) => !state.customers.get(customerId)?.test_clock, until);
      return { body: { until } };
    }),
    route('GET', '/webhooks/settings', () => ({ body: billing.webhooks.currentSettings() })),
    route('POST', '/webhooks/settings', ({ body }) => {
      const params = Params.read(body, ['duplicate', 'reorder', 'reorder_window_ms', 'retry_delays_ms', 'timeout_ms'], { allowExpand: false });
      return { body: billing.webhooks.configure(deliverySettingsFrom(params)) };
    }),
    route('GET', '/webhook_deliveries', ({ body }) => {
      const params = Params.read(body, ['event', 'target'], { allowExpand: false });
      const event = params.optionalString('event');
      const target = params.optionalString('target');
      const data = billing.webhooks.list().filter((delivery) => (event === undefined || delivery.event_id === event) && (target === undefined || delivery.target === target));
      return { body: { object: 'list', data } };
    }),
    route('GET', '/invoices', ({ body }) => {
      const params = Params.read(body, ['customer', 'subscription', 'status'], { allowExpand: false });
      const customer = params.optionalString('customer');
      const subscription = params.optionalString('subscription');
      const status = params.optionalString('status');
      const data = billing.invoices
        .all()
        .map((invoice) => currentInvoice(state, invoice.id))
        .filter(
          (invoice) =>
            (customer === undefined || invoice.customer === customer) &&
            (subscription === undefined || invoice.parent.subscription_details.subscription === subscription) &&
            (status === undefined || invoice.status === status),
        );
      return { body: { object: 'list', data } };
    }),
  ];
}
