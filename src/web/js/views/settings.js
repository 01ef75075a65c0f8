// Manage > Settings > Integrations > Webhooks: "Enable Webhooks" Yes/No,
// saved by the Save button at the bottom of the page; the authentication key
// and its rotation live here too, the Ed25519 signing choice with its public
// key, and the client certificate
// (client_certificate.js).
import { api } from '../api.js';
import { action, field, h, select, show, toast, when } from '../dom.js';
import { refreshWebhooksEnabled } from '../session.js';
import { clientCertificateSection } from './client_certificate.js';

export async function settingsView() {
  const settings = await api('GET', '/api/settings/webhooks');
  const enabled = field('Enable Webhooks',
    select([{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }], settings.enabled ? 'yes' : 'no'));
  const signing = field('Signatures',
    select([{ value: 'hmac', label: 'HMAC (v1)' }, { value: 'hmac+ed25519', label: 'HMAC and Ed25519 (v1 and v1a)' }],
      settings.signing));
  const publicKey = h('code', { class: 'key' });
  const previousPublic = h('p', { class: 'hint' });
  const publicKeyField = h('div', { class: 'field' }, h('span', { class: 'label' }, 'Ed25519 public key'),
    publicKey, previousPublic,
    h('p', { class: 'hint' }, 'Receivers verify v1a signatures with this key; it cannot sign. Rotate key makes a new pair too.'));
  const showPublic = (s) => {
    publicKeyField.hidden = !s.public_key;
    publicKey.textContent = s.public_key ?? '';
    previousPublic.textContent = s.previous_public_key ? `Previous public key (also signing until ${when(s.previous_key_valid_until)}): ${s.previous_public_key}` : '';
  };
  showPublic(settings);
  const key = h('code', { class: 'key' }, settings.authentication_key);
  const previous = h('p', { class: 'hint' });
  const showPrevious = (until) => {
    previous.textContent = until ? `The previous key also signs until ${when(until)}.` : '';
  };
  showPrevious(settings.previous_key_valid_until);
  const rotate = h('button', {
    type: 'button',
    onclick: action(async () => {
      if (!confirm('Make a new authentication key? The current one keeps signing for 24 hours.')) return;
      const answer = await api('POST', '/api/settings/webhooks/rotate-key');
      key.textContent = answer.authentication_key;
      showPrevious(answer.previous_key_valid_until);
      showPublic(answer);
      toast('A new authentication key was made.');
    }),
  }, 'Rotate key');
  // As in the help article: select Webhooks to expand the section.
  const content = h('div', { id: 'webhooks-section', hidden: true }, enabled.wrap,
    h('div', { class: 'field' }, h('span', { class: 'label' }, 'Authentication key'), key, previous, rotate),
    signing.wrap, publicKeyField,
    clientCertificateSection(settings.client_certificate));
  const toggle = h('button', {
    type: 'button', class: 'disclosure', 'aria-expanded': 'false', 'aria-controls': 'webhooks-section',
    onclick: () => {
      content.hidden = !content.hidden;
      toggle.setAttribute('aria-expanded', String(!content.hidden));
    },
  }, 'Webhooks');
  const section = h('section', { class: 'section' }, h('h2', {}, toggle), content);
  const form = h('form', { class: 'card' }, section,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const saved = await api('PUT', '/api/settings/webhooks',
        { enabled: enabled.control.value === 'yes', signing: signing.control.value });
      showPublic(saved);
      await refreshWebhooksEnabled();
      toast('Settings saved.');
    } catch (err) {
      toast(err.message, 'error');
    }
  });
  show(document.getElementById('main'),
    h('h1', {}, 'Settings'),
    h('nav', { class: 'tabs', 'aria-label': 'Settings menu' },
      h('a', { href: '#/settings/integrations', 'aria-current': 'page' }, 'Integrations')),
    form);
}
