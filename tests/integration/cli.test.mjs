// §1: the command line — init, user add, serve's flags, and the demo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cli, cleanup, api, startReceive } from './helpers.mjs';

const tmp = () => mkdtempSync(join(tmpdir(), 'leadwire-cli-'));

test('init prints one JSON line with org_id, user_id, api_token and the secret key file', () => {
  const dir = tmp();
  const r = cli(['init', '--db', `sqlite:${dir}/x.db`, '--org', 'Acme', '--admin-email', 'a@acme.test', '--admin-password', 'long enough']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const out = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(out), ['org_id', 'user_id', 'api_token', 'secret_key_file']);
  assert.equal(out.secret_key_file, `${dir}/x.db.key`);
  assert.match(out.api_token, /^lw_[A-Za-z0-9_-]{43}$/);
  // Running init again on the same database is safe (migrations re-run) and makes a second org.
  const again = cli(['init', '--db', `sqlite:${dir}/x.db`, '--org', 'Other', '--admin-email', 'b@other.test', '--admin-password', 'long enough']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).org_id, out.org_id + 1);
  cleanup(dir);
});

test('init without a password generates and prints one', () => {
  const dir = tmp();
  const r = cli(['init', '--db', `sqlite:${dir}/x.db`, '--org', 'Acme', '--admin-email', 'a@acme.test']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).password, /^.{20}$/);
  cleanup(dir);
});

test('user add prints user_id and api_token; errors say what to do', () => {
  const dir = tmp();
  const db = `sqlite:${dir}/x.db`;
  const init = JSON.parse(cli(['init', '--db', db, '--org', 'Acme', '--admin-email', 'a@acme.test', '--admin-password', 'long enough']).stdout);
  const r = cli(['user', 'add', '--db', db, '--org-id', String(init.org_id), '--email', 'u@acme.test', '--role', 'user', '--password', 'long enough']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(Object.keys(JSON.parse(r.stdout)), ['user_id', 'api_token']);

  const cases = [
    [['user', 'add', '--db', db, '--org-id', String(init.org_id), '--email', 'u@acme.test', '--role', 'user'], /already exists/],
    [['user', 'add', '--db', db, '--org-id', '999', '--email', 'z@acme.test', '--role', 'user'], /organization/i],
    [['user', 'add', '--db', db, '--org-id', String(init.org_id), '--email', 'not-an-email', '--role', 'user'], /email/],
    [['user', 'add', '--db', db, '--org-id', String(init.org_id), '--email', 'y@acme.test', '--role', 'owner'], /role/],
    [['user', 'add', '--db', db, '--org-id', String(init.org_id), '--email', 'y@acme.test', '--role', 'user', '--password', 'short'], /password/],
    [['init', '--db', `sqlite:${dir}/missing/x.db`, '--org', 'A', '--admin-email', 'q@a.test'], /does not exist/],
    [['init', '--db', 'mysql://x', '--org', 'A', '--admin-email', 'q@a.test'], /--db/],
    // Port 1 on loopback: nothing listens there.
    [['init', '--db', 'postgresql://lw@127.0.0.1:1/lw?connect_timeout=2', '--org', 'A', '--admin-email', 'q@a.test'], /cannot connect to PostgreSQL/],
    [['serve', '--db', db, '--role', 'nope'], /--role/],
    [['serve', '--db', db, '--allow-destination', '10.0.0.0/99'], /CIDR/],
    [['serve', '--db', db, '--listen', 'nope'], /--listen/],
  ];
  for (const [args, message] of cases) {
    const res = cli(args);
    assert.notEqual(res.code, 0, args.join(' '));
    assert.match(res.stderr, message, args.join(' '));
    assert.equal(res.stdout, '');
  }
  // A file that is not a database: said once, without advice about folders.
  writeFileSync(`${dir}/not-a.db`, 'garbage '.repeat(1000));
  const corrupt = cli(['serve', '--db', `sqlite:${dir}/not-a.db`, '--listen', '127.0.0.1:0']);
  assert.notEqual(corrupt.code, 0);
  assert.match(corrupt.stderr, /not-a\.db: file is not a database/);
  assert.equal(corrupt.stderr.match(/not a database/g).length, 1, corrupt.stderr);
  assert.doesNotMatch(corrupt.stderr, /folder/);
  cleanup(dir);
});

test('demo starts on SQLite with a demo organization, prints a login, and answers', async () => {
  const dir = tmp();
  const child = spawn(BIN, ['demo', '--dir', join(dir, 'demo'), '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start: ${out}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      if (/API token: lw_\S+/.test(out)) { clearTimeout(timer); resolve(); }
    });
    child.on('exit', (code) => reject(new Error(`demo exited ${code}`)));
  });
  void ready;
  const base = out.match(/listening on (http:\/\/\S+?)\/?\s/)[1];
  const token = out.match(/API token: (lw_\S+)/)[1];
  const [, email, password] = out.match(/Log in:\s+(\S+) \/ (\S+)/);
  const leads = await api(base, 'GET', '/api/leads', { token });
  assert.equal(leads.status, 200);
  assert.ok(leads.json.total >= 3);
  const lookups = (await api(base, 'GET', '/api/lookups', { token })).json;
  assert.ok(lookups.case_types.some((c) => c.name === 'Auto Accident'));
  const login = await api(base, 'POST', '/api/session', { body: { email, password } });
  assert.equal(login.status, 200);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  cleanup(dir);
});

