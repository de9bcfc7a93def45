import type { WireSubscription } from '../billing/billing-wire-types.js';
import { changeSubscription } from '../billing/subscription-changes.js';
import { addItems, cancelNow, createSubscription, setCancelAtPeriodEnd } from '../billing/subscription-lifecycle.js';
import { resumeSubscription } from '../billing/subscription-pause.js';
import type { EmulatorState } from '../emulator-state.js';
import { expandIdField, expandListItems, expandObject, type Expanders } from '../http/expand.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import { requireReferenced } from '../http/referenced-resource.js';
import type { Route } from '../http/router.js';
import { invalidParameter, invalidRequest, missingParameter } from '../http/stripe-api-error.js';
import type { WirePrice } from '../state/wire-types.js';
import { currentInvoice, invoiceExpanders } from './invoices.routes.js';

const PAYMENT_BEHAVIORS = ['allow_incomplete', 'default_incomplete', 'error_if_incomplete'] as const;
const PRORATION_BEHAVIORS = ['always_invoice', 'create_prorations', 'none'] as const;
const LIST_STATUSES = ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const;
const MAX_TRIAL_DAYS = 730;

/** `items[]`: one entry per price; on update an entry may also name an existing item by `id`. */
function itemPrices(state: EmulatorState, params: Params, allowExisting: boolean): WirePrice[] {
  const raw = params.optionalList('items');
  if (raw === undefined) return [];
  return raw.flatMap((entry, index) => {
    const item = Params.read(entry, allowExisting ? ['price', 'id', 'deleted'] : ['price'], { prefix: `items[${index}]`, allowExpand: false });
    if (item.optionalBoolean('deleted')) throw invalidRequest('The Stripe emulator does not support removing subscription items.', { param: `items[${index}][deleted]` });
    if (item.has('id')) return [];
    const priceId = item.optionalString('price');
    if (priceId === undefined) throw missingParameter(`items[${index}][price]`);
    return [requireReferenced(state.prices, priceId, `items[${index}][price]`)];
  });
}

function paymentSettingsFrom(params: Params): WireSubscription['payment_settings'] {
  const settings = params.optionalObject('payment_settings', ['save_default_payment_method', 'payment_method_types']);
  return {
    payment_method_options: null,
    payment_method_types: settings?.optionalStringList('payment_method_types') ?? null,
    save_default_payment_method: settings?.optionalEnum('save_default_payment_method', ['off', 'on_subscription'] as const) ?? 'off',
  };
}

function matchesStatus(subscription: WireSubscription, status: (typeof LIST_STATUSES)[number] | undefined): boolean {
  // Stripe lists every subscription that is not canceled unless a status is asked for
  if (status === undefined) return subscription.status !== 'canceled';
  if (status === 'all') return true;
  if (status === 'ended') return subscription.status === 'canceled' || subscription.status === 'incomplete_expired';
  return subscription.status === status;
}

