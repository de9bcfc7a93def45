import { html, type Html } from './html.js';

export interface ChartPoint {
  label: string;
  value: number;
}

const WIDTH = 480;
const HEIGHT = 120;

/**
 * A bar chart drawn on the server as SVG (no script): each bar has a tooltip, and the same numbers
 * follow in a table for screen readers and for copying.
 */
export function barChart(title: string, points: ChartPoint[], id: string): Html {
  const max = Math.max(1, ...points.map((point) => point.value));
  const slot = WIDTH / Math.max(1, points.length);
  const bars = points.map((point, index) => {
    const height = Math.round((point.value / max) * (HEIGHT - 4));
    return html`<rect x="${(index * slot + 1).toFixed(1)}" y="${HEIGHT - height}" width="${Math.max(1, slot - 2).toFixed(1)}" height="${height}"><title>${point.label}: ${point.value}</title></rect>`;
  });
  const rows = points.map((point) => html`<tr><th scope="row">${point.label}</th><td>${point.value}</td></tr>`);
  return html`<figure class="chart">
<figcaption id="${id}">${title} <span class="peak">(peak ${max === 1 && points.every((point) => point.value === 0) ? 0 : max})</span></figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}" preserveAspectRatio="none">${bars}</svg>
<details><summary>Numbers</summary><table><tbody>${rows}</tbody></table></details>
</figure>`;
}
