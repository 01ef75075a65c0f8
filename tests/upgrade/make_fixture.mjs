// Makes the upgrade fixtures once, with the binary of an earlier release
// (its schema version is in the file names): a firm with leads, notes, a
// status change, two rules — one whose webhooks were delivered, one whose
// receiver was down, so its deliveries are still pending — saved as a
// SQLite file and as a pg_dump, with what they hold in a JSON file.
// tests/integration/upgrade.test.mjs starts today's binary on them.
//   node tests/upgrade/make_fixture.mjs OLD_BINARY COMMIT   (LEADWIRE_TEST_PG for the dump)
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [bin, commit] = process.argv.slice(2);
const OUT = new URL('../fixtures/upgrade/', import.meta.url).pathname;

async function fill(db) {
  const init = JSON.parse(execFileSync(bin, ['init', '--db', db, '--org', 'Fixture Law', '--admin-email', 'admin@fixture.test',
    '--admin-password', 'fixture password 1'], { encoding: 'utf8' }));
  const received = [];
  const rx = http.createServer((req, res) => { req.resume(); req.on('end', () => { received.push(req.url); res.end('ok'); }); });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  const down = http.createServer();
  await new Promise((r) => down.listen(0, '127.0.0.1', r));
  const downPort = down.address().port;
  await new Promise((r) => down.close(r));  // nothing listens there: its webhooks wait
  const node = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--allow-destination', '127.0.0.1/32'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve) => {
    let out = '';
    node.stdout.on('data', (c) => { out += c; const m = out.match(/listening on (http:\/\/[^\s]+?)\/?\s/); if (m) resolve(m[1]); });
  });
  const call = async (method, path, body) => {
    const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${init.api_token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const json = await res.json().catch(() => null);
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  await call('POST', '/api/webhook-rules', { title: 'Delivered CRM', url: `http://127.0.0.1:${rx.address().port}/crm`, trigger: 'Lead Created', enabled: true });
  await call('POST', '/api/webhook-rules', { title: 'Pending CRM', url: `http://127.0.0.1:${downPort}/down`, trigger: 'Lead Created', enabled: true });
  const leads = [];
  for (const [first, last] of [['Ada', 'Lovelace'], ['Grace', 'Hopper'], ['Alan', 'Turing']])
    leads.push(await call('POST', '/api/leads', { contact: { first_name: first, last_name: last, email: `${first.toLowerCase()}@example.com` }, summary: `${first}'s case` }));
  await call('POST', `/api/leads/${leads[0].id}/notes`, { note: 'Called back', summary: 'Call' });
  await call('POST', `/api/leads/${leads[1].id}/status`, { status: 'Hold' });
  const deadline = Date.now() + 30000;
  while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2000));  // the down receiver's first attempts fail
  await new Promise((r) => { node.on('exit', r); node.kill('SIGTERM'); });
  rx.close();
  return { api_token: init.api_token, leads: leads.map((l) => ({ id: l.id, code: l.code })), delivered_to_crm: received.length };
}

const dir = mkdtempSync(join(tmpdir(), 'leadwire-fixture-'));
const version = process.env.SCHEMA_VERSION;
const sqliteDb = join(dir, 'leadwire.db');
const sqliteFacts = await fill(`sqlite:${sqliteDb}`);
execFileSync('sqlite3', [sqliteDb, 'PRAGMA wal_checkpoint(TRUNCATE);']);
copyFileSync(sqliteDb, join(OUT, `schema${version}.sqlite.db`));
const admin = process.env.LEADWIRE_TEST_PG;
const name = `lw_fixture_${process.pid}`;
execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
const pgUrl = admin.slice(0, admin.lastIndexOf('/') + 1) + name;
const pgFacts = await fill(pgUrl);
const dump = execFileSync('pg_dump', ['--no-owner', '--no-privileges', '--format=plain', pgUrl], { encoding: 'utf8', maxBuffer: 64 << 20 });
// psql's \restrict lines (newer pg_dump minors) are left out: any psql 15 loads it.
writeFileSync(join(OUT, `schema${version}.pg.sql`), dump.replace(/^\\(un)?restrict .*\n/gm, ''));
execFileSync('psql', [admin, '-qc', `DROP DATABASE ${name} WITH (FORCE)`]);
writeFileSync(join(OUT, `schema${version}.json`), `${JSON.stringify({ made_by: commit, schema_version: Number(version), sqlite: sqliteFacts, postgresql: pgFacts }, null, 2)}\n`);
console.log(`wrote ${OUT}schema${version}.*`);
