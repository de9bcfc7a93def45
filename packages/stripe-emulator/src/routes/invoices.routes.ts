import type { WireInvoice } from '../billing/billing-wire-types.js';
import { confirmationSecretOf } from '../billing/invoice-documents.js';
import { collectInvoice, finalizeInvoice, payInvoice, refreshDraft, setAutoAdvance } from '../billing/invoice-lifecycle.js';
import { previewInvoice } from '../billing/invoice-preview.js';
import type { EmulatorState } from '../emulator-state.js';
import { expandIdField, expandListItems, expandObject, type Expanders } from '../http/expand.js';
import { LIST_PARAMS, paginate } from '../http/pagination.js';
import { Params } from '../http/params.js';
import type { Route } from '../http/router.js';

const STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;

/**
 * `confirmation_secret` is an includable field: absent unless expanded, then the PaymentIntent's
 * client secret (or null for an invoice with nothing to pay).
 */
export function invoiceExpanders(state: EmulatorState): Expanders<WireInvoice> {
  return {
    confirmation_secret: (invoice) => ({ ...invoice, confirmation_secret: confirmationSecretOf(invoice) }),
    customer: expandIdField<WireInvoice>('customer', (id) => state.customers.require(id)),
  };
}

/** An invoice as the API shows it now: a draft's metered lines follow the ledger until finalization. */
export function currentInvoice(state: EmulatorState, id: string, param = 'id'): WireInvoice {
  return refreshDraft(state, state.billing.invoices.require(id, param));
}

/** Invoices: retrieve, update (auto_advance), list (by customer, subscription, status), line items, finalize, pay. */
export function invoiceRoutes(state: EmulatorState): Route[] {
  const expanders = invoiceExpanders(state);
  const answer = (invoice: WireInvoice, params: Params) => ({ body: expandObject(invoice, params.expand(), expanders) });
  return [
    {
      method: 'POST',
      path: '/v1/invoices/create_preview',
      auth: 'secret_key',
      handler: ({ body }) => {
        const params = Params.read(body, ['customer', 'subscription']);
        return answer(previewInvoice(state, params.optionalString('customer'), params.optionalString('subscription')), params);
      },
    },
    {
      method: 'GET',
      path: '/v1/invoices/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => answer(currentInvoice(state, pathParams.id), Params.read(body, [])),
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['auto_advance']);
        const invoice = state.billing.invoices.require(pathParams.id);
        const autoAdvance = params.optionalBoolean('auto_advance');
        const updated = autoAdvance === undefined ? currentInvoice(state, invoice.id) : setAutoAdvance(state, invoice.id, autoAdvance, state.now(invoice.customer));
        return answer(updated, params);
      },
    },
    {
      method: 'GET',
      path: '/v1/invoices',
      auth: 'secret_key',
      handler: ({ body, path }) => {
        const params = Params.read(body, [...LIST_PARAMS, 'customer', 'subscription', 'status', 'collection_method']);
        const customer = params.optionalString('customer');
        const subscription = params.optionalString('subscription');
        const status = params.optionalEnum('status', STATUSES);
        params.optionalEnum('collection_method', ['charge_automatically', 'send_invoice'] as const);
        const matching = state.billing.invoices
          .newestFirst()
          .map((invoice) => refreshDraft(state, invoice))
          .filter(
            (invoice) =>
              (customer === undefined || invoice.customer === customer) &&
              (subscription === undefined || invoice.parent.subscription_details.subscription === subscription) &&
              (status === undefined || invoice.status === status),
          );
        const page = paginate(matching, params, path, 'invoice');
        return { body: { ...page, data: expandListItems(page.data, params.expand(), expanders) } };
      },
    },
    {
      method: 'GET',
      path: '/v1/invoices/:id/lines',
      auth: 'secret_key',
      handler: ({ body, pathParams, path }) => {
        const params = Params.read(body, LIST_PARAMS);
        return { body: paginate(currentInvoice(state, pathParams.id).lines.data, params, path, 'line_item') };
      },
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/finalize',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['auto_advance']);
        const invoice = state.billing.invoices.require(pathParams.id);
        const at = state.now(invoice.customer);
        const finalized = finalizeInvoice(state, invoice.id, at);
        // with auto_advance (the default) Stripe goes on to collect a charge_automatically invoice
        return answer(params.optionalBoolean('auto_advance') === false ? finalized : collectInvoice(state, finalized, at), params);
      },
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/pay',
      auth: 'secret_key',
      handler: ({ body, pathParams }) => {
        const params = Params.read(body, ['paid_out_of_band', 'forgive', 'off_session', 'payment_method']);
        params.optionalBoolean('forgive');
        params.optionalBoolean('off_session');
        params.optionalString('payment_method');
        const invoice = state.billing.invoices.require(pathParams.id);
        return answer(payInvoice(state, invoice.id, state.now(invoice.customer), params.optionalBoolean('paid_out_of_band') ?? false), params);
      },
    },
  ];
}
