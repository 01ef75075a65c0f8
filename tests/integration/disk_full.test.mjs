// A full disk (issue 11): the database file may not grow (the server's
// file-size limit is lowered while it runs, as a full disk would stop it),
// writes answer 503 unavailable and store nothing, reads keep working, and
// writes resume once there is room — no restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { STORE, freshDatabase, startServer, api, cleanup, sql } from './helpers.mjs';

test('out of space: writes 503, reads 200, nothing half-written, writes resume', { skip: STORE !== 'sqlite' && 'SQLite file limits' }, async () => {
  const d = freshDatabase();
  const server = await startServer(d.db);
  const token = d.admin.api_token;
  const pid = server.child.pid;
  const long = 'n'.repeat(1000);
  const bulk = Object.fromEntries(['address1', 'address2', 'city', 'county', 'state', 'gender', 'language', 'preferred_contact_method']
    .map((k) => [k, long]));
  try {
    const contact = async (i) => api(server.base, 'POST', '/api/contacts', { token, body: { first_name: `C${i}`, ...bulk } });
    let created = 0;
    for (let i = 0; i < 10; ++i) { assert.equal((await contact(i)).status, 201); ++created; }

    const size = Math.max(statSync(d.path).size, statSync(`${d.path}-wal`).size);
    execFileSync('prlimit', ['--pid', String(pid), `--fsize=${size}:unlimited`]);
    let refused = null;
    for (let i = 10; i < 2000 && !refused; i += 8) {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, k) => contact(i + k)));
      for (const res of answers) {
        if (res.status === 201) ++created;
        else if (!refused) refused = res;
        else assert.equal(res.status, 503, JSON.stringify(res.json));
      }
    }
    assert.ok(refused, 'the file stopped growing');
    assert.equal(refused.status, 503, JSON.stringify(refused.json));
    assert.equal(refused.json.error.code, 'unavailable');
    assert.match(refused.json.error.message, /disk is full/);
    assert.ok(refused.headers.get('retry-after'));

    const list = await api(server.base, 'GET', '/api/contacts?limit=1', { token });
    assert.equal(list.status, 200, 'reads keep working');
    assert.equal(list.json.total, created, 'exactly what was acknowledged is stored');
    assert.equal((await api(server.base, 'GET', '/healthz')).status, 200);

    execFileSync('prlimit', ['--pid', String(pid), '--fsize=unlimited:unlimited']);
    const again = await contact(9999);
    assert.equal(again.status, 201, 'room again: writes resume without a restart');
    ++created;
    assert.equal(await server.stop(), 0, server.stderr().slice(-2000));
    assert.equal(execFileSync('sqlite3', [d.path, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
    assert.equal(sql(d.path, 'SELECT COUNT(*) AS n FROM contacts')[0].n, created);
    assert.equal(sql(d.path, 'SELECT COUNT(*) AS n FROM events WHERE contact_id IS NOT NULL')[0].n, created,
                 'every stored contact has its event, and no event lacks its contact');
  } finally {
    await server.stop();
    cleanup(d.dir, d.db);
  }
});
