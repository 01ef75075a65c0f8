// Losing PostgreSQL (run with the PostgreSQL store only): while the server is
// down the API answers 503 `unavailable` with Retry-After and stores nothing,
// /readyz fails; once it is back the same node serves again without a
// restart, and every lead it acknowledged has its webhook delivered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, cli, startServer, STORE } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

const skip = STORE !== 'postgresql' && 'runs in the PostgreSQL pass of the suite';
const script = new URL('../../scripts/pg-test-server.sh', import.meta.url).pathname;
let dir, admin, db, server, rx, token;
const pg = (verb) => execFileSync('bash', [script, verb, dir], { encoding: 'utf8' }).trim();
const call = (method, path, body) => api(server.base, method, path, { token, body });

before(async () => {
  if (skip) return;
  // A server of this test's own, since it is stopped and started again.
  dir = mkdtempSync(join(tmpdir(), 'leadwire-outage-'));
  admin = pg('start');
  execFileSync('psql', [admin, '-qc', 'CREATE DATABASE outage'], { stdio: 'ignore' });
  db = admin.slice(0, admin.lastIndexOf('/') + 1) + 'outage';
  const init = cli(['init', '--db', db, '--org', 'Outage Law', '--admin-email', 'a@outage.test', '--admin-password', 'long enough pw']);
  assert.equal(init.code, 0, init.stderr);
  token = JSON.parse(init.stdout).api_token;
  rx = await startReceiver();
  server = await startServer(db, ['--allow-destination', '127.0.0.1/32']);
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  await call('POST', '/api/webhook-rules', { title: 'all leads', url: rx.url('/leads'), trigger: 'Lead Created' });
});

after(async () => {
  if (skip) return;
  await server?.stop();
  await rx?.close();
  pg('stop');
  execFileSync('rm', ['-rf', dir]);
});

test('while PostgreSQL is down: 503 unavailable with Retry-After, nothing stored; back: served again', { skip, timeout: 120000 }, async () => {
  const acked = [];
  const post = async (name) => {
    const r = await call('POST', '/api/leads', { contact: { first_name: name } });
    if (r.status === 201) acked.push(r.json.id);
    return r;
  };
  assert.equal((await post('Before')).status, 201);
  pg('stop');
  const down = await post('During');
  assert.equal(down.status, 503, JSON.stringify(down.json));
  assert.equal(down.json.error.code, 'unavailable');
  assert.equal(down.headers.get('retry-after'), '5');
  assert.equal((await api(server.base, 'GET', '/readyz')).status, 503);
  assert.equal((await api(server.base, 'GET', '/healthz')).status, 200, 'alive, just not ready');
  pg('start');
  // The same node, no restart: answers again once the database is back.
  await poll(async () => (await post('After')).status === 201, 30000, 'a 201 after the restart');
  assert.equal((await api(server.base, 'GET', '/readyz')).status, 200);
  const leads = (await call('GET', '/api/leads')).json.records.map((l) => l.contact.first_name);
  assert.ok(!leads.includes('During'), 'a lead answered 503 was not stored');
  // Every acknowledged lead's webhook arrives (the dispatcher paused, then went on).
  await rx.until(() => acked.every((id) => rx.at('/leads').some((h) => h.json.LeadId === id)), 30000,
    'every acknowledged lead delivered');
});

// CPU seconds the process has used (utime + stime from /proc).
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

test('an outage with webhooks in flight: the node rests (little CPU, two log lines), then records every result once', { skip, timeout: 120000 }, async () => {
  rx.behave('/slow', async (req, res) => { await new Promise((r) => setTimeout(r, 2000)); res.writeHead(200); res.end('ok'); });
  const rule = await call('POST', '/api/webhook-rules', { title: 'slow', url: rx.url('/slow'), trigger: 'Contact Added' });
  assert.equal(rule.status, 201);
  for (let i = 0; i < 20; i++) assert.equal((await call('POST', '/api/contacts', { first_name: `Slow ${i}` })).status, 201);
  await rx.until(() => rx.at('/slow').length === 20, 20000, '20 webhooks in flight');
  const linesBefore = server.stderr().split('\n').length;
  const cpuBefore = cpuSeconds(server.child.pid);
  pg('stop');
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 10000));
  const cpu = cpuSeconds(server.child.pid) - cpuBefore;
  const seconds = (Date.now() - started) / 1000;
  const during = server.stderr().split('\n').slice(linesBefore - 1).filter((l) => l.trim());
  const metrics = (await api(server.base, 'GET', '/metrics')).buffer.toString();
  pg('start');
  assert.ok(cpu / seconds < 0.1, `the node used ${(100 * cpu / seconds).toFixed(1)}% of a core during the outage`);
  assert.ok(during.length <= 10, `log lines during the outage: ${during.length}\n${during.slice(0, 20).join('\n')}`);
  assert.ok(during.some((l) => /database is unavailable/.test(l)), during.join('\n'));
  assert.match(metrics, /^leadwire_database_up 0$/m);
  await poll(async () => (await call('GET', `/api/webhook-rules/${rule.json.id}/deliveries?status=delivered`)).json?.total === 20,
    30000, 'all 20 recorded delivered');
  assert.equal(rx.at('/slow').length, 20, 'each sent once');
  await poll(async () => /database is available again, after \d+\.\d s/.test(server.stderr()), 10000, 'the outage\'s end logged');
  assert.match((await api(server.base, 'GET', '/metrics')).buffer.toString(), /^leadwire_database_up 1$/m);
});
