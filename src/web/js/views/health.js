// A rule's health by the hour (GET /api/webhook-rules/{id}/stats): the small
// bar on each row of Webhook Rules, and the chart with its table above a
// rule's deliveries. An hour is coloured by the worst thing that happened in
// it (failed, then retrying, then delivered); the counts are always there in
// words as well (the bar's label, the chart's legend and table), so colour
// is never the only way to tell.
import { api } from '../api.js';
import { h, show, svg } from '../dom.js';

export const OUTCOMES = [
  { key: 'delivered', label: 'Delivered' },
  { key: 'retrying', label: 'Retrying' },
  { key: 'failed', label: 'Failed' },
];

export const fetchStats = (ruleId, hours) => api('GET', `/api/webhook-rules/${ruleId}/stats?hours=${hours}`);

const volume = (b) => b.delivered + b.retrying + b.failed;

export function stateOf(b) {
  if (b.failed) return 'failed';
  if (b.retrying) return 'retrying';
  if (b.delivered) return 'delivered';
  return 'none';
}

export const counts = (n) => `${n.delivered} delivered, ${n.retrying} retrying, ${n.failed} failed`;
export const periodName = (hours) => (hours % 24 === 0 && hours > 24 ? `Last ${hours / 24} days` : `Last ${hours} hours`);

