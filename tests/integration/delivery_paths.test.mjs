// Paths of the delivery API and engine that had no test (issue 11): the
// deliveries endpoints' 409/403/404/422 answers, PUT on a rule with bad input,
// the audit of redeliver and test events, the request-latency histogram,
// node roles, --https-only at send time, the 5 s connect timeout, and the
// 5-day auto-disable end to end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freshDatabase, startServer, api, addOrganization, addUser, cleanup, sqlExec } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

let d, server, rx, admin, user, otherAdmin;
const ALLOW = ['--allow-destination', '127.0.0.1/32'];
const call = (token, method, path, body) => api(server.base, method, path, { token, body });

async function deliveryOf(token, ruleId, status) {
  return poll(async () => (await call(token, 'GET', `/api/webhook-rules/${ruleId}/deliveries${status ? `?status=${status}` : ''}`)).json.records[0],
              15000, `a ${status || ''} delivery of rule ${ruleId}`);
}

before(async () => {
  d = freshDatabase();
  const b = addOrganization(d.db, 'Other Firm');
  admin = d.admin.api_token;
  user = addUser(d.db, d.admin.org_id, 'plain@acme.test').api_token;
  otherAdmin = b.api_token;
  server = await startServer(d.db, ALLOW);
  rx = await startReceiver();
});
after(async () => {
  await rx.close();
  assert.equal(await server.stop(), 0);
  cleanup(d.dir, d.db);
});

test('the deliveries endpoints: 409 while webhooks are off, 403 for a plain user, 404 across organizations, 422 for an unknown status', async () => {
  // Rule and delivery made while on, then webhooks turned off.
  await call(admin, 'PUT', '/api/settings/webhooks', { enabled: true });
  await call(otherAdmin, 'PUT', '/api/settings/webhooks', { enabled: true });
  const rule = (await call(admin, 'POST', '/api/webhook-rules', { title: 'paths', url: rx.url('/paths'), trigger: 'Contact Added', enabled: true })).json;
  await call(admin, 'POST', '/api/contacts', { first_name: 'Path' });
  const delivery = await deliveryOf(admin, rule.id, 'delivered');
  const endpoints = [
    ['GET', `/api/webhook-rules/${rule.id}/deliveries`],
    ['GET', `/api/deliveries/${delivery.id}`],
    ['POST', `/api/deliveries/${delivery.id}/redeliver`],
    ['POST', `/api/webhook-rules/${rule.id}/test`],
    ['POST', `/api/webhook-rules/${rule.id}/recover`, { since: '2020-01-01T00:00:00Z' }],
  ];
  for (const [method, path, body] of endpoints) {
    const asUser = await call(user, method, path, body);
    assert.equal(asUser.status, 403, `plain user: ${method} ${path}`);
    assert.equal(asUser.json.error.code, 'forbidden');
    const across = await call(otherAdmin, method, path, body);
    assert.equal(across.status, 404, `another organization's Admin: ${method} ${path}`);
    assert.ok(!across.body?.includes?.('Path'));
  }
  const unknown = await call(admin, 'GET', `/api/webhook-rules/${rule.id}/deliveries?status=bogus`);
  assert.equal(unknown.status, 422);
  assert.match(unknown.json.error.fields.status, /pending, delivered, failed or cancelled/);

  await call(admin, 'PUT', '/api/settings/webhooks', { enabled: false });
  for (const [method, path, body] of endpoints) {
    const res = await call(admin, method, path, body);
    assert.equal(res.status, 409, `webhooks off: ${method} ${path}`);
    assert.equal(res.json.error.code, 'webhooks_disabled');
  }
  await call(admin, 'PUT', '/api/settings/webhooks', { enabled: true });
});

test('PUT on a rule with bad input answers 422 naming each field and changes nothing', async () => {
  const rule = (await call(admin, 'POST', '/api/webhook-rules', { title: 'keep me', url: rx.url('/keep'), trigger: 'Lead Created', enabled: false })).json;
  const cases = [
    [{ title: '', url: rx.url('/keep'), trigger: 1 }, ['title']],
    [{ title: 'x', url: 'ftp://nope', trigger: 1 }, ['url']],
    [{ title: 'x', url: rx.url('/keep'), trigger: 99 }, ['trigger']],
    [{ title: 'x', url: rx.url('/keep'), trigger: 1, creation_rules: { case_types: ['No Such Type'] } }, ['creation_rules.case_types']],
    [{ title: 'x', url: rx.url('/keep'), trigger: 'Contact Added', creation_rules: { requires_case_tracker_code: true } }, ['creation_rules']],
    [{ title: 'x'.repeat(201), url: 'not a url', trigger: 1 }, ['title', 'url']],
  ];
  for (const [body, fields] of cases) {
    const res = await call(admin, 'PUT', `/api/webhook-rules/${rule.id}`, body);
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.deepEqual(Object.keys(res.json.error.fields).sort(), fields, JSON.stringify(res.json));
  }
  const after = (await call(admin, 'GET', `/api/webhook-rules/${rule.id}`)).json;
  assert.equal(after.title, 'keep me');
  assert.equal(after.url, rx.url('/keep'));
  assert.equal(after.trigger.name, 'Lead Created');
});

