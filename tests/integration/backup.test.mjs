// leadwire backup: a copy taken while the server ingests opens, passes
// integrity_check and serves; mistakes get one clear sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { BIN, STORE, cli, freshDatabase, startServer, api, cleanup } from './helpers.mjs';

function run(args) {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a backup taken during ingest is whole, sound and serves', { skip: STORE !== 'sqlite' && 'SQLite only' }, async () => {
  const d = freshDatabase();
  const server = await startServer(d.db, ['--rate-limit', '0']);  // eight writers on one token
  const token = d.admin.api_token;
  const copy = `${d.dir}/copy.db`;
  try {
    let acknowledged = 0, stop = false;
    const writer = async () => {
      while (!stop) {
        const res = await api(server.base, 'POST', '/api/contacts', { token, body: { first_name: 'Busy', last_name: 'Writer' } });
        assert.equal(res.status, 201);
        ++acknowledged;
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    await new Promise((r) => setTimeout(r, 1000));
    const beforeBackup = acknowledged;
    const taken = await run(['backup', '--db', d.db, '--to', copy]);
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(writers);
    assert.equal(taken.code, 0, taken.stderr);
    const report = JSON.parse(taken.stdout);
    assert.equal(report.backup, copy);
    assert.ok(report.pages > 0 && report.bytes > 0);
    assert.ok(!existsSync(`${copy}.partial`), 'no partial file is left');
    assert.equal(execFileSync('sqlite3', [copy, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');

    // The copy holds no key: it serves with the database's, named in the report, and not without it.
    assert.equal(report.secret_key_file, `${d.dir}/leadwire.db.key`);
    const keyless = cli(['serve', '--db', `sqlite:${copy}`, '--listen', '127.0.0.1:0']);
    assert.equal(keyless.code, 1);
    assert.match(keyless.stderr, /cannot read the secret key file .*copy\.db\.key/);
    const restored = await startServer(`sqlite:${copy}`, ['--secret-key-file', report.secret_key_file]);
    try {
      const list = await api(restored.base, 'GET', '/api/contacts?limit=1', { token });
      assert.equal(list.status, 200, 'the copy serves, with the same tokens');
      assert.ok(list.json.total > 0 && list.json.total < acknowledged, `a snapshot from during the ingest (${list.json.total} of ${acknowledged})`);
      assert.ok(list.json.total >= beforeBackup, 'everything acknowledged before the copy began is in it');
      const created = await api(restored.base, 'POST', '/api/contacts', { token, body: { first_name: 'After' } });
      assert.equal(created.status, 201, 'and takes writes');
    } finally {
      assert.equal(await restored.stop(), 0);
    }
  } finally {
    await server.stop();
    cleanup(d.dir, d.db);
  }
});

test('backup mistakes are one sentence and change nothing', async () => {
  const d = freshDatabase();
  try {
    const target = `${d.dir}/exists.db`;
    execFileSync('sqlite3', [target, 'CREATE TABLE x (y)']);
    if (STORE === 'sqlite') {
      const exists = cli(['backup', '--db', d.db, '--to', target]);
      assert.equal(exists.code, 1);
      assert.match(exists.stderr, /exists\.db already exists; remove it or choose another name/);
      assert.equal(execFileSync('sqlite3', [target, '.tables'], { encoding: 'utf8' }).trim(), 'x', 'left as it was');
    } else {
      const pg = cli(['backup', '--db', d.db, '--to', `${d.dir}/pg.db`]);
      assert.equal(pg.code, 1);
      assert.match(pg.stderr, /back up PostgreSQL with its own tools \(pg_dump/);
    }
    const missing = cli(['backup', '--db', `sqlite:${d.dir}/nope.db`, '--to', `${d.dir}/out.db`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.db does not exist/);
    assert.ok(!existsSync(`${d.dir}/nope.db`), 'a missing database is not created');
    assert.ok(!existsSync(`${d.dir}/out.db`));
  } finally {
    cleanup(d.dir, d.db);
  }
});

test('backup never replaces nor removes what it did not make, and its copy is readable by its owner only', { skip: STORE !== 'sqlite' && 'SQLite only' }, async () => {
  const d = freshDatabase();
  try {
    assert.equal(statSync(d.path).mode & 0o777, 0o600, 'the database holds signing keys: 0600');
    const dangling = `${d.dir}/dangling.db`;
    symlinkSync(`${d.dir}/nowhere`, dangling);
    const refused = cli(['backup', '--db', d.db, '--to', dangling]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /dangling\.db already exists/);
    assert.ok(!existsSync(`${d.dir}/nowhere`), 'the link was not followed');

    const target = `${d.dir}/copy.db`;
    writeFileSync(`${target}.partial`, 'someone else\'s');
    const taken = cli(['backup', '--db', d.db, '--to', target]);
    assert.equal(taken.code, 0, taken.stderr);
    assert.equal(readFileSync(`${target}.partial`, 'utf8'), 'someone else\'s', 'left as it was');
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(d.dir).filter((f) => f.includes('.partial-')), [], 'no file of its own is left');
  } finally {
    cleanup(d.dir, d.db);
  }
});
