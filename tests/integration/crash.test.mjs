// At-least-once across a crash: while 10,000 events are being delivered the
// server is killed with SIGKILL, then restarted on the same database. Every
// change the API acknowledged reaches the receiver, and so does every
// webhook-id in the database (duplicates are allowed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, startServer, api, cleanup, sql } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

const EVENTS = 10000;
const CONCURRENCY = 32;

test('kill -9 during delivery loses nothing that was acknowledged', { timeout: 600000 }, async () => {
  const d = freshDatabase();
  const rx = await startReceiver();
  // Once a quarter has arrived the receiver stops answering, so that the kill
  // always finds a backlog however fast delivery keeps up with ingest here.
  let stalled = false;
  const held = [];
  rx.behave('/crash', (req, res) => {
    if (stalled) return held.push(res);
    setTimeout(() => { res.writeHead(200); res.end(); }, 10);
  });
  // One token sends all 10,000 writes: no rate limit.
  const args = ['--allow-destination', '127.0.0.1/32', '--rate-limit', '0'];
  let server = await startServer(d.db, args);
  const token = d.admin.api_token;
  await api(server.base, 'PUT', '/api/settings/webhooks', { token, body: { enabled: true } });
  await api(server.base, 'POST', '/api/webhook-rules', { token, body: { title: 'crash', url: rx.url('/crash'), trigger: 'Contact Added' } });

  const acknowledged = new Set();
  let next = 0, killed = false;
  const base = server.base;
  async function worker() {
    while (next < EVENTS) {
      const i = next++;
      try {
        const res = await api(base, 'POST', '/api/contacts', { token, body: { first_name: `Crash ${i}` } });
        if (res.status === 201) acknowledged.add(res.json.id);
      } catch {
        if (killed) return;  // the server is gone: this request was never acknowledged
        throw new Error(`request ${i} failed before the kill`);
      }
    }
  }
  const killer = (async () => {
    await rx.until(() => rx.at('/crash').length >= EVENTS / 4, 300000, 'a quarter delivered');
    stalled = true;
    await poll(() => acknowledged.size >= rx.at('/crash').length + 500, 300000, 'a backlog of 500');
    killed = true;
    server.child.kill('SIGKILL');
  })();
  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), killer]);
  await new Promise((r) => server.child.exitCode !== null || server.child.signalCode ? r() : server.child.on('exit', r));
  const beforeRestart = rx.at('/crash').length;
  assert.ok(beforeRestart < acknowledged.size, `killed mid-delivery (${beforeRestart} of ${acknowledged.size} delivered)`);

  stalled = false;
  for (const res of held) res.destroy();

  // Restart on the same database and let it finish (leases of the dead node run out).
  server = await startServer(d.db, args);
  const seenContacts = () => new Set(rx.at('/crash').map((r) => r.json?.ContactId));
  await rx.until(() => {
    const seen = seenContacts();
    for (const id of acknowledged) if (!seen.has(id)) return false;
    return true;
  }, 240000, 'every acknowledged contact delivered after the restart');

  const ids = new Set(rx.at('/crash').map((r) => r.headers['webhook-id']));
  const stored = sql(d.path, 'SELECT webhook_id, status FROM deliveries');
  assert.ok(stored.length >= acknowledged.size);
  await rx.until(() => stored.every((s) => ids.has(s.webhook_id) || rx.at('/crash').some((r) => r.headers['webhook-id'] === s.webhook_id)), 60000, 'every stored webhook-id');
  assert.equal(await server.stop(), 0);
  await rx.close();
  cleanup(d.dir, d.db);
});
