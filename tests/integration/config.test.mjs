// Running as a service (§8): `leadwire --version` and /healthz name the
// release and the commit; `serve --config FILE` reads every option from
// TOML, LEADWIRE_<NAME> sets any of them too, the command line wins over
// the environment and the environment over the file; a key the file does
// not know stops `serve` with one sentence naming it and the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, STORE, api, cleanup, cli, freshDatabase, secretKeyFile } from './helpers.mjs';
import { startReceiver } from './receiver.mjs';

let d, rx;
const running = new Set();

before(async () => {
  d = freshDatabase('Config Law');
  rx = await startReceiver();
});
after(async () => {
  for (const child of running) child.kill('SIGKILL');
  await rx?.close();
  if (d) cleanup(d.dir, d.db);
});

// `leadwire serve ARGS` with `env` added: {base, stop} once it listens.
function serve(args, env = {}) {
  const child = spawn(BIN, ['serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.add(child);
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/listening on (http:\/\/[^\s]+?)\/?\s/);
      if (m) resolve({ base: m[1], stop: () => new Promise((r) => { child.on('exit', r); child.kill('SIGTERM'); }) });
    });
    child.on('exit', (code) => { running.delete(child); reject(new Error(`serve exited ${code}: ${err}`)); });
  });
}

// A TOML file of `lines` in the test's folder.
function toml(name, lines) {
  const file = join(d.dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
const dbLines = () => [`db = "${d.db}"`, ...(STORE === 'postgresql' ? [`secret-key-file = "${secretKeyFile(d.db)}"`] : [])];
const freePort = async () => {
  const net = await import('node:net');
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
};

test('--version names the release and the commit; /healthz says the same', async () => {
  const r = cli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  const m = r.stdout.trim().match(/^leadwire (\d+\.\d+\.\d+) \((.+)\)$/);
  assert.ok(m, r.stdout);
  const node = await serve(['--config', toml('version.toml', [...dbLines(), 'listen = "127.0.0.1:0"'])]);
  try {
    const health = (await api(node.base, 'GET', '/healthz')).json;
    assert.deepEqual(health, { status: 'ok', version: m[1], commit: m[2] });
  } finally {
    await node.stop();
  }
});

test('every option from the file (lists too); a webhook to 127.0.0.1 shows allow-destination was read', async () => {
  const file = toml('all.toml', [...dbLines(), 'listen = "127.0.0.1:0"', 'allow-destination = ["127.0.0.1/32", "::1/128"]',
    'rate-limit = 0', 'retention-days = 7', 'https-only = false']);
  const node = await serve(['--config', file]);
  const call = (method, path, body) => api(node.base, method, path, { token: d.admin.api_token, body });
  try {
    await call('PUT', '/api/settings/webhooks', { enabled: true });
    const rule = await call('POST', '/api/webhook-rules', { title: 'From file', url: rx.url('/file'), trigger: 'Lead Created' });
    assert.equal(rule.status, 201, JSON.stringify(rule.json));
    await call('POST', '/api/leads', { contact: { first_name: 'File' } });
    await rx.until(() => rx.at('/file').length >= 1, 15000, 'the webhook the file allowed');
  } finally {
    await node.stop();
  }
});

test('the command line wins over LEADWIRE_*, which wins over the file', async () => {
  const [filePort, envPort] = [await freePort(), await freePort()];
  const file = toml('ports.toml', [...dbLines(), `listen = "127.0.0.1:${filePort}"`]);
  const fromFile = await serve(['--config', file]);
  assert.equal(fromFile.base, `http://127.0.0.1:${filePort}`);
  await fromFile.stop();
  const fromEnv = await serve(['--config', file], { LEADWIRE_LISTEN: `127.0.0.1:${envPort}` });
  assert.equal(fromEnv.base, `http://127.0.0.1:${envPort}`);
  await fromEnv.stop();
  const fromCli = await serve(['--config', file, '--listen', '127.0.0.1:0'], { LEADWIRE_LISTEN: `127.0.0.1:${envPort}` });
  assert.notEqual(fromCli.base, `http://127.0.0.1:${envPort}`);
  assert.notEqual(fromCli.base, `http://127.0.0.1:${filePort}`);
  await fromCli.stop();
  // Without a file: the environment alone, a list separated by commas.
  const envOnly = await serve([], {
    LEADWIRE_DB: d.db, LEADWIRE_LISTEN: '127.0.0.1:0', LEADWIRE_ALLOW_DESTINATION: '127.0.0.1/32, ::1/128',
    ...(STORE === 'postgresql' ? { LEADWIRE_SECRET_KEY_FILE: secretKeyFile(d.db) } : {}),
  });
  const call = (method, path, body) => api(envOnly.base, method, path, { token: d.admin.api_token, body });
  try {
    await call('POST', '/api/webhook-rules', { title: 'From env', url: rx.url('/env'), trigger: 'Lead Created' });
    await call('POST', '/api/leads', { contact: { first_name: 'Env' } });
    await rx.until(() => rx.at('/env').length >= 1, 15000, 'the webhook the environment allowed');
  } finally {
    await envOnly.stop();
  }
});

test('an unknown key, a missing file and a bad value stop serve with one sentence', () => {
  const unknown = toml('unknown.toml', [...dbLines(), 'listen = "127.0.0.1:0"', 'lisen = "127.0.0.1:1"']);
  const r = cli(['serve', '--config', unknown]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${unknown.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: unknown key "lisen"`));
  const missing = cli(['serve', '--config', join(d.dir, 'nope.toml')]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope\.toml/);
  const bad = cli(['serve', '--config', toml('bad.toml', [...dbLines(), 'rate-limit = "many"'])]);
  assert.equal(bad.code, 2, 'a refused setting exits 2: the unit does not restart on it');
  assert.match(bad.stderr, /rate-limit/);
});

test('--log-format json: one JSON object per line, with the trace id of the request it is about', async () => {
  const child = spawn(BIN, ['serve', '--config', toml('json.toml', [...dbLines(), 'listen = "127.0.0.1:0"', 'log-format = "json"'])],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => { out += c; const m = out.match(/listening on (http:\/\/[^\s]+?)\/?\s/); if (m) resolve(m[1]); });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await api(base, 'GET', '/healthz', { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); });
  const lines = err.trim().split('\n');
  assert.ok(lines.length >= 2, err);
  const entries = lines.map((l) => JSON.parse(l));  // every line is one JSON object
  for (const e of entries) {
    assert.match(e.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(['info', 'warn', 'error'].includes(e.level), JSON.stringify(e));
    assert.equal(typeof e.message, 'string');
  }
  const request = entries.find((e) => e.message.startsWith('GET /healthz 200'));
  assert.ok(request, err);
  assert.equal(request.trace_id, traceId);
  const bad = cli(['serve', '--db', d.db, '--log-format', 'xml']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--log-format/);
});

test('init, user add and backup read serve\'s file for the database and its key, and pass over its other keys', async () => {
  // The packaged file: serve's keys beside the database's, as an operator runs
  // `leadwire init --config /etc/leadwire/leadwire.toml`.
  const file = toml('service.toml', [...dbLines(), 'listen = "127.0.0.1:0"', 'allow-destination = ["127.0.0.1/32"]',
    'role = "all"', 'log-format = "json"']);
  const org = cli(['init', '--config', file, '--org', 'Second Firm', '--admin-email', 'admin@second.test',
    '--admin-password', 'correct horse battery']);
  assert.equal(org.code, 0, org.stderr);
  const second = JSON.parse(org.stdout);
  // user add's --role is its own (admin|user): serve's `role = "all"` in the file does not reach it.
  const user = cli(['user', 'add', '--config', file, '--org-id', String(second.org_id), '--email', 'user@second.test',
    '--role', 'user', '--password', 'user password 1']);
  assert.equal(user.code, 0, user.stderr);
  // LEADWIRE_DB wins over the file: a file naming a database that is not there still works.
  const elsewhere = toml('elsewhere.toml', [STORE === 'postgresql' ? 'db = "postgresql://127.0.0.1:1/none"' : `db = "sqlite:${join(d.dir, 'none', 'x.db')}"`,
    ...dbLines().slice(1)]);
  const third = cli(['init', '--config', elsewhere, '--org', 'Third Firm', '--admin-email', 'admin@third.test'],
    { env: { ...process.env, LEADWIRE_DB: d.db } });
  assert.equal(third.code, 0, third.stderr);
  const node = await serve(['--config', file]);
  try {
    for (const token of [second.api_token, JSON.parse(user.stdout).api_token, JSON.parse(third.stdout).api_token]) {
      const me = await api(node.base, 'GET', '/api/leads', { token });
      assert.equal(me.status, 200, JSON.stringify(me.json));
    }
  } finally {
    await node.stop();
  }
  if (STORE === 'sqlite') {
    const copy = join(d.dir, 'copy.db');
    const backup = cli(['backup', '--config', file, '--to', copy]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal(JSON.parse(backup.stdout).backup, copy);
  }
  // A key serve does not know stops them as it stops serve; so does a missing file.
  const unknown = toml('init-unknown.toml', [...dbLines(), 'organisation = "x"']);
  const r = cli(['init', '--config', unknown, '--org', 'X', '--admin-email', 'x@x.test']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /init-unknown\.toml: unknown key "organisation"/);
  const missing = cli(['user', 'add', '--config', join(d.dir, 'nope.toml'), '--org-id', '1', '--email', 'y@y.test', '--role', 'user']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.toml/);
});