// "Tue 3 Dec, 14:00": the hour's start in the reader's time zone.
const hourName = (iso) => new Date(iso).toLocaleString(undefined,
  { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

// ---- The rule list's bar: 24 columns in 96 × 16 px, linked to Deliveries.

const BAR_W = 96;
const BAR_H = 16;

// Before its stats arrive: grey columns, named as loading. `where` is a
// class: the rule list draws each bar twice, in its own column and under
// the title, and CSS shows one of them by the screen's width.
export function healthLink(ruleId, where) {
  const link = h('a', { class: `health ${where}`, href: `#/webhook-rules/${ruleId}/deliveries`, 'aria-label': 'Last 24 hours: loading' });
  fillHealthLink(link, null);
  return link;
}

// stats: the answer for hours=24, or null (not known: grey, nothing claimed).
export function fillHealthLink(link, stats) {
  const buckets = stats ? stats.buckets : Array.from({ length: 24 }, () => null);
  const step = BAR_W / buckets.length;
  const max = Math.max(1, ...buckets.map((b) => (b ? volume(b) : 0)));
  const columns = buckets.map((b, i) => {
    const x = (i * step).toFixed(2);
    const w = (step - 1).toFixed(2);
    const state = b ? stateOf(b) : 'none';
    // Height grows with volume (square root, so one failure in a busy day
    // still shows); an hour with anything in it is at least 5 px tall.
    const hgt = state === 'none' ? 0 : Math.max(5, Math.round(BAR_H * Math.sqrt(volume(b) / max)));
    // No <title> per hour: the bar's text must stay empty, as the title's
    // cell holds one copy (the link's own title gives the totals).
    return svg('g', { class: `hour ${state}` },
      svg('rect', { class: 'track', x, y: 0, width: w, height: BAR_H }),
      hgt ? svg('rect', { class: 'fill', x, y: BAR_H - hgt, width: w, height: hgt }) : null);
  });
  show(link, svg('svg', { width: BAR_W, height: BAR_H, viewBox: `0 0 ${BAR_W} ${BAR_H}`, 'aria-hidden': 'true', focusable: 'false' },
    columns));
  if (stats) {
    link.setAttribute('aria-label', `Last 24 hours: ${counts(stats.totals)}`);
    link.dataset.state = stateOf(stats.totals);
    link.title = `Last 24 hours: ${counts(stats.totals)}. Open the deliveries.`;
  }
}

// ---- The Deliveries view's chart: stacked columns per hour, a legend with
// the totals, hour labels, and the same numbers as a table.

// The page's Content-Security-Policy refuses style="…" attributes; a style
// set through the DOM (el.style) is allowed.
const styled = (el, props) => { Object.assign(el.style, props); return el; };

// 1, 2, 5, 10, 20, 50, …: the smallest at or above n.
function niceCeiling(n) {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

// Where the time axis is labelled: every 3 hours on a day's chart, each
// midnight on a week's; on a phone CSS hides the "minor" ones (every 6
// hours, every other day are left).
function axisLabels(buckets) {
  const week = buckets.length > 48;
  const out = [];
  buckets.forEach((b, i) => {
    const d = new Date(b.hour);
    const hour = d.getHours();
    // At the very edges a label would be cut off.
    if (i === 0 || (buckets.length - i) / buckets.length < 0.04) return;
    const day = d.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
    // A phone has room for every other day.
    if (week && hour === 0) out.push({ i, text: day, minor: out.length % 2 === 1 });
    // On a day's chart, midnight is named by its day.
    if (!week && hour % 3 === 0) {
      out.push({ i, text: hour === 0 ? day : d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' }), minor: hour % 6 !== 0 });
    }
  });
  return out;
}

// shown.tableOpen: whether "Show as table" is open (kept up to date here).
export function chartView(stats, shown = {}) {
  const { buckets, totals, hours } = stats;
  const top = niceCeiling(Math.max(0, ...buckets.map(volume)));
  const pct = (n) => `${(100 * n) / top}%`;
  // A week's 168 columns touch; a day's 24 have a hairline between them.
  const plot = h('div', { class: buckets.length > 48 ? 'chart-plot dense' : 'chart-plot' },
    [1, 0.5].map((f) => styled(h('div', { class: 'grid-line' }), { bottom: `${100 * f}%` })),
    buckets.map((b) => h('div', { class: 'chart-col', title: `${hourName(b.hour)}: ${counts(b)}` },
      OUTCOMES.map((o) => (b[o.key] ? styled(h('span', { class: `seg ${o.key}` }), { height: pct(b[o.key]) }) : null)))));
  const yAxis = h('div', { class: 'chart-y', 'aria-hidden': 'true' },
    [top, top / 2, 0].map((v, i) => styled(h('span', {}, Number.isInteger(v) ? String(v) : ''), { bottom: `${50 * (2 - i)}%` })));
  const xAxis = h('div', { class: 'chart-x', 'aria-hidden': 'true' },
    axisLabels(buckets).map((l) => styled(h('span', { class: l.minor ? 'minor' : null }, l.text),
      { left: `${(100 * l.i) / buckets.length}%` })));
  const empty = !volume(totals);
  return h('div', { class: 'chart' },
    // One picture with one name; the numbers themselves are in the table.
    h('div', { class: 'chart-area', role: 'img',
      'aria-label': `Webhook attempts per hour, ${periodName(hours).toLowerCase()}: ${counts(totals)}. The table below has each hour.` },
    yAxis, plot),
    xAxis,
    empty ? h('p', { class: 'hint chart-empty' }, `No attempts in the ${periodName(hours).toLowerCase()}.`) : null,
    h('ul', { class: 'legend' }, OUTCOMES.map((o) => h('li', {},
      h('span', { class: `swatch ${o.key}`, 'aria-hidden': 'true' }), `${o.label}: `, h('strong', {}, String(totals[o.key]))))),
    statsTable(stats, shown));
}

// The chart's numbers, newest hour first, with the totals at the foot.
function statsTable({ buckets, totals, hours }, shown) {
  const rows = [...buckets].reverse().map((b) => h('tr', { class: volume(b) ? null : 'quiet' },
    h('th', { scope: 'row' }, h('time', { datetime: b.hour }, hourName(b.hour))),
    OUTCOMES.map((o) => h('td', { class: 'num' }, String(b[o.key])))));
  return h('details', { class: 'chart-table', open: Boolean(shown.tableOpen),
    ontoggle: (e) => { shown.tableOpen = e.currentTarget.open; } }, h('summary', {}, 'Show as table'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('caption', { class: 'sr-only' }, `Webhook attempts per hour, ${periodName(hours).toLowerCase()}, newest first`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Time'),
        OUTCOMES.map((o) => h('th', { scope: 'col', class: 'num' }, o.label)))),
      h('tbody', {}, rows),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'),
        OUTCOMES.map((o) => h('td', { class: 'num' }, String(totals[o.key]))))))));
}
