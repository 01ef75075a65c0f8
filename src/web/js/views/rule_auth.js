// The rule form's Authentication section: None / Basic / Bearer token /
// OAuth2 client credentials, and up to 10 headers of the rule's own.
// Secrets are write-only: a saved one shows as "•••• (kept)" and, left
// empty, is kept by the server; typing replaces it.
import { field, h, select } from '../dom.js';

const KINDS = [
  { value: 'none', label: 'None' },
  { value: 'basic', label: 'Basic (user name and password)' },
  { value: 'bearer', label: 'Bearer token' },
  { value: 'oauth2_client_credentials', label: 'OAuth2 client credentials' },
];
const MAX_HEADERS = 10;
const MASK = '••••';
const KEPT = '•••• (kept; type to replace)';

// rule: the rule read back (or null). Returns {section, body(), errors}:
// body() gives {auth, headers} for the request, errors maps the API's field
// names (auth.*, headers, headers.NAME) to fields for their messages.
export function authSection(rule) {
  const saved = (rule && rule.auth) || { type: 'none' };
  const secret = (label, isSet, hint) => field(label,
    h('input', { type: 'password', autocomplete: 'new-password', placeholder: isSet ? KEPT : '' }), hint);
  const kind = field('Authentication', select(KINDS, saved.type));
  const username = field('User name', h('input', { type: 'text', autocomplete: 'off', value: saved.username || '' }));
  const password = secret('Password', saved.password_set);
  const token = secret('Token', saved.token_set, 'Sent as "Authorization: Bearer …".');
  const tokenUrl = field('Token URL', h('input', { type: 'url', placeholder: 'https://auth.example.com/oauth/token', value: saved.token_url || '' }),
    'Leadwire asks it for a token (client credentials grant) and sends the token with each webhook.');
  const clientId = field('Client ID', h('input', { type: 'text', autocomplete: 'off', value: saved.client_id || '' }));
  const clientSecret = secret('Client secret', saved.client_secret_set);
  const scope = field('Scope', h('input', { type: 'text', value: saved.scope || '' }), 'Optional; as the receiver documents it.');
  const groups = {
    basic: [username, password],
    bearer: [token],
    oauth2_client_credentials: [tokenUrl, clientId, clientSecret, scope],
  };
  const sync = () => {
    for (const [type, fields] of Object.entries(groups))
      for (const f of fields) f.wrap.hidden = kind.control.value !== type;
  };
  kind.control.addEventListener('change', sync);
  sync();

  // Header rows: name and value; a saved value shows masked and is kept.
  const rows = [];
  const list = h('div', { class: 'header-rows' });
  const headersError = h('span', { class: 'field-error', role: 'alert' });
  const add = h('button', { type: 'button', class: 'small', onclick: () => addRow('', false) }, 'Add header');
  function addRow(name, isSet) {
    const n = rows.length + 1;
    const nameInput = h('input', { type: 'text', autocomplete: 'off', value: name, placeholder: 'X-Api-Key', 'aria-label': `Header ${n} name` });
    const valueInput = h('input', { type: 'password', autocomplete: 'new-password', placeholder: isSet ? KEPT : 'value', 'aria-label': `Header ${n} value` });
    const error = h('span', { class: 'field-error' });
    const row = { nameInput, valueInput, isSet, error };
    for (const input of [nameInput, valueInput]) input.addEventListener('input', () => { error.textContent = ''; });
    row.el = h('div', { class: 'header-row' }, nameInput, valueInput,
      h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove header ${n}`, onclick: () => {
        rows.splice(rows.indexOf(row), 1);
        row.el.remove();
        add.disabled = rows.length >= MAX_HEADERS;
      } }, 'Remove'), error);
    rows.push(row);
    list.append(row.el);
    add.disabled = rows.length >= MAX_HEADERS;
    if (!name) nameInput.focus();
  }
  for (const name of Object.keys((rule && rule.headers) || {})) addRow(name, true);

  const section = h('fieldset', { class: 'section' }, h('legend', {}, 'Authentication'),
    h('p', { class: 'hint' }, 'How the receiver knows the webhook is yours, besides the signature: what its documentation asks for.'),
    kind.wrap, username.wrap, password.wrap, token.wrap, tokenUrl.wrap, clientId.wrap, clientSecret.wrap, scope.wrap,
    h('div', { class: 'field' }, h('span', { class: 'label' }, 'Headers'),
      h('span', { class: 'hint' }, `Sent with every webhook of this rule (at most ${MAX_HEADERS}), e.g. an API key.`),
      list, add, headersError));

  const errors = {
    'auth.type': kind, 'auth.username': username, 'auth.password': password, 'auth.token': token,
    'auth.token_url': tokenUrl, 'auth.client_id': clientId, 'auth.client_secret': clientSecret, 'auth.scope': scope,
    auth: kind, headers: { error: headersError },
  };
  // A 422 on "headers.NAME" goes beside that row (the names as sent).
  const rowErrors = () => Object.fromEntries(rows.map((r) => [`headers.${r.nameInput.value.trim()}`, r]));

  function body() {
    const type = kind.control.value;
    const auth = { type };
    // A secret left empty is left out: the server keeps the one it has.
    const put = (key, f) => { if (f.control.value) auth[key] = f.control.value; };
    if (type === 'basic') {
      auth.username = username.control.value.trim();
      put('password', password);
      // None kept: an empty box is an empty password (an API key as the user name).
      if (!('password' in auth) && !(saved.type === 'basic' && saved.password_set)) auth.password = '';
    }
    if (type === 'bearer') put('token', token);
    if (type === 'oauth2_client_credentials') {
      auth.token_url = tokenUrl.control.value.trim();
      auth.client_id = clientId.control.value.trim();
      auth.scope = scope.control.value.trim();
      put('client_secret', clientSecret);
    }
    const headers = {};
    for (const r of rows) {
      const name = r.nameInput.value.trim();
      if (!name) continue;
      // A saved header keeps its value unless one is typed (renamed, it is a
      // new header: the server asks for its value).
      headers[name] = r.valueInput.value || (r.isSet ? MASK : '');
    }
    return { auth, headers };
  }
  return { section, body, errors, rowErrors };
}