test('redeliver and test events go to the audit log', async () => {
  const rule = (await call(admin, 'POST', '/api/webhook-rules', { title: 'audited', url: rx.url('/audited'), trigger: 'Contact Added', enabled: true })).json;
  await call(admin, 'POST', '/api/contacts', { first_name: 'Audit' });
  const delivery = await deliveryOf(admin, rule.id, 'delivered');
  assert.equal((await call(admin, 'POST', `/api/deliveries/${delivery.id}/redeliver`)).status, 202);
  const sent = await call(admin, 'POST', `/api/webhook-rules/${rule.id}/test`);
  assert.equal(sent.status, 202);
  const log = (await call(admin, 'GET', '/api/audit-log?limit=5')).json.records;
  const test = log.find((e) => e.action === 'rule.test_sent');
  const redelivered = log.find((e) => e.action === 'delivery.redelivered');
  assert.ok(test && redelivered, JSON.stringify(log.map((e) => e.action)));
  assert.equal(test.target_id, rule.id);
  assert.equal(test.details.delivery_id, sent.json.id);
  assert.equal(redelivered.details.delivery_id, delivery.id);
  assert.equal(redelivered.details.webhook_id, delivery.webhook_id);
  assert.equal(redelivered.user.email, d.adminEmail);
});

test('/metrics has the request-latency histogram', async () => {
  await call(admin, 'GET', '/api/leads');
  const text = (await api(server.base, 'GET', '/metrics')).buffer.toString();
  const buckets = [...text.matchAll(/^leadwire_http_request_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)];
  assert.ok(buckets.length >= 10, 'buckets');
  const counts = buckets.map((m) => Number(m[2]));
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'cumulative');
  assert.equal(buckets.at(-1)[1], '+Inf');
  const count = Number(text.match(/^leadwire_http_request_duration_seconds_count (\d+)$/m)[1]);
  assert.equal(counts.at(-1), count);
  assert.ok(count > 0);
  assert.match(text, /^leadwire_http_request_duration_seconds_sum [0-9.e-]+$/m);
});

test('an api node answers the API and delivers nothing; a worker node on the same database delivers', async () => {
  const db = freshDatabase('Roles Law');
  const apiNode = await startServer(db.db, ['--role', 'api', ...ALLOW]);
  let worker;
  try {
    const token = db.admin.api_token;
    await api(apiNode.base, 'PUT', '/api/settings/webhooks', { token, body: { enabled: true } });
    await api(apiNode.base, 'POST', '/api/webhook-rules', { token, body: { title: 'roles', url: rx.url('/roles'), trigger: 'Contact Added', enabled: true } });
    assert.equal((await api(apiNode.base, 'POST', '/api/contacts', { token, body: { first_name: 'Role' } })).status, 201);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(rx.at('/roles').length, 0, 'the api node sends nothing');
    worker = await startServer(db.db, ['--role', 'worker', ...ALLOW]);
    assert.equal((await api(worker.base, 'GET', '/api/leads', { token })).status, 404, 'a worker serves no API');
    assert.equal((await api(worker.base, 'GET', '/healthz')).status, 200);
    await rx.until(() => rx.at('/roles').length === 1, 10000, 'the worker delivers');
    assert.equal(rx.at('/roles')[0].json.ContactFirstName, 'Role');
  } finally {
    assert.equal(await apiNode.stop(), 0);
    if (worker) assert.equal(await worker.stop(), 0);
    cleanup(db.dir, db.db);
  }
});

