// A rule's deliveries: each webhook sent (or waiting), every attempt with its
// HTTP status, duration, error and the start of the answer; Redeliver, Send
// test event, and why the rule was disabled if the system did it. Above
// them, the rule's attempts per hour over the last day or week (health.js).
import { api, query } from '../api.js';
import { action, h, latestOnly, select, show, toast, when } from '../dom.js';
import { chartView, fetchStats, periodName } from './health.js';

export async function deliveriesView(ruleId) {
  const rule = await api('GET', `/api/webhook-rules/${ruleId}`);
  // Every status the API filters by.
  const status = select(['pending', 'delivered', 'failed', 'cancelled'], '', { blank: 'All' });
  status.id = 'delivery-status';
  const body = h('div', { class: 'deliveries' });
  const opened = new Set();  // deliveries whose attempts are unfolded, kept across reloads

  // Only the newest answer is shown (the status filter may change meanwhile).
  const list = latestOnly(
    () => api('GET', `/api/webhook-rules/${ruleId}/deliveries${query({ status: status.value })}`),
    (answer) => show(body, answer.records.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['Webhook id', 'Event', 'Status', 'Attempts', 'Last answer', 'Next attempt', ''].map(
        (label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, answer.records.map(row)))) : h('p', {}, 'No deliveries yet.')));

  // Two rows per delivery: its summary, and under it (full width) every
  // attempt, folded until opened.
  function row(d) {
    const last = d.attempts.length ? d.attempts[d.attempts.length - 1] : null;
    const lastText = !last ? '' : last.http_status ? `HTTP ${last.http_status}` : (last.error || '');
    const attempts = h('details', {
      open: opened.has(d.id),
      ontoggle: (e) => (e.target.open ? opened.add(d.id) : opened.delete(d.id)),
    }, h('summary', {}, `Attempts of ${d.webhook_id}`),
      h('ol', { class: 'attempts' }, d.attempts.map((a) => h('li', {},
        h('div', {}, when(a.at), ' · ', a.http_status ? `HTTP ${a.http_status}` : 'no answer', ' · ', `${a.duration_ms} ms`),
        a.error ? h('div', { class: 'error' }, a.error) : null,
        a.response_excerpt ? h('pre', { class: 'excerpt' }, a.response_excerpt) : null))));
    return [h('tr', { 'data-delivery-id': d.id, class: 'delivery' },
      h('td', {}, h('code', {}, d.webhook_id)),
      h('td', {}, d.event, d.test ? ' (test)' : '',
        d.sequence ? h('div', { class: 'hint' }, `${d.subject} · #${d.sequence}`) : null),
      h('td', {}, h('span', { class: `badge ${d.status}` }, d.status),
        // An ordered rule sends one webhook per lead at a time, in sequence.
        d.waiting_for ? h('div', { class: 'hint waiting' }, `waiting for #${d.waiting_for}`) : null),
      h('td', {}, String(d.attempts.length)),
      h('td', {}, lastText),
      h('td', {}, d.status === 'pending' ? when(d.next_attempt_at) : ''),
      h('td', {}, h('button', {
        type: 'button', class: 'small', 'aria-label': `Redeliver ${d.webhook_id}`,
        onclick: action(async () => {
          await api('POST', `/api/deliveries/${d.id}/redeliver`);
          toast('Sent again.');
          setTimeout(reload, 500);
        }),
      }, 'Redeliver'))),
    h('tr', { class: 'attempts-row' }, h('td', { colspan: 7 }, attempts))];
  }

  const chart = healthChart(ruleId);
  // Whatever reloads the list (Refresh, a test event, a redelivery) redraws
  // the chart too: they tell the same story.
  const reload = () => Promise.all([list(), chart.load()]);

  status.addEventListener('change', () => list());
  show(document.getElementById('main'),
    h('div', { class: 'title-bar' }, h('h1', {}, `Deliveries: ${rule.title}`),
      h('button', {
        type: 'button', class: 'primary',
        onclick: action(async () => {
          await api('POST', `/api/webhook-rules/${ruleId}/test`);
          toast('Test event queued.');
          setTimeout(reload, 500);
        }),
      }, 'Send test event')),
    h('p', {}, h('a', { href: '#/webhook-rules' }, '← Webhook Rules'), ' · ', rule.trigger.name, ' → ',
      h('code', {}, rule.url), rule.enabled ? '' : ' · disabled',
      rule.ordered ? ' · in order for each lead' : ''),
    rule.disabled_reason ? h('p', { class: 'notice', role: 'note' }, rule.disabled_reason) : null,
    chart.section,
    h('div', { class: 'toolbar' },
      h('div', { class: 'inline-field' }, h('label', { for: 'delivery-status' }, 'Status'), status),
      h('button', { type: 'button', onclick: () => reload() }, 'Refresh')),
    body);
  await reload();
}

// The chart card: a "24 hours / 7 days" switch over the chart, its legend
// and its table. load() draws the chosen period again.
function healthChart(ruleId) {
  const periods = [{ hours: 24, label: '24 hours' }, { hours: 168, label: '7 days' }];
  let hours = 24;
  const shown = { tableOpen: false };  // "Show as table" stays open across redraws
  const heading = h('h2', { id: 'health-heading' });
  const area = h('div', { 'aria-busy': 'true' });
  const buttons = periods.map((p) => h('button', {
    type: 'button', 'aria-pressed': String(p.hours === hours),
    onclick: () => {
      hours = p.hours;
      buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(periods[i].hours === hours)));
      load();
    },
  }, p.label));
  const draw = latestOnly(() => fetchStats(ruleId, hours), (stats) => {
    heading.textContent = `Attempts per hour: ${periodName(stats.hours).toLowerCase()}`;
    area.setAttribute('aria-busy', 'false');
    show(area, chartView(stats, shown));
  });
  const load = () => {
    area.setAttribute('aria-busy', 'true');
    return draw();
  };
  const section = h('section', { class: 'card chart-card', 'aria-labelledby': 'health-heading' },
    h('div', { class: 'chart-head' }, heading,
      h('div', { class: 'switch', role: 'group', 'aria-label': 'Period' }, buttons)),
    area);
  return { section, load };
}
