// Log in: email and password → the session cookie (HttpOnly, set by the
// server) and the CSRF token for later changes.
import { api } from '../api.js';
import { field, h, show } from '../dom.js';

export function loginView(onSignedIn) {
  const email = field('Email', h('input', { type: 'email', autocomplete: 'username', required: true }));
  const password = field('Password',
    h('input', { type: 'password', autocomplete: 'current-password', required: true }));
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card narrow' },
    h('h1', {}, 'Log in to Leadwire'), email.wrap, password.wrap, message,
    h('button', { type: 'submit', class: 'primary' }, 'Log in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.textContent = '';
    try {
      const answer = await api('POST', '/api/session',
        { email: email.control.value, password: password.control.value });
      await onSignedIn(answer);
    } catch (err) {
      message.textContent = err.status === 401 ? 'That email and password do not match.' : err.message;
    }
  });
  show(document.getElementById('main'), form);
  email.control.focus();
}
