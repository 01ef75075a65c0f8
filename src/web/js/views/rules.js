// Manage > Webhook Rules: the list as the help article shows it — Status
// (check mark / circle-backslash), Title, Trigger, URL behind a question
// mark; sort by any header, Filter:, Excel, Create New, Edit, Delete on
// disabled rows, and the authentication key (and the Ed25519 public key)
// at the bottom right.
import { api, query } from '../api.js';
import { h, latestOnly, show, toast } from '../dom.js';
import { session } from '../session.js';

const columns = [
  { key: 'status', label: 'Status' },
  { key: 'title', label: 'Title' },
  { key: 'trigger', label: 'Trigger' },
  { key: 'url', label: 'URL' },
];

// Kept while the page is open, so coming back from Edit keeps the view.
const state = { filter: '', sort: 'title', order: 'asc' };

export async function rulesView() {
  const main = document.getElementById('main');
  if (!session.webhooksEnabled) {
    show(main, h('h1', {}, 'Webhook Rules'),
      h('p', {}, 'Webhooks are not enabled. ', h('a', { href: '#/settings/integrations' },
        'Enable them in Settings > Integrations'), '.'));
    return;
  }
  const body = h('tbody');
  const head = h('tr');
  const count = h('span', { class: 'hint' });
  const key = h('code', { class: 'key' });
  // Shown while the organization also signs with Ed25519 (v1a).
  const publicKey = h('code', { class: 'key' });
  const publicKeyLine = h('p', { class: 'key-line', hidden: true }, 'Ed25519 public key: ', publicKey);
  const excel = h('a', { class: 'button', download: 'webhook-rules.xlsx' }, 'Excel');
  const filter = h('input', { type: 'search', id: 'rules-filter', value: state.filter });
  let timer = null;
  filter.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.filter = filter.value;
      load();
    }, 150);
  });

  function renderHead() {
    show(head, columns.map((c) => {
      const sorted = state.sort === c.key;
      const order = sorted ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none';
      // The cell takes the click (the button's own click bubbles up to it),
      // so a click anywhere in the header sorts; the button is for the keyboard.
      return h('th', {
        scope: 'col', 'aria-sort': order, class: 'sortable',
        onclick: () => {
          state.order = sorted && state.order === 'asc' ? 'desc' : 'asc';
          state.sort = c.key;
          load();
        },
      },
        h('button', { type: 'button', class: 'sort' }, c.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, sorted ? (state.order === 'asc' ? ' ▲' : ' ▼') : '')));
    }), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')));
  }

  // aria-busy while a load is on its way; only the latest load is shown, so
  // quick typing in Filter: cannot leave an older answer on screen.
  const table = h('table', { class: 'list', 'aria-busy': 'true' }, h('thead', {}, head), body);
  const params = () => ({ filter: state.filter, sort: state.sort, order: state.order });
  const fetchList = async () => {
    table.setAttribute('aria-busy', 'true');
    return { list: await api('GET', `/api/webhook-rules${query(params())}`), shown: params() };
  };
  const load = latestOnly(fetchList, ({ list, shown }) => {
    table.setAttribute('aria-busy', 'false');
    renderHead();
    excel.href = `/api/webhook-rules/export.xlsx${query(shown)}`;
    key.textContent = list.authentication_key;
    publicKey.textContent = list.public_key ?? '';
    publicKeyLine.hidden = !list.public_key;
    count.textContent = `${list.total} ${list.total === 1 ? 'rule' : 'rules'}`;
    show(body, list.records.length ? list.records.map(row)
      : h('tr', {}, h('td', { colspan: 5 }, shown.filter ? 'No rule matches the filter.' : 'No webhook rules yet.')));
  });

  function row(rule) {
    const toggle = h('button', {
      type: 'button',
      class: rule.enabled ? 'status on' : 'status off',
      'aria-label': rule.enabled ? `Enabled: disable ${rule.title}` : `Disabled: enable ${rule.title}`,
      title: rule.enabled ? 'Enabled (click to disable)' : 'Disabled (click to enable)',
      onclick: () => setEnabled(rule, !rule.enabled),
    }, rule.enabled ? '✓' : '⊘');
    const url = h('span', { class: 'url-hint', tabindex: '0', 'aria-label': `URL: ${rule.url}` },
      h('span', { class: 'qmark', 'aria-hidden': 'true' }, '?'),
      h('span', { class: 'tooltip', role: 'tooltip' }, rule.url));
    const actions = [
      h('a', { href: `#/webhook-rules/${rule.id}/edit`, class: 'button small' }, 'Edit'),
      h('a', { href: `#/webhook-rules/${rule.id}/deliveries`, class: 'button small' }, 'Deliveries'),
      rule.enabled ? null : h('button', { type: 'button', class: 'small danger', onclick: () => remove(rule) }, 'Delete'),
    ];
    return h('tr', { 'data-rule-id': rule.id },
      h('td', {}, toggle, rule.disabled_reason ? h('span', { class: 'hint block' }, rule.disabled_reason) : null),
      h('td', {}, rule.title),
      h('td', {}, rule.trigger.name),
      h('td', {}, url),
      h('td', { class: 'row-actions' }, actions));
  }

  async function setEnabled(rule, enabled) {
    try {
      await api('PUT', `/api/webhook-rules/${rule.id}`, {
        title: rule.title, enabled, url: rule.url, trigger: rule.trigger.id,
        creation_rules: rule.creation_rules,
      });
      toast(enabled ? `“${rule.title}” enabled.` : `“${rule.title}” disabled.`);
      await load();
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  async function remove(rule) {
    if (!confirm(`Delete the webhook rule “${rule.title}”? Deleted webhooks cannot be recovered.`)) return;
    try {
      await api('DELETE', `/api/webhook-rules/${rule.id}`);
      toast(`Webhook rule “${rule.title}” deleted.`);
      await load();
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  show(main,
    h('div', { class: 'title-bar' }, h('h1', {}, 'Webhook Rules'),
      h('a', { href: '#/webhook-rules/new', class: 'button primary' }, 'Create New')),
    h('div', { class: 'toolbar' },
      h('div', { class: 'inline-field' }, h('label', { for: 'rules-filter' }, 'Filter:'), filter),
      excel, count),
    h('div', { class: 'table-wrap' }, table),
    h('p', { class: 'key-line' }, 'Webhook authentication key: ', key),
    publicKeyLine);
  await load();
}
