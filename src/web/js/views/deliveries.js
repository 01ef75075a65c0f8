// A rule's deliveries: each webhook sent (or waiting), every attempt with its
// HTTP status, duration, error and the start of the answer; Redeliver, Send
// test event, and why the rule was disabled if the system did it.
import { api, query } from '../api.js';
import { action, h, latestOnly, select, show, toast, when } from '../dom.js';

export async function deliveriesView(ruleId) {
  const rule = await api('GET', `/api/webhook-rules/${ruleId}`);
  // Every status the API filters by.
  const status = select(['pending', 'delivered', 'failed', 'cancelled'], '', { blank: 'All' });
  status.id = 'delivery-status';
  const body = h('div', { class: 'deliveries' });
  const opened = new Set();  // deliveries whose attempts are unfolded, kept across reloads

  // Only the newest answer is shown (the status filter may change meanwhile).
  const load = latestOnly(
    () => api('GET', `/api/webhook-rules/${ruleId}/deliveries${query({ status: status.value })}`),
    (list) => show(body, list.records.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['Webhook id', 'Event', 'Status', 'Attempts', 'Last answer', 'Next attempt', ''].map(
        (label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, list.records.map(row)))) : h('p', {}, 'No deliveries yet.')));

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
          setTimeout(load, 500);
        }),
      }, 'Redeliver'))),
    h('tr', { class: 'attempts-row' }, h('td', { colspan: 7 }, attempts))];
  }

  status.addEventListener('change', () => load());
  show(document.getElementById('main'),
    h('div', { class: 'title-bar' }, h('h1', {}, `Deliveries: ${rule.title}`),
      h('button', {
        type: 'button', class: 'primary',
        onclick: action(async () => {
          await api('POST', `/api/webhook-rules/${ruleId}/test`);
          toast('Test event queued.');
          setTimeout(load, 500);
        }),
      }, 'Send test event')),
    h('p', {}, h('a', { href: '#/webhook-rules' }, '← Webhook Rules'), ' · ', rule.trigger.name, ' → ',
      h('code', {}, rule.url), rule.enabled ? '' : ' · disabled',
      rule.ordered ? ' · in order for each lead' : ''),
    rule.disabled_reason ? h('p', { class: 'notice', role: 'note' }, rule.disabled_reason) : null,
    h('div', { class: 'toolbar' },
      h('div', { class: 'inline-field' }, h('label', { for: 'delivery-status' }, 'Status'), status),
      h('button', { type: 'button', onclick: () => load() }, 'Refresh')),
    body);
  await load();
}
