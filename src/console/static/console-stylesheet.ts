/**
 * The console's one stylesheet, served at /console/static/console.css. A module rather than a .css
 * file so it is compiled into dist with the rest: `tsc` copies no other file, and the image holds
 * only dist (docs/console.md).
 */
export const CONSOLE_STYLESHEET = `/* Meterbridge console: system fonts, no external resource; colours meet WCAG AA contrast on white. */
:root {
  --ink: #1b1f24;
  --muted: #4a5360;
  --line: #c9d1d9;
  --accent: #0b57d0;
  --bad: #a4161a;
  --good: #1e6b2f;
  --warn: #8a4b00;
  --panel: #f5f7fa;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink);
  background: #fff;
  line-height: 1.45;
}
body { margin: 0; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .5rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-weight: 700; margin: 0; }
nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a { text-decoration: none; padding: .25rem .1rem; }
nav a[aria-current="page"] { font-weight: 700; border-bottom: 3px solid var(--accent); }
.sign-out { margin-left: auto; display: flex; align-items: center; gap: .5rem; }
.who { color: var(--muted); font-size: .9rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 80rem; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
.sign-out button, .inline button { background: #fff; color: var(--accent); }
input, select, textarea { font: inherit; padding: .3rem .4rem; border: 1px solid var(--muted); border-radius: 4px; }
label { display: block; font-weight: 600; margin-top: .5rem; }
.filter { display: flex; flex-wrap: wrap; align-items: end; gap: .5rem 1rem; }
.filter label { margin: 0; align-self: center; }
.action { max-width: 36rem; margin-top: 1.5rem; padding: 1rem; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.action textarea, .action input { width: 100%; box-sizing: border-box; }
.action button { margin-top: .75rem; }
.inline { margin: 0; }
.hint { color: var(--muted); font-size: .9rem; }
.notice { padding: .6rem .9rem; border-radius: 4px; border: 1px solid; }
.notice-success { color: var(--good); border-color: var(--good); background: #eef7f0; }
.notice-error { color: var(--bad); border-color: var(--bad); background: #fcefef; }
table { border-collapse: collapse; margin: 1rem 0; min-width: 50%; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { text-align: left; padding: .3rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.empty { color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .75rem; margin: 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.tile dt { color: var(--muted); font-size: .9rem; }
.tile dd { margin: .2rem 0 0; font-size: 1.3rem; font-weight: 600; }
.tile.attention { border-color: var(--bad); }
.tile.attention dd { color: var(--bad); }
meter { width: 6rem; vertical-align: middle; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.state { font-weight: 600; }
.state-held, .state-mismatched, .state-dead, .differs { color: var(--bad); }
.state-matched, .state-released, .state-delivered { color: var(--good); }
.state-pending, .state-sending { color: var(--warn); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 1rem; }
.chart { margin: 0; }
.chart svg { width: 100%; height: 7.5rem; background: var(--panel); border: 1px solid var(--line); }
.chart rect { fill: var(--accent); }
.chart figcaption { font-weight: 600; margin-bottom: .3rem; }
.peak { color: var(--muted); font-weight: 400; }
.sign-in { max-width: 26rem; margin: 4rem auto; }
.sign-in input { width: 100%; box-sizing: border-box; }
.sign-in button { margin-top: 1rem; }
`;
