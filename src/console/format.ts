import { html, type Html } from './html.js';

/** A timestamp as the operator reads it: ISO-8601 in UTC to the second, or a dash. */
export function when(value: Date | string | null | undefined): string {
  return value ? `${new Date(value).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—';
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min ${Math.floor(seconds % 60)} s`;
}

/** An amount in the currency's minor unit (a decimal string or number) shown in major units. */
export function money(minor: string | number, currency: string): string {
  const value = Number(minor) / 100;
  return `${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })} ${currency.toUpperCase()}`;
}

/** A table with a caption and column headers; rows are already rendered cells. */
export function table(caption: string, headers: string[], rows: Html[][], empty = 'None.'): Html {
  if (rows.length === 0) return html`<p class="empty">${caption}: ${empty}</p>`;
  return html`<table>
<caption>${caption}</caption>
<thead><tr>${headers.map((header) => html`<th scope="col">${header}</th>`)}</tr></thead>
<tbody>${rows.map((cells) => html`<tr>${cells.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody>
</table>`;
}

export const text = (value: string | number | null | undefined) => html`${value ?? '—'}`;