/** Subscriptions: create, retrieve, list, update (cancel at period end, add items, metadata), cancel. */
export function subscriptionRoutes(state: EmulatorState): Route[] {
  const invoiceExpansion = invoiceExpanders(state);
  const latestInvoice = (subscription: WireSubscription): WireSubscription => {
    const latest = subscription.latest_invoice;
    return typeof latest === 'string' ? { ...subscription, latest_invoice: currentInvoice(state, latest) } : subscription;
  };
  const expanders: Expanders<WireSubscription> = {
    customer: expandIdField<WireSubscription>('customer', (id) => state.customers.require(id)),
    latest_invoice: latestInvoice,
    'latest_invoice.confirmation_secret': (subscription) => {
      const expanded = latestInvoice(subscription);
      const invoice = expanded.latest_invoice;
      return invoice === null || typeof invoice === 'string' ? expanded : { ...expanded, latest_invoice: invoiceExpansion.confirmation_secret?.(invoice) ?? invoice };
    },
  };
  const answer = (subscription: WireSubscription, params: Params) => ({ body: expandObject(subscription, params.expand(), expanders) });

  return [
    {
      method: 'POST',
      path: '/v1/subscriptions',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['customer', 'items', 'payment_behavior', 'payment_settings', 'trial_period_days', 'trial_settings', 'metadata', 'proration_behavior']);
        const customerId = params.string('customer');
        const prices = itemPrices(state, params, false);
        if (prices.length === 0) throw missingParameter('items');
        params.optionalEnum('proration_behavior', PRORATION_BEHAVIORS);
        const trialDays = params.optionalInteger('trial_period_days', { min: 0 });
        if (trialDays !== undefined && trialDays > MAX_TRIAL_DAYS) throw invalidParameter(`Invalid trial_period_days: must be at most ${MAX_TRIAL_DAYS}`, 'trial_period_days');
        const subscription = createSubscription(state, {
          customerId,
          prices,
          paymentBehavior: params.optionalEnum('payment_behavior', PAYMENT_BEHAVIORS) ?? 'allow_incomplete',
          paymentSettings: paymentSettingsFrom(params),
          trialDays,
          missingPaymentMethod: params
            .optionalObject('trial_settings', ['end_behavior'])
            ?.object('end_behavior', ['missing_payment_method'])
            .enumOf('missing_payment_method', ['cancel', 'create_invoice', 'pause'] as const),
          metadata: params.metadata(),
        });
        return answer(subscription, params);
      },
    },
    {
      method: 'GET',
      path: '/v1/subscriptions/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => answer(state.billing.subscriptions.require(pathParams.id), Params.read(body, [])),
    },
    {
      method: 'GET',
      path: '/v1/subscriptions',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'customer', 'status', 'price', 'test_clock']);
        const customer = params.optionalString('customer');
        const status = params.optionalEnum('status', LIST_STATUSES);
        const price = params.optionalString('price');
        const clock = params.optionalString('test_clock');
        const matching = state.billing.subscriptions
          .newestFirst()
          .filter(
            (subscription) =>
              (customer === undefined || subscription.customer === customer) &&
              matchesStatus(subscription, status) &&
              (price === undefined || subscription.items.data.some((item) => item.price.id === price)) &&
              (clock === undefined || subscription.test_clock === clock),
          );
        const page = paginate(matching, params, path, 'subscription');
        return { body: { ...page, data: expandListItems(page.data, params.expand(), expanders) } };
      },
    },
    {
      method: 'POST',
      path: '/v1/subscriptions/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['cancel_at_period_end', 'items', 'proration_behavior', 'payment_behavior', 'metadata']);
        let subscription = state.billing.subscriptions.require(pathParams.id);
        const at = state.now(subscription.customer as string);
        params.optionalEnum('proration_behavior', PRORATION_BEHAVIORS);
        params.optionalEnum('payment_behavior', [...PAYMENT_BEHAVIORS, 'pending_if_incomplete'] as const);
        const prices = itemPrices(state, params, true);
        if (prices.length > 0) subscription = addItems(state, subscription.id, prices, at);
        const cancelAtPeriodEnd = params.optionalBoolean('cancel_at_period_end');
        if (cancelAtPeriodEnd !== undefined) subscription = setCancelAtPeriodEnd(state, subscription.id, cancelAtPeriodEnd, at);
        if (params.has('metadata')) subscription = changeSubscription(state, subscription.id, { metadata: params.metadata(subscription.metadata) }, at);
        return answer(subscription, params);
      },
    },
    {
      method: 'POST',
      path: '/v1/subscriptions/:id/resume',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['billing_cycle_anchor', 'payment_behavior', 'proration_behavior', 'proration_date']);
        const anchor = params.optionalObject('billing_cycle_anchor', ['type'])?.enumOf('type', ['now', 'unchanged'] as const) ?? 'now';
        if (anchor === 'unchanged') throw invalidParameter("Invalid billing_cycle_anchor[type]: the Stripe emulator resumes with a new period starting now ('now').", 'billing_cycle_anchor[type]');
        params.optionalEnum('payment_behavior', ['resume_on_payment_attempt', 'resume_on_payment_success'] as const);
        params.optionalEnum('proration_behavior', PRORATION_BEHAVIORS);
        params.optionalInteger('proration_date', { min: 0 });
        const subscription = state.billing.subscriptions.require(pathParams.id);
        return answer(resumeSubscription(state, subscription.id, state.now(subscription.customer as string)), params);
      },
    },
    {
      method: 'DELETE',
      path: '/v1/subscriptions/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['invoice_now', 'prorate', 'cancellation_details']);
        params.optionalBoolean('prorate');
        params.optionalObject('cancellation_details', ['comment', 'feedback']);
        const subscription = state.billing.subscriptions.require(pathParams.id);
        const at = state.now(subscription.customer as string);
        return answer(cancelNow(state, subscription.id, params.optionalBoolean('invoice_now') ?? false, at), params);
      },
    },
  ];
}
