import { randomUUID } from 'node:crypto';
import type { EventTraceResponse } from '../../corrections/event-trace.dto.js';
import type { ConsoleOperator } from '../console-sessions.service.js';
import { table, text, when } from '../format.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';

export interface TraceQuery {
  customer?: string;
  key?: string;
}

export function traceSearch(query: TraceQuery): Html {
  return html`<form method="get" action="/console/trace" class="filter">
<label for="customer">Customer (external id or id)</label>
<input id="customer" name="customer" required value="${query.customer ?? ''}">
<label for="key">Idempotency key</label>
<input id="key" name="key" required value="${query.key ?? ''}">
<button type="submit">Trace</button>
</form>`;
}

/** The form's correction key is drawn when the page is rendered: posting the same form twice is one correction. */
function correctForm(operator: ConsoleOperator, trace: EventTraceResponse): Html {
  if (!operator.canAct) return html`<p class="hint">Signed in with a read-only key: correcting needs an admin key.</p>`;
  const { event } = trace;
  return html`<form method="post" action="/console/trace/correct" class="action">
${csrfField(operator)}
<input type="hidden" name="customerId" value="${event.customerId}">
<input type="hidden" name="idempotencyKey" value="${event.idempotencyKey}">
<input type="hidden" name="correctionKey" value="console-${randomUUID()}">
<h2 id="correct">Correct this event</h2>
<label for="value">Corrected value (0 voids it)</label>
<input id="value" name="value" type="number" min="0" step="1" required inputmode="numeric" value="${event.currentValue}">
<label for="correct-reason">Reason (required, kept with the correction)</label>
<textarea id="correct-reason" name="reason" required maxlength="500" rows="2"></textarea>
<button type="submit">Correct</button>
</form>`;
}

export function traceContent(operator: ConsoleOperator, trace: EventTraceResponse): Html {
  const { event, corrections, reports, billingPeriod } = trace;
  return html`<section aria-labelledby="event">
<h2 id="event">Event</h2>
<dl class="facts">
<dt>Meter</dt><dd>${event.meter} (${event.aggregation})</dd>
<dt>Value recorded</dt><dd>${event.value}</dd>
<dt>Value now</dt><dd>${event.currentValue}</dd>
<dt>Happened</dt><dd>${when(event.timestamp)}</dd>
<dt>Received</dt><dd>${when(event.receivedAt)}</dd>
<dt>Billing period</dt><dd>${billingPeriod ? html`${when(billingPeriod.periodStart)} – ${when(billingPeriod.periodEnd)}, net ${billingPeriod.netUnits} units${billingPeriod.billedAsZero ? ' (billed as 0)' : ''}` : 'no subscription covered it'}</dd>
<dt>Invoice</dt><dd>${billingPeriod?.stripeInvoiceId ?? 'not final yet'}</dd>
</dl>
</section>
${table(
  'Corrections, oldest first',
  ['When', 'From', 'To', 'Billing', 'Reason', 'By'],
  corrections.map((correction) => [text(when(correction.createdAt)), text(correction.previousValue), text(correction.value), text(correction.billing), text(correction.reason), text(correction.createdBy)]),
)}
${table(
  'Reports that carried it to Stripe',
  ['Meter event', 'Status', 'Units', 'Sent', 'Sent at', 'Invoice'],
  reports.map((report) => [text(report.identifier), text(report.status), text(report.units), text(report.sentUnits), text(when(report.sentAt)), text(report.billingPeriod?.stripeInvoiceId ?? '—')]),
  'not reported yet.',
)}
${correctForm(operator, trace)}`;
}
