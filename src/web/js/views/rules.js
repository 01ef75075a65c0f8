// Manage > Webhook Rules: the list as the help article shows it — Status
// (check mark / circle-backslash), Title, Trigger, URL behind a question
// mark; sort by any header, Filter:, Excel, Create New, Edit, Delete on
// disabled rows, and the authentication key (and the Ed25519 public key)
// at the bottom right. Each row has a bar of its last 24 hours (health.js),
// linked to its deliveries.
import { api, query } from '../api.js';
import { h, latestOnly, show, toast } from '../dom.js';
import { session } from '../session.js';
import { fetchStats, fillHealthLink, healthLink } from './health.js';

const columns = [
  { key: 'status', label: 'Status' },
  { key: 'title', label: 'Title' },
  { key: 'health', label: 'Last 24 h', unsorted: true },  // the bar: not a column the API sorts by
  { key: 'trigger', label: 'Trigger' },
  { key: 'url', label: 'URL' },
];

// Kept while the page is open, so coming back from Edit keeps the view.
const state = { filter: '', sort: 'title', order: 'asc' };

// The bars' stats. At most 4 requests at a time across every render of the
// list (a long list must not flood the server or hold up the list's own
// requests); a render drops the jobs older renders had not started. An
// answer is kept half a minute, and a request on its way is shared, so a
// sort or a filter redraws the bars without asking again.
const STATS_AT_ONCE = 4;
const STATS_KEPT_MS = 30_000;
const statsCache = new Map();  // rule id → {at, promise}
function stats24(ruleId) {
  const kept = statsCache.get(ruleId);
  if (kept && Date.now() - kept.at < STATS_KEPT_MS) return kept.promise;
  const promise = fetchStats(ruleId, 24);
  statsCache.set(ruleId, { at: Date.now(), promise });
  promise.catch(() => statsCache.delete(ruleId));
  return promise;
}
const statsJobs = [];
let statsActive = 0;
function runStatsJobs() {
  while (statsActive < STATS_AT_ONCE && statsJobs.length) {
    const job = statsJobs.shift();
    statsActive += 1;
    job().finally(() => {
      statsActive -= 1;
      runStatsJobs();
    });
  }
}

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
      if (c.unsorted) return h('th', { scope: 'col', class: `${c.key}-col` }, c.label);
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
  // Each render numbers itself; a bar's answer that comes back after a newer
  // render (a sort, a filter) is dropped, as are the jobs it had not started.
  let renders = 0;
  const load = latestOnly(fetchList, ({ list, shown }) => {
    const mine = ++renders;
    const bars = new Map();  // rule id → its bar's two links, in this render
    table.setAttribute('aria-busy', 'false');
    renderHead();
    excel.href = `/api/webhook-rules/export.xlsx${query(shown)}`;
    key.textContent = list.authentication_key;
    publicKey.textContent = list.public_key ?? '';
    publicKeyLine.hidden = !list.public_key;
    count.textContent = `${list.total} ${list.total === 1 ? 'rule' : 'rules'}`;
    show(body, list.records.length ? list.records.map((rule) => row(rule, bars))
      : h('tr', {}, h('td', { colspan: columns.length + 1 }, shown.filter ? 'No rule matches the filter.' : 'No webhook rules yet.')));
    // After the list is on screen: the list never waits for its bars.
    statsJobs.length = 0;
    for (const rule of list.records) {
      statsJobs.push(async () => {
        if (mine !== renders || !table.isConnected) return;  // redrawn, or another page
        try {
          const stats = await stats24(rule.id);
          if (mine === renders) for (const link of bars.get(rule.id)) fillHealthLink(link, stats);
        } catch {
          // The bar stays grey and says so; the list itself is fine.
          if (mine === renders) for (const link of bars.get(rule.id)) link.setAttribute('aria-label', 'Last 24 hours: not available');
        }
      });
    }
    runStatsJobs();
  });

  function row(rule, bars) {
    // The bar in its column, and a copy under the title that a phone shows
    // instead (its screen is too narrow for the column to be in sight).
    const bar = healthLink(rule.id, 'in-column');
    const barUnderTitle = healthLink(rule.id, 'under-title');
    bars.set(rule.id, [bar, barUnderTitle]);
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
      h('td', {}, rule.title, barUnderTitle),
      h('td', { class: 'health-col' }, bar),
      h('td', {}, rule.trigger.name),
      h('td', {}, url),
      // The buttons' flex box sits inside the cell: a cell that is itself a
      // flex box is no table cell, and its row's border comes out misaligned.
      h('td', {}, h('div', { class: 'row-actions' }, actions)));
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
