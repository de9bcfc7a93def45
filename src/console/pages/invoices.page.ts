import { VERIFICATION_STATES, type InvoiceVerificationResponse } from '../../invoice-verification/invoice-verification.response.js';
import type { ConsoleOperator } from '../console-sessions.service.js';
import { money, table, text, when } from '../format.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';

const invoicePath = (id: string) => `/console/invoices/${encodeURIComponent(id)}`;

export function invoicesContent(verifications: InvoiceVerificationResponse[], state: string | undefined): Html {
  const options = ['', ...VERIFICATION_STATES].map((value) => html`<option value="${value}"${value === (state ?? '') ? html` selected` : ''}>${value || 'any state'}</option>`);
  return html`<form method="get" action="/console/invoices" class="filter">
<label for="state">State</label>
<select id="state" name="state">${options}</select>
<button type="submit">Show</button>
</form>
${table(
  'Invoice verifications, newest first',
  ['Invoice', 'State', 'Period', 'Checks', 'Why'],
  verifications.map((row) => [
    html`<a href="${invoicePath(row.stripeInvoiceId)}">${row.stripeInvoiceId}</a>`,
    html`<span class="state state-${row.state}">${row.state}</span>`,
    text(`${when(row.periodStart)} – ${when(row.periodEnd)}`),
    text(row.checks),
    text(row.reason),
  ]),
)}`;
}

function actionForm(operator: ConsoleOperator, invoiceId: string, action: 'release' | 'recheck', label: string, explanation: string): Html {
  const field = `${action}-reason`;
  return html`<form method="post" action="${invoicePath(invoiceId)}/${action}" class="action">
${csrfField(operator)}
<label for="${field}">Reason to ${action} (required)</label>
<textarea id="${field}" name="reason" required maxlength="500" rows="2"></textarea>
<p class="hint">${explanation}</p>
<button type="submit">${label}</button>
</form>`;
}

export function invoiceContent(operator: ConsoleOperator, verification: InvoiceVerificationResponse): Html {
  const decidedAgainst = verification.state === 'held' || verification.state === 'mismatched';
  const actions = !operator.canAct
    ? html`<p class="hint">Signed in with a read-only key: releasing and rechecking need an admin key.</p>`
    : html`${verification.state === 'held' ? actionForm(operator, verification.stripeInvoiceId, 'release', 'Release invoice', 'Stripe finalizes the invoice as it is; the reason is sent in the invoice.released notification.') : ''}
${decidedAgainst ? actionForm(operator, verification.stripeInvoiceId, 'recheck', 'Recheck against the ledger', 'Compares the invoice with the ledger again now; a match releases it.') : ''}`;
  return html`<dl class="facts">
<dt>State</dt><dd><span class="state state-${verification.state}">${verification.state}</span></dd>
<dt>Subscription</dt><dd>${verification.stripeSubscriptionId}</dd>
<dt>Period</dt><dd>${when(verification.periodStart)} – ${when(verification.periodEnd)}</dd>
<dt>Stripe finalizes</dt><dd>${when(verification.finalizesAt)}</dd>
<dt>Why</dt><dd>${verification.reason ?? '—'}</dd>
<dt>Released</dt><dd>${verification.releasedAt ? `${when(verification.releasedAt)}: ${verification.releaseReason ?? ''}` : '—'}</dd>
</dl>
${table(
  'Each metered line: the ledger against the invoice',
  ['Meter', 'Ledger units', 'Invoice units', 'Unit difference', 'Amount difference'],
  verification.lines.map((line) => [
    text(line.meter),
    text(line.ledgerUnits),
    text(line.invoiceUnits),
    html`<span class="${line.unitDifference === '0' ? '' : 'differs'}">${line.unitDifference}</span>`,
    text(money(line.amountDifference, line.currency)),
  ]),
  'no metered line compared yet.',
)}
${actions}`;
}
