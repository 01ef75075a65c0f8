// §8 OAuth2 client credentials end to end, against a token endpoint made here
// that counts its calls: many deliveries share one token; a token is fetched
// again once it nears its expiry; a receiver's 401 costs one new token and
// one more request; a token endpoint that fails (or that the SSRF guard
// refuses) fails the attempt with "oauth2 token: …" and sends nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { api, cleanup, freshDatabase, startServer } from './helpers.mjs';
import { poll, startReceiver } from './receiver.mjs';

let d, server, rx, tokens;
const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });

// The token endpoint: per client id, how it answers; every call recorded.
async function startTokenEndpoint() {
  const calls = [];
  const valid = new Set();
  const clients = new Map();  // client_id -> { expires_in, status }
  let n = 0;
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString().split(':').map(decodeURIComponent);
      calls.push({ id, secret, body, headers: req.headers });
      const how = clients.get(id) ?? { expires_in: 3600 };
      if (how.status) { res.writeHead(how.status, { 'content-type': 'application/json' }); return res.end('{"error":"server_error"}'); }
      if (secret !== `secret-of-${id}`) { res.writeHead(401); return res.end('{"error":"invalid_client"}'); }
      const token = `tok-${id}-${++n}`;
      valid.add(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: how.expires_in }));
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: (host = '127.0.0.1') => `http://${host}:${srv.address().port}/oauth/token`,
    calls, valid, clients,
    callsOf: (id) => calls.filter((c) => c.id === id),
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  };
}

