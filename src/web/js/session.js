// Who is signed in and whether webhooks are on: what every screen may read.
// Screens change it through here; the app listens to redraw the menu, so no
// screen needs to import the app (and the app's imports stay one-way).
import { api } from './api.js';

export const session = { user: null, webhooksEnabled: false };

const listeners = [];

// fn() runs after every change made through this module.
export function onSessionChange(fn) {
  listeners.push(fn);
}

export function setUser(user) {
  session.user = user;
  if (!user) session.webhooksEnabled = false;
  for (const fn of listeners) fn();
}

export async function refreshWebhooksEnabled() {
  if (!session.user || session.user.role !== 'admin') return;
  const settings = await api('GET', '/api/settings/webhooks');
  session.webhooksEnabled = settings.enabled;
  for (const fn of listeners) fn();
}
