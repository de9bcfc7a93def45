import type { InvoiceVerificationResponse } from '../../invoice-verification/invoice-verification.response.js';
import type { ReportingStatusResponse } from '../../reporting/reporting.response.js';
import type { ReportingService } from '../../reporting/reporting.service.js';
import { barChart } from '../charts.js';
import { duration, table, text, when } from '../format.js';
import { html, type Html } from '../html.js';

export interface OverviewData {
  status: ReportingStatusResponse;
  /** The newest held invoices (at most a screenful) and how many are held in all. */
  held: InvoiceVerificationResponse[];
  heldCount: number;
  drifts: number;
  hourly: Awaited<ReturnType<ReportingService['hourlyRuns']>>;
}

/** Stripe de-duplicates a meter event for 24 h: the backlog's age is shown against that line. */
const DEDUPLICATION_WINDOW_SECONDS = 24 * 3600;

const hourLabel = (hour: Date) => `${new Date(hour).toISOString().slice(11, 13)}:00`;

function tile(label: string, value: Html | string | number, attention = false): Html {
  return html`<div class="tile${attention ? ' attention' : ''}"><dt>${label}</dt><dd>${value}</dd></div>`;
}

export function overviewContent({ status, held, heldCount, drifts, hourly }: OverviewData): Html {
  const { backlog, lastRun, failures, late } = status;
  const age = backlog.oldestPendingAgeSeconds;
  const ageGauge = html`<meter min="0" max="${DEDUPLICATION_WINDOW_SECONDS}" low="${6 * 3600}" high="${18 * 3600}" optimum="0" value="${Math.min(age ?? 0, DEDUPLICATION_WINDOW_SECONDS)}" aria-label="Oldest pending age against the 24 hour line"></meter>`;
  return html`<section aria-labelledby="now">
<h2 id="now">Now</h2>
<dl class="tiles">
${tile('Events not yet reported', backlog.events, backlog.events > 0)}
${tile('Oldest pending', html`${duration(age)} ${ageGauge} <span class="hint">of 24 h</span>`, (age ?? 0) > 6 * 3600)}
${tile('Failed reports', failures.totals.reports, failures.totals.reports > 0)}
${tile('Held invoices', heldCount, heldCount > 0)}
${tile('Reconciliation drifts (latest run)', drifts, drifts > 0)}
${tile('Late usage into the current period', late.adjustments.units)}
${tile('Late usage kept unbillable', late.unbillable.units)}
</dl>
</section>
<section aria-labelledby="charts">
<h2 id="charts">Last 24 hours of reporter runs</h2>
<div class="charts">
${barChart('Usage events claimed per hour (UTC)', hourly.map((hour) => ({ label: hourLabel(hour.hour), value: hour.claimedEvents })), 'chart-claimed')}
${barChart('Meter events sent per hour', hourly.map((hour) => ({ label: hourLabel(hour.hour), value: hour.sent })), 'chart-sent')}
${barChart('Meter events Stripe refused per hour', hourly.map((hour) => ({ label: hourLabel(hour.hour), value: hour.failed })), 'chart-failed')}
</div>
</section>
<section aria-labelledby="last-run">
<h2 id="last-run">Last run</h2>
${
  lastRun
    ? html`<p>${lastRun.trigger} run started ${when(lastRun.startedAt)}, finished ${when(lastRun.finishedAt)}: ${lastRun.claimedEvents} events claimed, ${lastRun.sent} sent, ${lastRun.failed} refused, ${lastRun.retryLater} left for the next run${lastRun.error ? html`; error: ${lastRun.error}` : ''}.</p>`
    : html`<p class="empty">No run yet.</p>`
}
</section>
<section aria-labelledby="held">
<h2 id="held">Held invoices</h2>
${table(
  'Invoices waiting for an operator',
  ['Invoice', 'Period', 'Why'],
  held.map((invoice) => [html`<a href="/console/invoices/${encodeURIComponent(invoice.stripeInvoiceId)}">${invoice.stripeInvoiceId}</a>`, text(`${when(invoice.periodStart)} – ${when(invoice.periodEnd)}`), text(invoice.reason)]),
)}
</section>
<section aria-labelledby="failed">
<h2 id="failed">Reports Stripe refused</h2>
${table(
  'Most recent refused reports',
  ['Report', 'Customer', 'Window', 'Units', 'Stripe said'],
  failures.recent.slice(0, 20).map((report) => [text(report.identifier), text(report.customerId), text(`${when(report.windowStart)} – ${when(report.windowEnd)}`), text(report.units), text(report.reason)]),
)}
</section>`;
}
