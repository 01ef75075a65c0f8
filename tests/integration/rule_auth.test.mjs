// §8 per-rule headers and authentication: what a rule may carry (422 per
// field otherwise, nothing changed), secrets write-only (masked on GET, kept
// by a PUT that leaves them out, never kept for another host), sealed at rest
// (the database file holds none), absent from the export and the audit log,
// and sent to a receiver that demands them — Basic, Bearer and an API key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { api, cleanup, freshDatabase, startServer, STORE } from './helpers.mjs';
import { poll, startReceiver } from './receiver.mjs';

const PASSWORD = 'pw-Sekr1t-horse-7741';
const API_KEY = 'key-9f2c1b7d-Sekr1t';
const TOKEN = 'tok-Sekr1t-b3a1e0';
let d, server, rx;
const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });
const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

before(async () => {
  rx = await startReceiver();
  // The receiver lets in only what carries the right credentials.
  rx.behave('/basic', (req, res) => {
    const ok = req.headers.authorization === basic('intake', PASSWORD) && req.headers['x-api-key'] === API_KEY;
    res.writeHead(ok ? 200 : 401); res.end(ok ? 'ok' : 'who are you?');
  });
  rx.behave('/bearer', (req, res) => {
    const ok = req.headers.authorization === `Bearer ${TOKEN}`;
    res.writeHead(ok ? 200 : 401); res.end(ok ? 'ok' : 'who are you?');
  });
  d = freshDatabase('Auth Law');
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  await call('PUT', '/api/settings/webhooks', { enabled: true });
});

after(async () => {
  await server?.stop();
  await rx?.close();
  if (d) cleanup(d.dir, d.db);
});

const rule = (over = {}) => ({ title: 'Case system', url: rx.url('/basic'), trigger: 'Lead Created', ...over });

// The deliveries of rule `id` once `n` are final (delivered or retrying).
async function deliveriesOf(id, n = 1) {
  return poll(async () => {
    const rows = (await call('GET', `/api/webhook-rules/${id}/deliveries`)).json.records;
    return rows.filter((r) => r.attempts?.length || r.status !== 'pending').length >= n && rows;
  }, 15000, `deliveries of rule ${id}`);
}
async function lastAttempt(id) {
  const rows = await deliveriesOf(id);
  const detail = (await call('GET', `/api/deliveries/${rows[0].id}`)).json;
  return detail.attempts.at(-1);
}
async function newLead(name) {
  assert.equal((await call('POST', '/api/leads', { contact: { first_name: name } })).status, 201);
}

test('headers and auth that cannot be sent are refused per field, and nothing is saved', async () => {
  const count = async () => (await call('GET', '/api/webhook-rules')).json.total;
  const before = await count();
  const cases = [
    [{ headers: { 'Content-Type': 'text/plain' } }, 'headers.Content-Type', /set by Leadwire/],
    [{ headers: { 'webhook-id': 'x' } }, 'headers.webhook-id', /signature header/],
    [{ headers: { 'X-Leadwire-Rule': 'x' } }, 'headers.X-Leadwire-Rule', /signature header/],
    [{ headers: { traceparent: 'x' } }, 'headers.traceparent', /set by Leadwire/],
    [{ headers: { 'Bad Name': 'x' } }, 'headers.Bad Name', /not a header name/],
    [{ headers: { 'X-Split': 'a\r\nInjected: yes' } }, 'headers.X-Split', /line breaks/],
    [{ headers: { 'X-Lf': 'a\nb' } }, 'headers.X-Lf', /line breaks/],
    [{ headers: { 'X-Nul': 'a\u0000b' } }, 'headers.X-Nul', /control characters/],
    [{ headers: { 'X-Empty': '  ' } }, 'headers.X-Empty', /must not be empty/],
    [{ headers: { 'X-Num': 5 } }, 'headers.X-Num', /must be a string/],
    [{ headers: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`X-H${i}`, 'v'])) }, 'headers', /at most 10/],
    [{ headers: { 'X-Masked': '••••' } }, 'headers.X-Masked', /has none/],
    [{ headers: ['X-A'] }, 'headers', /object/],
    [{ auth: { type: 'digest' } }, 'auth.type', /none, basic, bearer or oauth2_client_credentials/],
    [{ auth: { type: 'basic', username: 'a:b', password: 'x' } }, 'auth.username', /colon/],
    [{ auth: { type: 'basic', username: 'a' } }, 'auth.password', /required/],
    [{ auth: { type: 'bearer', token: 'has space' } }, 'auth.token', /printable ASCII/],
    [{ auth: { type: 'bearer' } }, 'auth.token', /required/],
    [{ auth: { type: 'oauth2_client_credentials', client_id: 'c', client_secret: 's' } }, 'auth.token_url', /required/],
    [{ auth: { type: 'oauth2_client_credentials', token_url: 'ftp://x', client_id: 'c', client_secret: 's' } }, 'auth.token_url', /http/],
    [{ auth: { type: 'bearer', token: 't' }, headers: { Authorization: 'Bearer other' } }, 'headers.Authorization', /clashes/],
    [{ auth: 'basic' }, 'auth', /object/],
  ];
  for (const [over, field, message] of cases) {
    const res = await call('POST', '/api/webhook-rules', rule(over));
    assert.equal(res.status, 422, `${field}: ${JSON.stringify(res.json)}`);
    assert.match(res.json.error.fields[field] ?? '', message, `${field}: ${JSON.stringify(res.json.error.fields)}`);
  }
  assert.equal(await count(), before);
});

