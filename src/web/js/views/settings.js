// Manage > Settings > Integrations > Webhooks: "Enable Webhooks" Yes/No,
// saved by the Save button at the bottom of the page; the authentication key
// and its rotation live here too, the Ed25519 signing choice with its public
// key, the addresses told when a rule stops working ("Notify by email"), and
// the client certificate (client_certificate.js).
import { api } from '../api.js';
import { action, clearFieldErrors, field, h, select, show, showFieldErrors, toast, when } from '../dom.js';
import { refreshWebhooksEnabled } from '../session.js';
import { clientCertificateSection } from './client_certificate.js';

const MAX_NOTIFY = 10;

// A Copy button for a key shown in `code`. The clipboard API needs a secure
// page (https or localhost); served over plain http on a firm's network it
// is missing, so the key is selected and copied the old way instead.
function copyButton(code, what) {
  return h('button', { type: 'button', class: 'small', 'aria-label': `Copy the ${what}`, onclick: action(async () => {
    const text = code.textContent;
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      window.getSelection().selectAllChildren(code);
      copied = document.execCommand('copy');
    }
    toast(copied ? `The ${what} was copied.` : `The ${what} is selected: press Ctrl+C (⌘C) to copy it.`);
  }) }, 'Copy');
}

// The addresses as typed: one per line (commas and semicolons also separate
// them, as pasted from a mail program); blank lines dropped. Spaces do not
// split: "Jane Doe" is one wrong address, named as such by the server.
const addresses = (text) => text.split(/[\n,;]+/).map((a) => a.trim()).filter(Boolean);

export async function settingsView() {
  const settings = await api('GET', '/api/settings/webhooks');
  const enabled = field('Enable Webhooks',
    select([{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }], settings.enabled ? 'yes' : 'no'));
  const signing = field('Signatures',
    select([{ value: 'hmac', label: 'HMAC (v1)' }, { value: 'hmac+ed25519', label: 'HMAC and Ed25519 (v1 and v1a)' }],
      settings.signing));
  const publicKey = h('code', { class: 'key', id: 'public-key' });
  const previousPublic = h('p', { class: 'hint' });
  const publicKeyField = h('div', { class: 'field' }, h('span', { class: 'label' }, 'Ed25519 public key'),
    h('div', { class: 'key-row' }, publicKey, copyButton(publicKey, 'public key')), previousPublic,
    h('p', { class: 'hint' }, 'Receivers verify v1a signatures with this key; it cannot sign. Rotate key makes a new pair too.'));
  // Until saved, the choice has not changed what is sent: say what Save will do.
  const signingHint = h('p', { class: 'hint', 'aria-live': 'polite' });
  signing.wrap.append(signingHint);
  const syncSigningHint = () => {
    const wantsEd25519 = signing.control.value === 'hmac+ed25519';
    signingHint.textContent = wantsEd25519 && publicKeyField.hidden
      ? 'Save to start signing with Ed25519 too; its public key then shows here.'
      : !wantsEd25519 && !publicKeyField.hidden
        ? 'Save to stop signing with Ed25519 (the key pair is kept for when it is turned on again).'
        : '';
  };
  signing.control.addEventListener('change', syncSigningHint);
  const showPublic = (s) => {
    publicKeyField.hidden = !s.public_key;
    publicKey.textContent = s.public_key ?? '';
    previousPublic.textContent = s.previous_public_key ? `Previous public key (also signing until ${when(s.previous_key_valid_until)}): ${s.previous_public_key}` : '';
    syncSigningHint();
  };
  showPublic(settings);

  // Told when Leadwire disables a rule, or a rule has failed for an hour.
  const notify = field('Notify by email', h('textarea', { rows: 4, spellcheck: 'false', autocomplete: 'off',
    class: 'emails', placeholder: 'intake-lead@yourfirm.com' }),
  `Up to ${MAX_NOTIFY} addresses, one per line. Each gets an email when Leadwire disables a rule, or when a rule's webhooks have failed for an hour (at most one a day per rule), with a link to its deliveries.`);
  const noMail = h('p', { class: 'notice', role: 'note' },
    'No mail server is configured (serve --smtp-url), so no email is sent.');
  notify.wrap.append(noMail);
  // An answer without these fields (an older server) reads as none, no mail server.
  const showNotify = (s) => {
    notify.control.value = (s.notify_emails ?? []).join('\n');
    noMail.hidden = Boolean(s.smtp_configured);
  };
  showNotify(settings);

  const key = h('code', { class: 'key', id: 'authentication-key' }, settings.authentication_key);
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
    h('div', { class: 'field' }, h('span', { class: 'label' }, 'Authentication key'),
      h('div', { class: 'key-row' }, key, copyButton(key, 'authentication key')), previous, rotate),
    signing.wrap, publicKeyField, notify.wrap,
    clientCertificateSection(settings.client_certificate));
  const toggle = h('button', {
    type: 'button', class: 'disclosure', 'aria-expanded': 'false', 'aria-controls': 'webhooks-section',
    onclick: () => {
      content.hidden = !content.hidden;
      toggle.setAttribute('aria-expanded', String(!content.hidden));
    },
  }, 'Webhooks');
  const section = h('section', { class: 'section' }, h('h2', {}, toggle), content);
  const formError = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', novalidate: true }, section, formError,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const errors = { enabled, signing, notify_emails: notify };
    clearFieldErrors(errors, formError);
    try {
      const saved = await api('PUT', '/api/settings/webhooks', {
        enabled: enabled.control.value === 'yes', signing: signing.control.value,
        notify_emails: addresses(notify.control.value),
      });
      showPublic(saved);
      showNotify(saved);  // as the server keeps them: trimmed, without repeats
      await refreshWebhooksEnabled();
      toast('Settings saved.');
    } catch (err) {
      if (err.status !== 422) {
        toast(err.message, 'error');
        return;
      }
      // The section may be folded: open it so the message can be seen.
      if (content.hidden) toggle.click();
      showFieldErrors(err, errors, formError);
    }
  });
  show(document.getElementById('main'),
    h('h1', {}, 'Settings'),
    h('nav', { class: 'tabs', 'aria-label': 'Settings menu' },
      h('a', { href: '#/settings/integrations', 'aria-current': 'page' }, 'Integrations')),
    form);
}
