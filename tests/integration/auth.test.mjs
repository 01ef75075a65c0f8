// §2 auth: bearer tokens (stored hashed), login sessions with HttpOnly
// SameSite=Strict cookies and CSRF tokens, roles, and login throttling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, api, addUser, sql } from './helpers.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env.teardown(); });

test('no token, a malformed header or a wrong token answers 401', async () => {
  for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer lw_wrong' }]) {
    const res = await api(env.base, 'GET', '/api/lookups', { headers });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, 'unauthorized');
  }
});

test('tokens are stored only as SHA-256 hashes', async () => {
  const rows = sql(env.path, 'SELECT token_hash FROM api_tokens');
  assert.ok(rows.length >= 1);
  for (const r of rows) {
    assert.match(r.token_hash, /^[0-9a-f]{64}$/);
    assert.notEqual(r.token_hash, env.token);
  }
  const hashes = sql(env.path, 'SELECT password_hash FROM users');
  for (const h of hashes) assert.match(h.password_hash, /^\$argon2id\$/);
});

test('behind a TLS proxy (X-Forwarded-Proto: https) the session cookie is Secure', async () => {
  const login = await api(env.base, 'POST', '/api/session', {
    body: { email: env.adminEmail, password: 'correct horse battery' },
    headers: { 'x-forwarded-proto': 'https' } });
  assert.equal(login.status, 200);
  assert.match(login.headers.get('set-cookie'), /; Secure/);
});

test('login sets an HttpOnly SameSite=Strict cookie; state changes need the CSRF token', async () => {
  const login = await api(env.base, 'POST', '/api/session', {
    body: { email: env.adminEmail, password: 'correct horse battery' } });
  assert.equal(login.status, 200);
  const setCookie = login.headers.get('set-cookie');
  assert.match(setCookie, /lw_session=/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.doesNotMatch(setCookie, /Secure/);  // plain HTTP here: a Secure cookie would never come back
  const cookie = setCookie.split(';')[0];
  const csrf = login.json.csrf_token;
  assert.ok(csrf);
  assert.equal(login.json.user.role, 'admin');

  const me = await api(env.base, 'GET', '/api/session', { cookie });
  assert.equal(me.status, 200);
  assert.equal(me.json.user.email, env.adminEmail);

  // Reads work with the cookie alone; writes need X-CSRF-Token.
  assert.equal((await api(env.base, 'GET', '/api/lookups', { cookie })).status, 200);
  const noCsrf = await api(env.base, 'POST', '/api/offices', { cookie, body: { name: 'Harbor' } });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.json.error.code, 'csrf_failed');
  const wrongCsrf = await api(env.base, 'POST', '/api/offices', {
    cookie, body: { name: 'Harbor' }, headers: { 'x-csrf-token': 'nope' } });
  assert.equal(wrongCsrf.status, 403);
  const ok = await api(env.base, 'POST', '/api/offices', {
    cookie, body: { name: 'Harbor' }, headers: { 'x-csrf-token': csrf } });
  assert.equal(ok.status, 201);

  const logout = await api(env.base, 'DELETE', '/api/session', { cookie, headers: { 'x-csrf-token': csrf } });
  assert.equal(logout.status, 204);
  assert.match(logout.headers.get('set-cookie'), /Max-Age=0/);
  assert.equal((await api(env.base, 'GET', '/api/session', { cookie })).status, 401);
});

test('a wrong password answers 401, and repeated failures 429', async () => {
  addUser(env.db, env.admin.org_id, 'throttled@acme.test', 'user');
  for (let i = 0; i < 10; i++) {
    const res = await api(env.base, 'POST', '/api/session', {
      body: { email: 'throttled@acme.test', password: `wrong ${i}` } });
    assert.equal(res.status, 401);
  }
  const blocked = await api(env.base, 'POST', '/api/session', {
    body: { email: 'throttled@acme.test', password: 'user password 1' } });
  assert.equal(blocked.status, 429);
  assert.equal(blocked.json.error.code, 'too_many_requests');
  assert.equal(blocked.headers.get('retry-after'), '900', 'guesses are counted over 15 minutes');
});

test('login with missing fields answers 422', async () => {
  const res = await api(env.base, 'POST', '/api/session', { body: { email: '' } });
  assert.equal(res.status, 422);
  assert.ok(res.json.error.fields.email);
  assert.ok(res.json.error.fields.password);
});

test('a plain User gets 403 on Admin endpoints and may use intake endpoints', async () => {
  const user = addUser(env.db, env.admin.org_id, 'plain@acme.test', 'user');
  for (const [method, path, body] of [
    ['GET', '/api/settings/webhooks'],
    ['PUT', '/api/settings/webhooks', { enabled: true }],
    ['POST', '/api/settings/webhooks/rotate-key'],
    ['GET', '/api/webhook-triggers'],
    ['GET', '/api/webhook-rules'],
    ['POST', '/api/webhook-rules', { title: 't', url: 'https://example.com/h', trigger: 1 }],
    ['GET', '/api/webhook-rules/1'],
    ['PUT', '/api/webhook-rules/1', { title: 't', url: 'https://example.com/h', trigger: 1 }],
    ['DELETE', '/api/webhook-rules/1'],
    ['GET', '/api/webhook-rules/export.xlsx'],
    ['GET', '/api/audit-log'],
    ['POST', '/api/statuses', { name: 'X' }],
    ['POST', '/api/case-types', { name: 'X' }],
    ['POST', '/api/offices', { name: 'X' }],
    ['POST', '/api/marketing-sources', { name: 'X' }],
    ['POST', '/api/opportunity-sources', { name: 'X' }],
  ]) {
    const res = await api(env.base, method, path, { token: user.api_token, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.json.error.code, 'forbidden');
  }
  assert.equal((await api(env.base, 'GET', '/api/lookups', { token: user.api_token })).status, 200);
  const lead = await api(env.base, 'POST', '/api/leads', {
    token: user.api_token, body: { contact: { first_name: 'Pat' } } });
  assert.equal(lead.status, 201);
});