test('secrets are write-only, kept by a PUT that leaves them out, and sent where they were given for', async () => {
  const made = await call('POST', '/api/webhook-rules', rule({
    headers: { 'X-Api-Key': API_KEY }, auth: { type: 'basic', username: 'intake', password: PASSWORD } }));
  assert.equal(made.status, 201, JSON.stringify(made.json));
  assert.deepEqual(made.json.headers, { 'X-Api-Key': '••••' });
  assert.deepEqual(made.json.auth, { type: 'basic', username: 'intake', password_set: true });
  const id = made.json.id;
  const listed = (await call('GET', '/api/webhook-rules')).json.records.find((r) => r.id === id);
  assert.deepEqual(listed.auth, made.json.auth);
  assert.ok(!JSON.stringify(listed).includes(PASSWORD) && !JSON.stringify(listed).includes(API_KEY));

  await newLead('Basic');
  await rx.until(() => rx.at('/basic').length >= 1, 15000, 'the webhook');
  const got = rx.at('/basic')[0];
  assert.equal(got.headers.authorization, basic('intake', PASSWORD));
  assert.equal(got.headers['x-api-key'], API_KEY);
  assert.ok(got.headers['webhook-signature'], 'still signed');
  assert.equal((await lastAttempt(id)).http_status, 200);

  // The rule read back and sent again (as the form does) keeps its secrets;
  // so does a PUT without headers or auth at all.
  let back = (await call('GET', `/api/webhook-rules/${id}`)).json;
  for (const body of [{ ...back, title: 'Case system 2' }, { title: 'Case system 3', url: back.url, trigger: 'Lead Created' }]) {
    const put = await call('PUT', `/api/webhook-rules/${id}`, body);
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.deepEqual(put.json.headers, { 'X-Api-Key': '••••' });
    assert.equal(put.json.auth.password_set, true);
  }
  await newLead('Kept');
  await rx.until(() => rx.at('/basic').length >= 2, 15000, 'the second webhook');
  assert.equal(rx.at('/basic')[1].headers.authorization, basic('intake', PASSWORD));
  assert.equal(rx.at('/basic')[1].headers['x-api-key'], API_KEY);

  // Pointed at another host, a kept secret would go where it was not given
  // for: each must be given again (and nothing changes until it is).
  const moved = await call('PUT', `/api/webhook-rules/${id}`, { ...back, url: rx.url('/basic', 'localhost') });
  assert.equal(moved.status, 422);
  assert.match(moved.json.error.fields['headers.X-Api-Key'], /give it again/);
  assert.match(moved.json.error.fields['auth.password'], /give it again/);
  assert.equal((await call('GET', `/api/webhook-rules/${id}`)).json.url, back.url);
  const given = await call('PUT', `/api/webhook-rules/${id}`, { ...back, url: rx.url('/basic', 'localhost'),
    headers: { 'X-Api-Key': API_KEY }, auth: { type: 'basic', username: 'intake', password: PASSWORD } });
  assert.equal(given.status, 200, JSON.stringify(given.json));
  back = given.json;

  // A wrong password is the receiver's 401, recorded like any failure.
  const wrong = await call('PUT', `/api/webhook-rules/${id}`, { ...back, auth: { type: 'basic', username: 'intake', password: 'wrong' } });
  assert.equal(wrong.status, 200);
  const seen = rx.at('/basic').length;
  await newLead('Wrong');
  await rx.until(() => rx.at('/basic').length > seen, 15000, 'the refused webhook');
  assert.equal(rx.at('/basic').at(-1).headers.host, `localhost:${rx.port}`);
  await poll(async () => (await lastAttempt(id))?.http_status === 401, 15000, 'the 401 recorded');

  // {} removes the headers, {"type":"none"} the authentication.
  const cleared = await call('PUT', `/api/webhook-rules/${id}`, { ...back, headers: {}, auth: { type: 'none' } });
  assert.equal(cleared.status, 200);
  assert.deepEqual(cleared.json.headers, {});
  assert.equal(cleared.json.auth, null);
});

test('a Bearer token reaches the receiver; a rule without it is refused there', async () => {
  const withToken = await call('POST', '/api/webhook-rules', rule({ title: 'Bearer', url: rx.url('/bearer'), auth: { type: 'bearer', token: TOKEN } }));
  assert.equal(withToken.status, 201);
  assert.deepEqual(withToken.json.auth, { type: 'bearer', token_set: true });
  await newLead('Bearer');
  await rx.until(() => rx.at('/bearer').some((r) => r.headers.authorization === `Bearer ${TOKEN}`), 15000, 'the bearer webhook');
  assert.equal((await lastAttempt(withToken.json.id)).http_status, 200);
});

test('no secret is in the database, the audit log or the export', async () => {
  const secrets = [PASSWORD, API_KEY, TOKEN];
  let bytes;
  if (STORE === 'sqlite') {
    const file = `${d.dir}/leadwire.db`;
    bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
  } else {
    bytes = Buffer.from(execFileSync('pg_dump', ['--data-only', d.db]));
  }
  assert.ok(bytes.includes('sb1:'), 'sealed values are stored');
  for (const s of secrets) assert.ok(!bytes.includes(s), `the database holds ${s}`);
  const audit = JSON.stringify((await call('GET', '/api/audit-log?limit=100')).json);
  assert.match(audit, /rule\.updated/);
  for (const s of secrets) assert.ok(!audit.includes(s), `the audit log holds ${s}`);
  const res = await fetch(`${server.base}/api/webhook-rules/export.xlsx`, { headers: { authorization: `Bearer ${d.admin.api_token}` } });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()));
  const cells = [];
  wb.worksheets[0].eachRow((row) => cells.push(...row.values.slice(1).map(String)));
  assert.ok(cells.includes('Authentication'));
  assert.ok(cells.includes('Bearer token'), cells.join(' | '));
  for (const s of secrets) assert.ok(!cells.some((c) => c.includes(s)), `the export holds ${s}`);
});
