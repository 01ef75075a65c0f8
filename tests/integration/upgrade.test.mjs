// Upgrades (§8 "Running as a service"): a database made by an earlier
// release (tests/fixtures/upgrade, made once by tests/upgrade/make_fixture.mjs
// with that release's binary: a SQLite file and a pg_dump) is migrated when
// today's binary starts, and keeps its leads, rules, delivery log, token and
// pending webhooks, which then deliver; a database a newer release has
// migrated further than this binary knows is refused with one sentence and
// left as it is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORE, api, cleanup, cli, freshDatabase, sql, sqlExec, startServer, withSecretKey } from './helpers.mjs';
import { startReceiver } from './receiver.mjs';

const d = freshDatabase('Upgrade Law');
after(() => cleanup(d.dir, d.db));

test('a database from a newer release stops serve with one sentence and is not touched', () => {
  const known = sql(d.path, 'SELECT MAX(version) AS v FROM schema_migrations')[0].v;
  sqlExec(d.path, `INSERT INTO schema_migrations (version, applied_at) VALUES (${known + 5}, 0)`);
  const tables = sql(d.path, STORE_TABLES);
  const r = cli(withSecretKey(['serve', '--db', d.db, '--listen', '127.0.0.1:0']));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`migrated by a newer Leadwire \\(schema version ${known + 5}; this binary knows up to ${known}\\): run that release or a later one`));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.deepEqual(sql(d.path, STORE_TABLES), tables, 'nothing changed');
  sqlExec(d.path, `DELETE FROM schema_migrations WHERE version = ${known + 5}`);
});

const STORE_TABLES = d.db.startsWith('postgresql://')
  ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
  : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1";

const FIXTURES = new URL('../fixtures/upgrade/', import.meta.url).pathname;

// The fixture of `version` as a database of this run's store: {db, path, dir, facts}.
function restore(version) {
  const facts = JSON.parse(readFileSync(join(FIXTURES, `schema${version}.json`), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'leadwire-upgrade-'));
  if (STORE === 'sqlite') {
    copyFileSync(join(FIXTURES, `schema${version}.sqlite.db`), join(dir, 'leadwire.db'));
    return { db: `sqlite:${dir}/leadwire.db`, path: join(dir, 'leadwire.db'), dir, facts: facts.sqlite, made_by: facts.made_by };
  }
  const admin = process.env.LEADWIRE_TEST_PG;
  const name = `lw_upgrade_${process.pid}_${version}`;
  execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name}`]);
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  const db = admin.slice(0, admin.lastIndexOf('/') + 1) + name;
  execFileSync('psql', [db, '-q', '-v', 'ON_ERROR_STOP=1', '-f', join(FIXTURES, `schema${version}.pg.sql`)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { db, path: db, dir, facts: facts.postgresql, made_by: facts.made_by };
}

test('a database made by an earlier release is migrated and keeps its leads, rules, deliveries and pending work', async () => {
  const old = restore(4);
  // Their next tries are due by now, as for any fixture older than its
  // retry back-off (one made minutes ago is not yet).
  sqlExec(old.path, "UPDATE deliveries SET next_attempt_at = 0 WHERE status = 'pending'");
  // The receiver that was down is back, here (as its URL, the fixture's
  // port, may be anyone's now).
  const rx = await startReceiver();
  // What the old release queued is sent as it recorded it (its payloads had
  // fewer keys then): not held to today's schema. New events are (/today).
  rx.templated('/back');
  sqlExec(old.path, `UPDATE webhook_rules SET url = '${rx.url('/back')}' WHERE title = 'Pending CRM'`);
  const server = await startServer(old.db, ['--allow-destination', '127.0.0.1/32']);
  const call = (method, path, body) => api(server.base, method, path, { token: old.facts.api_token, body });
  try {
    const known = sql(old.path, 'SELECT MAX(version) AS v FROM schema_migrations')[0].v;
    assert.ok(known > 4, `migrated past schema 4 (made by ${old.made_by})`);
    // The token the old release issued still works; leads keep their codes.
    const leads = (await call('GET', '/api/leads?limit=100')).json;
    assert.deepEqual(leads.records.map((l) => l.code).sort(), old.facts.leads.map((l) => l.code).sort());
    const lead1 = (await call('GET', `/api/leads/${old.facts.leads[0].id}`)).json;
    assert.equal(lead1.contact.first_name, 'Ada');
    const rules = (await call('GET', '/api/webhook-rules')).json.records;
    assert.deepEqual(rules.map((r) => r.title).sort(), ['Delivered CRM', 'Pending CRM']);
    const delivered = rules.find((r) => r.title === 'Delivered CRM');
    const pending = rules.find((r) => r.title === 'Pending CRM');
    const log = (await call('GET', `/api/webhook-rules/${delivered.id}/deliveries`)).json;
    assert.equal(log.total, old.facts.delivered_to_crm);
    assert.ok(log.records.every((d) => d.status === 'delivered' && d.attempts.length === 1));
    // The pending webhooks the old release queued deliver, signed.
    const all = (await call('GET', `/api/webhook-rules/${pending.id}/deliveries`)).json;
    assert.equal(all.total, 3);
    await rx.until(() => rx.at('/back').length >= 3, 30000, "the old release's pending webhooks");
    const codes = rx.at('/back').map((w) => w.json.LeadCode).sort();
    assert.deepEqual(codes, old.facts.leads.map((l) => l.code).sort());
    assert.ok(rx.at('/back').every((w) => w.headers['webhook-signature'].startsWith('v1,')));
    // And new work goes as today's release sends it, fitting today's schema.
    const moved = await call('PUT', `/api/webhook-rules/${pending.id}`, { title: 'Pending CRM', url: rx.url('/today'), trigger: 'Lead Created', enabled: true });
    assert.equal(moved.status, 200, JSON.stringify(moved.json));
    await call('POST', '/api/leads', { contact: { first_name: 'After', last_name: 'Upgrade' } });
    await rx.until(() => rx.at('/today').length >= 1, 15000, 'a new lead after the upgrade');
  } finally {
    await server.stop();
    await rx.close();
    cleanup(old.dir, old.db);
  }
});
