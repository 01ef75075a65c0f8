// The UI's files: served from the binary with a strict Content-Security-Policy,
// the right types, and only by nodes that serve the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, setup, startServer } from './helpers.mjs';

let s;
before(async () => { s = await setup(); });
after(async () => { await s.teardown(); });

test('the page and its files are served with their types and a strict policy', async () => {
  const page = await api(s.base, 'GET', '/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(page.buffer.toString(), /<script type="module" src="\/js\/app.js">/);
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  for (const [path, type] of [['/js/app.js', /^text\/javascript/], ['/js/views/rules.js', /^text\/javascript/],
    ['/app.css', /^text\/css/]]) {
    const res = await api(s.base, 'GET', path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type'), type, path);
    assert.ok(res.buffer.length > 100, path);
  }
  const missing = await api(s.base, 'GET', '/js/nope.js');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'not_found');
});

test('no page script is inline or loaded from elsewhere', async () => {
  const html = (await api(s.base, 'GET', '/')).buffer.toString();
  assert.doesNotMatch(html, /<script(?![^>]*src="\/)/);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
});

test('a worker-only node serves no UI', async () => {
  const worker = await startServer(s.db, ['--role', 'worker']);
  try {
    assert.equal((await api(worker.base, 'GET', '/')).status, 404);
    assert.equal((await api(worker.base, 'GET', '/healthz')).status, 200);
  } finally {
    await worker.stop();
  }
});
