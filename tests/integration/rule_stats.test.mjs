// §8 rule health: GET /api/webhook-rules/{id}/stats?hours=N answers every
// hour of the window (oldest first) with the attempts that delivered, failed
// with a retry to come, and failed for good — counted as results are
// recorded, read in one query on the primary key (checked with the query
// plan) — and answers 422 for a bad window, 404 across organizations, 409
// while webhooks are off, 403 for a plain user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { STORE, addOrganization, addUser, api, cleanup, freshDatabase, sqlExec, startServer } from './helpers.mjs';
import { startReceiver } from './receiver.mjs';

let d, server, rx, admin, user, other;
const call = (token, method, path, body) => api(server.base, method, path, { token, body });
const HOUR = 3600 * 1000;

before(async () => {
  rx = await startReceiver();
  rx.status('/fails', 500);
  rx.status('/gone', 410);
  d = freshDatabase('Stats Law');
  admin = d.admin.api_token;
  user = addUser(d.db, d.admin.org_id, 'plain@stats.test').api_token;
  other = addOrganization(d.db, 'Other Firm').api_token;
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  await call(admin, 'PUT', '/api/settings/webhooks', { enabled: true });
  await call(other, 'PUT', '/api/settings/webhooks', { enabled: true });
});

after(async () => {
  await server?.stop();
  await rx?.close();
  if (d) cleanup(d.dir, d.db);
});

async function statsUntil(ruleId, predicate, what) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const res = await call(admin, 'GET', `/api/webhook-rules/${ruleId}/stats`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    if (predicate(res.json)) return res.json;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(res.json.totals)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('each hour counts delivered, retrying and failed attempts; every hour of the window is there', async () => {
  const rule = async (title, path) => (await call(admin, 'POST', '/api/webhook-rules', { title, url: rx.url(path), trigger: 'Lead Created' })).json;
  const ok = await rule('Delivers', '/ok');
  const fails = await rule('Fails', '/fails');
  const gone = await rule('Gone', '/gone');
  for (let i = 0; i < 3; i++) await call(admin, 'POST', '/api/leads', { contact: { first_name: `S${i}`, last_name: 'Stat' } });

  const delivered = await statsUntil(ok.id, (s) => s.totals.delivered === 3, '3 delivered');
  assert.equal(delivered.rule_id, ok.id);
  assert.equal(delivered.hours, 24);
  assert.equal(delivered.buckets.length, 24);
  const hours = delivered.buckets.map((b) => Date.parse(b.hour));
  for (let i = 1; i < hours.length; i++) assert.equal(hours[i] - hours[i - 1], HOUR, 'consecutive hours, oldest first');
  assert.equal(hours.at(-1) % HOUR, 0);
  assert.ok(Date.now() - hours.at(-1) < HOUR, 'the current hour last');
  // In the current hour (or the one before, when the hour turned meanwhile).
  const recent = delivered.buckets.slice(-2).reduce((n, b) => n + b.delivered, 0);
  assert.equal(recent, 3);
  assert.ok(delivered.buckets.slice(0, -2).every((b) => b.delivered + b.retrying + b.failed === 0));
  assert.deepEqual(delivered.totals, { delivered: 3, retrying: 0, failed: 0 });

  const retrying = await statsUntil(fails.id, (s) => s.totals.retrying === 3, '3 retrying');
  assert.deepEqual(retrying.totals, { delivered: 0, retrying: 3, failed: 0 });
  // 410 fails the delivery for good (and disables the rule).
  const failed = await statsUntil(gone.id, (s) => s.totals.failed >= 1, 'a failure');
  assert.equal(failed.totals.delivered, 0);

  const week = await call(admin, 'GET', `/api/webhook-rules/${ok.id}/stats?hours=168`);
  assert.equal(week.json.buckets.length, 168);
  assert.equal((await call(admin, 'GET', `/api/webhook-rules/${ok.id}/stats?hours=1`)).json.buckets.length, 1);
});

test('older hours come from the table as they were counted, and a rule sees only its own', async () => {
  const rule = (await call(admin, 'POST', '/api/webhook-rules', { title: 'History', url: rx.url('/ok'), trigger: 'Contact Added', enabled: false })).json;
  const now = Date.now();
  const hour = (ago) => now - (now % HOUR) - ago * HOUR;
  // Counts written by two nodes' shards for one hour add up; 30 hours ago is outside 24.
  sqlExec(d.path, `INSERT INTO rule_hourly_stats (rule_id, hour, shard, delivered, retrying, failed) VALUES
    (${rule.id}, ${hour(5)}, 0, 10, 2, 1), (${rule.id}, ${hour(5)}, 3, 5, 0, 0), (${rule.id}, ${hour(30)}, 0, 99, 0, 0),
    (${rule.id + 1000}, ${hour(5)}, 0, 7, 7, 7)`);
  const s = (await call(admin, 'GET', `/api/webhook-rules/${rule.id}/stats?hours=24`)).json;
  assert.deepEqual(s.buckets[24 - 1 - 5], { hour: new Date(hour(5)).toISOString(), delivered: 15, retrying: 2, failed: 1 });
  assert.deepEqual(s.totals, { delivered: 15, retrying: 2, failed: 1 });
  const longer = (await call(admin, 'GET', `/api/webhook-rules/${rule.id}/stats?hours=48`)).json;
  assert.equal(longer.totals.delivered, 15 + 99);
});

test('the answer is one query on the primary key, however long the delivery log', () => {
  const query = `SELECT hour, SUM(delivered), SUM(retrying), SUM(failed) FROM rule_hourly_stats WHERE rule_id = 1 AND hour >= 0 GROUP BY hour`;
  if (STORE === 'sqlite') {
    const plan = execFileSync('sqlite3', ['-readonly', d.path, `EXPLAIN QUERY PLAN ${query}`], { encoding: 'utf8' });
    assert.match(plan, /SEARCH rule_hourly_stats USING (PRIMARY KEY|INDEX sqlite_autoindex_rule_hourly_stats_1)/, plan);
  } else {
    // The table is tiny here, so ask the planner what it would do at size.
    const plan = execFileSync('psql', [d.db, '-XAtc', `SET enable_seqscan = off; EXPLAIN ${query}`], { encoding: 'utf8' });
    assert.match(plan, /(Index (Only )?Scan using|Bitmap Index Scan on) rule_hourly_stats_pkey/, plan);
  }
});

test('bad windows are 422 naming hours; other firms 404; plain users 403; 409 while webhooks are off', async () => {
  const rules = (await call(admin, 'GET', '/api/webhook-rules')).json.records;
  const id = rules[0].id;
  for (const hours of ['0', '169', 'x', '2.5', '-1', '24abc']) {
    const res = await call(admin, 'GET', `/api/webhook-rules/${id}/stats?hours=${hours}`);
    assert.equal(res.status, 422, `${hours}: ${JSON.stringify(res.json)}`);
    assert.ok(res.json.error.fields.hours, JSON.stringify(res.json));
  }
  assert.equal((await call(other, 'GET', `/api/webhook-rules/${id}/stats`)).status, 404);
  assert.equal((await call(admin, 'GET', '/api/webhook-rules/999999/stats')).status, 404);
  assert.equal((await call(user, 'GET', `/api/webhook-rules/${id}/stats`)).status, 403);
  await call(admin, 'PUT', '/api/settings/webhooks', { enabled: false });
  try {
    assert.equal((await call(admin, 'GET', `/api/webhook-rules/${id}/stats`)).status, 409);
  } finally {
    await call(admin, 'PUT', '/api/settings/webhooks', { enabled: true });
  }
});
