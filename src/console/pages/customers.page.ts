import type { CustomerView } from '../../customers/customers.service.js';
import type { MeterUsageTotals } from '../../usage-totals/usage-totals.dto.js';
import { barChart, type ChartPoint } from '../charts.js';
import { money, table, text, when } from '../format.js';
import { html, type Html } from '../html.js';

export function customersContent(customers: CustomerView[], externalId: string | undefined, nextAfter: string | null): Html {
  return html`<form method="get" action="/console/customers" class="filter" role="search">
<label for="external-id">External id</label>
<input id="external-id" name="externalId" value="${externalId ?? ''}">
<button type="submit">Search</button>
</form>
${table(
  externalId ? `Customers with external id ${externalId}` : 'Customers by external id',
  ['External id', 'Email', 'Status', 'Subscription'],
  customers.map(({ customer, subscription }) => [
    html`<a href="/console/customers/${customer.id}">${customer.externalId}</a>`,
    text(customer.email),
    text(customer.status),
    text(subscription ? subscription.status : 'none'),
  ]),
  'no customer matches.',
)}
${nextAfter ? html`<p><a href="/console/customers?after=${encodeURIComponent(nextAfter)}">Next customers</a></p>` : ''}`;
}

export interface MeterDays {
  meter: string;
  days: ChartPoint[];
}

export function customerContent(view: CustomerView, meters: MeterUsageTotals[], days: MeterDays[]): Html {
  const { customer } = view;
  return html`<dl class="facts">
<dt>External id</dt><dd>${customer.externalId}</dd>
<dt>Id</dt><dd><code>${customer.id}</code></dd>
<dt>Email</dt><dd>${customer.email}</dd>
<dt>Status</dt><dd>${customer.status}</dd>
<dt>Stripe customer</dt><dd>${customer.stripeCustomerId ?? 'not created yet'}</dd>
</dl>
${table(
  'Current-period usage per meter',
  ['Meter', 'Period', 'Ingested', 'Reported', 'Pending', 'Failed', 'Estimated amount'],
  meters.map((meter) => [
    text(meter.meter),
    text(`${when(meter.periodStart)} – ${when(meter.periodEnd)}`),
    text(meter.ingested),
    text(meter.reported),
    text(meter.pending),
    text(meter.failed),
    text(`${money(meter.estimatedAmount, meter.currency)}${meter.billable ? '' : ' (not billable yet)'}`),
  ]),
)}
<h2>Usage per day this period</h2>
<div class="charts">${days.map((meter, index) => barChart(`${meter.meter}: units per day (UTC)`, meter.days, `chart-meter-${index}`))}</div>`;
}