before(async () => {
  tokens = await startTokenEndpoint();
  rx = await startReceiver();
  rx.behave('/api', (req, res) => {
    const ok = tokens.valid.has((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    res.writeHead(ok ? 200 : 401); res.end(ok ? 'ok' : 'invalid token');
  });
  d = freshDatabase('OAuth Law');
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  await call('PUT', '/api/settings/webhooks', { enabled: true });
});

after(async () => {
  await server?.stop();
  await rx?.close();
  await tokens?.close();
  if (d) cleanup(d.dir, d.db);
});

// A rule on trigger 1 sending to /api with client `id`; its leads are named after it.
async function oauthRule(id, tokenUrl = tokens.url()) {
  const res = await call('POST', '/api/webhook-rules', {
    title: id, url: rx.url(`/api?rule=${id}`), trigger: 'Lead Created',
    auth: { type: 'oauth2_client_credentials', token_url: tokenUrl, client_id: id, client_secret: `secret-of-${id}`, scope: 'leads:write intake' },
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  assert.deepEqual(res.json.auth, { type: 'oauth2_client_credentials', token_url: tokenUrl, client_id: id, scope: 'leads:write intake', client_secret_set: true });
  // Only this rule fires from here on.
  for (const r of (await call('GET', '/api/webhook-rules')).json.records)
    if (r.id !== res.json.id && r.enabled) await call('PUT', `/api/webhook-rules/${r.id}`, { ...r, enabled: false });
  return res.json.id;
}
const hooksOf = (id) => rx.received.filter((r) => r.path === `/api?rule=${id}`);
const delivered = (id) => hooksOf(id).filter((r) => tokens.valid.has(r.headers.authorization.replace(/^Bearer /, '')));
async function leads(n) {
  for (let i = 0; i < n; i++) assert.equal((await call('POST', '/api/leads', { contact: { first_name: `L${i}` } })).status, 201);
}
async function lastAttempt(ruleId) {
  return poll(async () => {
    const rows = (await call('GET', `/api/webhook-rules/${ruleId}/deliveries`)).json.records;
    if (!rows.length) return null;
    return (await call('GET', `/api/deliveries/${rows[0].id}`)).json.attempts.at(-1);
  }, 15000, 'an attempt');
}

test('many deliveries share one token, asked for as RFC 6749 says', async () => {
  await oauthRule('alpha');
  await leads(20);
  await rx.until(() => delivered('alpha').length >= 20, 20000, '20 webhooks with a good token');
  assert.equal(tokens.callsOf('alpha').length, 1, 'one token request for 20 deliveries');
  const metrics = (await api(server.base, 'GET', '/metrics')).buffer.toString();
  assert.match(metrics, /^leadwire_oauth2_token_requests_total\{outcome="token"\} 1$/m, 'and /metrics says so');
  const [req] = tokens.callsOf('alpha');
  assert.equal(req.body, 'grant_type=client_credentials&scope=leads%3Awrite%20intake');
  assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.ok(hooksOf('alpha').every((h) => h.headers.authorization === hooksOf('alpha')[0].headers.authorization));
  assert.ok(hooksOf('alpha')[0].headers['webhook-signature'], 'still signed');
});

test('a token is fetched again as it nears its expiry', async () => {
  tokens.clients.set('beta', { expires_in: 2 });  // short-lived: used for half its life
  await oauthRule('beta');
  await leads(1);
  await rx.until(() => delivered('beta').length >= 1, 15000, 'the first webhook');
  assert.equal(tokens.callsOf('beta').length, 1);
  await new Promise((r) => setTimeout(r, 1500));  // the token's usable second passes
  await leads(3);
  await rx.until(() => delivered('beta').length >= 4, 15000, 'three more webhooks');
  assert.equal(tokens.callsOf('beta').length, 2, 'one new token for the three');
  assert.notEqual(hooksOf('beta')[0].headers.authorization, hooksOf('beta').at(-1).headers.authorization);
});

test('a receiver\'s 401 costs one new token and one more request, in the same attempt', async () => {
  const rule = await oauthRule('gamma');
  await leads(1);
  await rx.until(() => delivered('gamma').length >= 1, 15000, 'the first webhook');
  tokens.valid.clear();  // revoked at the receiver
  const seen = hooksOf('gamma').length;
  await leads(5);
  await rx.until(() => delivered('gamma').length >= 5, 20000, 'five more, with a new token');
  assert.equal(tokens.callsOf('gamma').length, 2, 'one refresh for the five refused');
  assert.ok(hooksOf('gamma').length - seen <= 10, 'each refused webhook sent once more at most');
  assert.equal((await lastAttempt(rule)).http_status, 200);
  // The refused request is an attempt of its own, saying what happened.
  const rows = (await call('GET', `/api/webhook-rules/${rule}/deliveries`)).json.records;
  const refused = (await Promise.all(rows.map(async (r) => (await call('GET', `/api/deliveries/${r.id}`)).json.attempts)))
    .flat().filter((a) => a.http_status === 401);
  assert.ok(refused.length >= 1 && refused.length <= 5, `${refused.length} refused attempts`);
  assert.match(refused[0].error, /refused the OAuth2 token; a new token was fetched/);
  assert.equal(refused[0].response_excerpt, 'invalid token');
});

test('a token endpoint that fails fails the attempt with "oauth2 token: …", and nothing is sent', async () => {
  tokens.clients.set('delta', { status: 500 });
  const rule = await oauthRule('delta');
  await leads(3);
  const attempt = await lastAttempt(rule);
  assert.match(attempt.error, /^oauth2 token: the token endpoint answered 500: \{"error":"server_error"\}/);
  assert.equal(attempt.http_status, null);
  assert.equal(hooksOf('delta').length, 0);
  // Three deliveries at once: the failure stands for a while, asked once.
  assert.equal(tokens.callsOf('delta').length, 1);

  const guarded = await oauthRule('epsilon', tokens.url('127.0.0.2'));
  await leads(1);
  assert.match((await lastAttempt(guarded)).error, /^oauth2 token: refused by the SSRF guard: 127\.0\.0\.2 is /);
  assert.equal(tokens.callsOf('epsilon').length, 0);
});

test('a token endpoint that never answers: one request, every waiting webhook fails in its time, nothing is sent', { timeout: 60000 }, async () => {
  const hung = http.createServer(() => {});  // reads the request, never answers
  const asked = [];
  hung.on('request', (req) => asked.push(req.url));
  await new Promise((r) => hung.listen(0, '127.0.0.1', r));
  try {
    const rule = await oauthRule('zeta', `http://127.0.0.1:${hung.address().port}/token`);
    await leads(5);
    const attempt = await poll(async () => {
      const rows = (await call('GET', `/api/webhook-rules/${rule}/deliveries`)).json.records;
      const attempts = await Promise.all(rows.map(async (r) => (await call('GET', `/api/deliveries/${r.id}`)).json.attempts));
      return attempts.length === 5 && attempts.every((a) => a.length >= 1) && attempts.map((a) => a[0]);
    }, 40000, 'an attempt of each of the five');
    for (const a of attempt) assert.match(a.error, /^oauth2 token: .*timed out/);
    assert.equal(asked.length, 1, 'one token request for the five');
    assert.equal(hooksOf('zeta').length, 0);
  } finally {
    hung.closeAllConnections();
    hung.close();
  }
});