test('receive verifies both signatures; --strict exits non-zero on a forged webhook', async () => {
  const crypto = await import('node:crypto');
  const key = `whsec_${crypto.randomBytes(32).toString('base64')}`;
  const start = (args) => startReceive(['--key', key, ...args]);
  const sign = (body, id, ts, k = key) => ({
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': `v1,${crypto.createHmac('sha256', Buffer.from(k.slice(6), 'base64')).update(`${id}.${ts}.${body}`).digest('base64')}`,
    'x-leadwire-signature': `sha256=${crypto.createHmac('sha256', k).update(body).digest('hex')}`,
    'x-leadwire-event': 'Lead Created',
  });
  const body = JSON.stringify({ EventType: 'Lead Created', EventTypeId: 1, LeadId: 7 });
  const now = Math.floor(Date.now() / 1000);

  const rx = await start([]);
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const ok = await fetch(`${rx.base}/hook`, { method: 'POST', headers: { ...sign(body, 'msg_1', now), traceparent }, body });
  assert.equal(ok.status, 204);
  const other = `whsec_${crypto.randomBytes(32).toString('base64')}`;
  const forged = await fetch(`${rx.base}/hook`, { method: 'POST', headers: sign(body, 'msg_2', now, other), body });
  assert.equal(forged.status, 401);
  const stale = await fetch(`${rx.base}/hook`, { method: 'POST', headers: sign(body, 'msg_3', now - 3600), body });
  assert.equal(stale.status, 401);
  const tampered = { ...sign(body, 'msg_4', now) };
  tampered['x-leadwire-signature'] = 'sha256=00';
  assert.equal((await fetch(`${rx.base}/hook`, { method: 'POST', headers: tampered, body })).status, 401);
  assert.match(rx.out(), /✔ Lead Created\s+msg_1/);
  assert.ok(rx.out().includes(`traceparent: ${traceparent}`), 'the receiver prints the trace it continues');
  assert.match(rx.out(), /"LeadId": 7/);
  assert.match(rx.out(), /✘ rejected msg_2: webhook-signature/);
  const exited = new Promise((resolve) => rx.child.on('exit', resolve));
  rx.child.kill('SIGTERM');
  assert.equal(await exited, 0);

  const strict = await start(['--strict']);
  const strictExit = new Promise((resolve) => strict.child.on('exit', resolve));
  await fetch(`${strict.base}/hook`, { method: 'POST', headers: sign(body, 'msg_5', now, other), body }).catch(() => {});
  assert.notEqual(await strictExit, 0);

  const bad = cli(['receive', '--key', 'not-a-key']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--key/);
});

test('demo delivers a signed webhook to its own receiver within seconds', async () => {
  const dir = tmp();
  const child = spawn(BIN, ['demo', '--dir', join(dir, 'demo'), '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no webhook arrived: ${out}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      if (/✔ Lead Created .*both signatures valid/.test(out)) { clearTimeout(timer); resolve(); }
    });
  });
  assert.match(out, /"ContactFullName": "Demo Visitor"/);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  cleanup(dir);
});
