// The single page: who is signed in, the left-hand menu (Leads, and for
// Admins the Manage menu), and the hash routes that pick a screen.
import { api, setCsrfToken, whenSignedOut } from './api.js';
import { h, show } from './dom.js';
import { onSessionChange, refreshWebhooksEnabled, session, setUser } from './session.js';
import { loginView } from './views/login.js';
import { leadListView, leadNewView, leadView } from './views/leads.js';
import { settingsView } from './views/settings.js';
import { rulesView } from './views/rules.js';
import { ruleFormView } from './views/rule_form.js';
import { deliveriesView } from './views/deliveries.js';

const routes = [
  [/^#\/leads\/new$/, () => leadNewView()],
  [/^#\/leads\/(\d+)$/, (m) => leadView(Number(m[1]))],
  [/^#\/leads$/, () => leadListView()],
  [/^#\/settings\/integrations$/, () => adminOnly(settingsView)],
  [/^#\/webhook-rules$/, () => adminOnly(rulesView)],
  [/^#\/webhook-rules\/new$/, () => adminOnly(() => ruleFormView(null))],
  [/^#\/webhook-rules\/(\d+)\/edit$/, (m) => adminOnly(() => ruleFormView(Number(m[1])))],
  [/^#\/webhook-rules\/(\d+)\/deliveries$/, (m) => adminOnly(() => deliveriesView(Number(m[1])))],
];

const main = () => document.getElementById('main');

function adminOnly(view) {
  if (session.user && session.user.role === 'admin') return view();
  show(main(), h('h1', {}, 'Not available'),
    h('p', {}, 'Only an Admin of your organization can manage settings and webhooks.'));
}

onSessionChange(() => {
  if (session.user) renderMenu();
});

let menuKeys = () => {};
document.addEventListener('keydown', (e) => menuKeys(e));

function renderMenu() {
  const menu = document.getElementById('menu');
  const items = [h('a', { href: '#/leads' }, 'Leads')];
  if (session.user.role === 'admin') {
    const list = h('ul', { id: 'manage-menu', class: 'dropdown', hidden: true },
      h('li', {}, h('a', { href: '#/settings/integrations' }, 'Settings')),
      session.webhooksEnabled ? h('li', {}, h('a', { href: '#/webhook-rules' }, 'Webhook Rules')) : null);
    const button = h('button', {
      type: 'button', class: 'menu-button', 'aria-expanded': 'false', 'aria-controls': 'manage-menu',
      onclick: () => {
        const open = list.hidden;
        list.hidden = !open;
        button.setAttribute('aria-expanded', String(open));
      },
    }, 'Manage', h('span', { class: 'caret', 'aria-hidden': 'true' }, ' ▾'));
    const close = () => {
      list.hidden = true;
      button.setAttribute('aria-expanded', 'false');
    };
    list.addEventListener('click', (e) => {
      if (e.target.closest('a')) close();
    });
    // Escape closes the menu and gives the focus back to its button.
    menuKeys = (e) => {
      if (e.key === 'Escape' && !list.hidden) {
        close();
        button.focus();
      }
    };
    items.push(h('div', { class: 'manage' }, button, list));
  }
  show(menu, items);
  menu.hidden = false;
  for (const a of menu.querySelectorAll('a')) {
    if (location.hash.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
  }
}

function route() {
  if (!session.user) return loginView(signedIn);
  const hash = location.hash || '#/leads';
  renderMenu();
  for (const [pattern, view] of routes) {
    const m = hash.match(pattern);
    if (m) {
      Promise.resolve(view(m)).catch(showError);
      return;
    }
  }
  location.hash = '#/leads';
}

function showError(e) {
  show(main(), h('h1', {}, 'Something went wrong'), h('p', { class: 'error' }, e.message));
}

async function signedIn(sessionAnswer) {
  setCsrfToken(sessionAnswer.csrf_token);
  setUser(sessionAnswer.user);
  document.getElementById('who').textContent = `${session.user.name} (${session.user.role === 'admin' ? 'Admin' : 'User'})`;
  document.getElementById('logout').hidden = false;
  await refreshWebhooksEnabled();
  if (!location.hash || location.hash === '#/login') location.hash = '#/leads';
  else route();
}

function signedOut() {
  setUser(null);
  setCsrfToken(null);
  document.getElementById('who').textContent = '';
  document.getElementById('logout').hidden = true;
  document.getElementById('menu').hidden = true;
  loginView(signedIn);
}

async function start() {
  whenSignedOut(signedOut);
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await api('DELETE', '/api/session');
    } finally {
      signedOut();
    }
  });
  window.addEventListener('hashchange', route);
  try {
    await signedIn(await api('GET', '/api/session'));
  } catch {
    signedOut();
  }
}

start();
