// "Why did this webhook (not) fire?": on a lead's page, a Webhooks panel
// (Admins) with a ✓ or ✗ per rule, the failing condition in plain words, and
// the deliveries of the lead's events linked to their rule's Deliveries view.
// The rule form's dry run shows one verdict the same way (verdictView).
import { api } from '../api.js';
import { h, latestOnly, show, when } from '../dom.js';

// One rule's verdict as GET /api/leads/{id}/webhooks gives it (without the rule).
export function verdictView(v, title) {
  const conditions = v.conditions.length
    ? h('ul', { class: 'conditions' }, v.conditions.map((c) => h('li', { class: c.pass ? 'pass' : 'fail' },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, c.pass ? '✓' : '✗'),
      h('span', { class: 'sr-only' }, c.pass ? 'Holds: ' : 'Fails: '), c.message)))
    : null;
  return h('div', { class: `verdict ${v.fires ? 'fires' : 'stopped'}` },
    h('p', { class: 'verdict-head' },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, v.fires ? '✓' : '✗'),
      h('span', { class: 'sr-only' }, v.fires ? 'Fires: ' : 'Does not fire: '),
      title ? h('strong', {}, title) : null, title ? ' ' : null,
      h('span', { class: 'hint' }, v.trigger.name)),
    h('p', { class: 'explanation' }, v.explanation),
    conditions);
}

function deliveriesTable(deliveries, rulesById) {
  if (!deliveries.records.length) return h('p', { class: 'hint' }, "No webhooks were sent for this lead's events.");
  const rows = deliveries.records.map((d) => {
    const rule = rulesById.get(d.rule_id);
    const last = d.attempts.length ? d.attempts[d.attempts.length - 1] : null;
    return h('tr', {},
      h('td', {}, d.event),
      h('td', {}, rule ? h('a', { href: `#/webhook-rules/${d.rule_id}/deliveries` }, rule.title) : 'A deleted rule'),
      h('td', {}, h('span', { class: `badge ${d.status}` }, d.status)),
      h('td', {}, String(d.attempt_count)),
      h('td', {}, !last ? '' : last.http_status ? `HTTP ${last.http_status}` : (last.error || '')),
      h('td', {}, when(d.created_at)));
  });
  const more = deliveries.total > deliveries.records.length
    ? h('p', { class: 'hint' }, `The newest ${deliveries.records.length} of ${deliveries.total}; each rule's Deliveries view has the rest.`)
    : null;
  return [h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'lead-deliveries' },
    h('thead', {}, h('tr', {}, ['Event', 'Rule', 'Status', 'Attempts', 'Last answer', 'Created'].map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, rows))), more];
}

// The panel and a reload() to call after anything on the page changed the lead.
export function leadWebhooksPanel(leadId) {
  const body = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const el = h('section', { class: 'card', id: 'lead-webhooks', 'aria-labelledby': 'webhooks-heading' },
    h('h2', { id: 'webhooks-heading' }, 'Webhooks'), body);
  const reload = latestOnly(() => api('GET', `/api/leads/${leadId}/webhooks`), (report) => {
    const rulesById = new Map(report.rules.map((r) => [r.rule.id, r.rule]));
    show(body,
      report.webhooks_enabled ? null
        : h('p', { class: 'notice' }, 'Webhooks are turned off for this organization (Settings → Webhooks): no rule fires.'),
      h('p', { class: 'hint' }, 'Whether each rule fires for this lead as it is now.'),
      report.rules.length
        ? h('ul', { class: 'verdicts' }, report.rules.map((r) => h('li', {}, verdictView(r, r.rule.title))))
        : h('p', {}, 'No webhook rules yet.'),
      h('h3', {}, "Webhooks sent for this lead's events"),
      deliveriesTable(report.deliveries, rulesById));
  });
  return { el, reload };
}
