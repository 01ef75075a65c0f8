// §8 secrets at rest: init makes the key file (mode 0600) beside a SQLite
// database or where --secret-key-file says; serve refuses to start, in one
// sentence, without its key, with a file that holds no key, or with another
// database's key; on PostgreSQL the flag is required.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cleanup, freshDatabase, sql, startServer, STORE } from './helpers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'leadwire-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// serve's exit and its complaint (it must stop at once, before listening).
function serveFails(args) {
  const r = cli(['serve', '--listen', '127.0.0.1:0', ...args], { timeout: 20000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('leadwire:'));
  assert.equal(lines.length, 1, r.stderr);
  return lines[0];
}

test('init makes the key file, readable by its owner only', { skip: STORE !== 'sqlite' }, () => {
  const r = cli(['init', '--db', `sqlite:${dir}/a.db`, '--org', 'A', '--admin-email', 'a@a.test', '--admin-password', 'long enough']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).secret_key_file, `${dir}/a.db.key`);
  assert.equal(statSync(`${dir}/a.db.key`).mode & 0o777, 0o600);
  const explicit = join(dir, 'elsewhere.key');
  const again = cli(['init', '--db', `sqlite:${dir}/b.db`, '--org', 'B', '--admin-email', 'b@b.test', '--admin-password', 'long enough',
    '--secret-key-file', explicit]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(statSync(explicit).mode & 0o777, 0o600);
});

test('serve refuses a missing key, a file without a key, and another database\'s key', async () => {
  const d = freshDatabase('Keyed Law');
  const key = STORE === 'sqlite' ? `${d.dir}/leadwire.db.key` : null;
  const keyArgs = (file) => ['--db', d.db, '--secret-key-file', file];
  try {
    // The first start leaves its mark: later ones must bring the same key.
    const s = await startServer(d.db);
    await s.stop();
    const own = key ?? join(tmpdir(), 'leadwire-test-keys', `${d.db.slice(d.db.lastIndexOf('/') + 1)}.key`);
    assert.match(serveFails(keyArgs(join(dir, 'nope.key'))), /cannot read the secret key file .*nope\.key \(No such file or directory\)/);
    writeFileSync(join(dir, 'garbage.key'), 'not a key\n');
    assert.match(serveFails(keyArgs(join(dir, 'garbage.key'))), /does not hold a Leadwire secret key/);
    const other = freshDatabase('Other Law');
    const otherKey = STORE === 'sqlite' ? `${other.dir}/leadwire.db.key` : join(tmpdir(), 'leadwire-test-keys', `${other.db.slice(other.db.lastIndexOf('/') + 1)}.key`);
    assert.match(serveFails(keyArgs(otherKey)), /is not the key this database's secrets were sealed with/);
    // init with the wrong key writes nothing (no organization whose password nobody saw).
    const orgs = sql(d.path, 'SELECT COUNT(*) AS n FROM organizations')[0].n;
    const wrongInit = cli(['init', '--db', d.db, '--org', 'Intruder', '--admin-email', 'x@intruder.test',
      '--admin-password', 'long enough', '--secret-key-file', otherKey]);
    assert.equal(wrongInit.code, 1);
    assert.match(wrongInit.stderr, /is not the key this database's secrets were sealed with/);
    assert.equal(sql(d.path, 'SELECT COUNT(*) AS n FROM organizations')[0].n, orgs);
    cleanup(other.dir, other.db);
    if (key) {
      // The default file gone after the database had one: no new key is made.
      copyFileSync(key, join(dir, 'saved.key'));
      unlinkSync(key);
      assert.match(serveFails(['--db', d.db]), /cannot read the secret key file .*leadwire\.db\.key/);
      copyFileSync(join(dir, 'saved.key'), key);
    } else {
      assert.match(serveFails(['--db', d.db, '--secret-key-file', '']), /serve on PostgreSQL needs --secret-key-file/);
    }
    const back = await startServer(d.db, key ? [] : ['--secret-key-file', own]);
    await back.stop();
  } finally {
    cleanup(d.dir, d.db);
  }
});
