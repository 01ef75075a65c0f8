// Upgrades (§8 "Running as a service"): a database a newer release has
// migrated further than this binary knows is refused with one sentence and
// left as it is, by serve and by init alike.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, cli, freshDatabase, sql, sqlExec, withSecretKey } from './helpers.mjs';

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