test('--https-only refuses at send time a rule made with http:// before it was set', async () => {
  const db = freshDatabase('Https Law');
  let node = await startServer(db.db, ALLOW);
  try {
    const token = db.admin.api_token;
    await api(node.base, 'PUT', '/api/settings/webhooks', { token, body: { enabled: true } });
    const rule = (await api(node.base, 'POST', '/api/webhook-rules', { token, body: { title: 'plain', url: rx.url('/plain'), trigger: 'Contact Added', enabled: true } })).json;
    assert.equal(await node.stop(), 0);
    node = await startServer(db.db, [...ALLOW, '--https-only']);
    await api(node.base, 'POST', '/api/contacts', { token, body: { first_name: 'Plain' } });
    const attempt = await poll(async () => {
      const r = await api(node.base, 'GET', `/api/webhook-rules/${rule.id}/deliveries`, { token });
      return r.json.records[0]?.attempts[0];
    }, 10000, 'an attempt');
    assert.match(attempt.error, /delivers only to https:\/\/ URLs \(--https-only\)/);
    assert.equal(attempt.http_status, null);
    assert.equal(rx.at('/plain').length, 0, 'nothing was sent');
  } finally {
    assert.equal(await node.stop(), 0);
    cleanup(db.dir, db.db);
  }
});

// A port whose listen queue is full: the kernel drops further SYNs, so a
// connect neither succeeds nor fails — only the 5 s connect timeout ends it.
function blackholePort() {
  const py = spawn('python3', ['-c', `
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
fill = []
for _ in range(8):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(s.getsockname())
    except BlockingIOError: pass
    fill.append(c)
time.sleep(0.5)
print(s.getsockname()[1], flush=True)
time.sleep(120)
`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => py.stdout.once('data', (d) => resolve({ port: Number(String(d).trim()), close: () => py.kill() })));
}

test('a connect that gets no answer gives up after 5 s and is retried', { timeout: 60000 }, async () => {
  const hole = await blackholePort();
  try {
    const rule = (await call(admin, 'POST', '/api/webhook-rules', {
      title: 'blackhole', url: `http://127.0.0.1:${hole.port}/x`, trigger: 'Contact Added', enabled: true })).json;
    await call(admin, 'POST', '/api/contacts', { first_name: 'Hole' });
    const attempt = await poll(async () => (await call(admin, 'GET', `/api/webhook-rules/${rule.id}/deliveries`)).json.records[0]?.attempts[0],
                               20000, 'the attempt');
    assert.ok(attempt.duration_ms >= 4500 && attempt.duration_ms < 8000, `gave up after ${attempt.duration_ms} ms`);
    assert.match(attempt.error, /timed out|Timeout/i);
    const delivery = (await call(admin, 'GET', `/api/webhook-rules/${rule.id}/deliveries`)).json.records[0];
    assert.equal(delivery.status, 'pending', 'retried');
    await call(admin, 'PUT', `/api/webhook-rules/${rule.id}`, { title: 'blackhole', url: rule.url, trigger: 'Contact Added', enabled: false });
  } finally {
    hole.close();
  }
});

test('a rule whose every delivery has failed for 5 days is disabled, with the reason in the list and the audit log', async () => {
  rx.status('/dying', 500);
  const rule = (await call(admin, 'POST', '/api/webhook-rules', { title: 'dying', url: rx.url('/dying'), trigger: 'Contact Added', enabled: true })).json;
  await call(admin, 'POST', '/api/contacts', { first_name: 'Dying' });
  await rx.until(() => rx.at('/dying').length >= 1, 10000, 'the first failure');
  // Failing for six days by now (as the clock would have it after a long outage).
  sqlExec(d.path, `UPDATE webhook_rules SET failing_since = ${Date.now() - 6 * 86400000} WHERE id = ${rule.id}`);
  await rx.until(() => rx.at('/dying').length >= 2, 15000, 'the retry 5 s later');
  const after = await poll(async () => {
    const r = (await call(admin, 'GET', `/api/webhook-rules/${rule.id}`)).json;
    return r.enabled ? null : r;
  }, 10000, 'the rule disabled');
  assert.match(after.disabled_reason, /5 days/);
  const listed = (await call(admin, 'GET', '/api/webhook-rules')).json.records.find((r) => r.id === rule.id);
  assert.equal(listed.enabled, false);
  assert.match(listed.disabled_reason, /5 days/);
  const log = (await call(admin, 'GET', '/api/audit-log?limit=10')).json.records;
  const entry = log.find((e) => e.target_id === rule.id && e.action === 'rule.disabled');
  assert.ok(entry, JSON.stringify(log.map((e) => e.action)));
  assert.match(entry.details.reason, /every delivery has failed since .* \(5 days\)/);
  const before = rx.at('/dying').length;
  await call(admin, 'POST', '/api/contacts', { first_name: 'Nobody hears' });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(rx.at('/dying').length, before, 'a disabled rule queues nothing');
});
