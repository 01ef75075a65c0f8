// --retention-days end to end: a worker deletes finished deliveries older
// than the limit, with their attempts and events, and counts them in /metrics;
// recent and pending ones stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, startServer, api, cleanup, sql, sqlExec } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

const DAY = 86400000;

test('finished deliveries older than --retention-days are deleted with their attempts and events', async () => {
  const d = freshDatabase();
  const rx = await startReceiver();
  rx.status('/down', 500);
  const args = ['--allow-destination', '127.0.0.1/32', '--retention-days', '2'];
  let server = await startServer(d.db, args);
  const token = d.admin.api_token;
  try {
    await api(server.base, 'PUT', '/api/settings/webhooks', { token, body: { enabled: true } });
    await api(server.base, 'POST', '/api/webhook-rules', { token, body: { title: 'ok', url: rx.url('/ok'), trigger: 'Contact Added' } });
    await api(server.base, 'POST', '/api/webhook-rules', { token, body: { title: 'down', url: rx.url('/down'), trigger: 'Contact Added' } });
    for (let i = 0; i < 20; ++i)
      assert.equal((await api(server.base, 'POST', '/api/contacts', { token, body: { first_name: `Old ${i}` } })).status, 201);
    await rx.until(() => rx.at('/ok').length >= 20 && rx.at('/down').length >= 20, 20000, 'first attempts');
    assert.equal(await server.stop(), 0);

    // Three days pass for everything so far (the /down ones stay pending: retried).
    sqlExec(d.path, `UPDATE deliveries SET created_at = created_at - ${3 * DAY}, updated_at = updated_at - ${3 * DAY}`);
    sqlExec(d.path, `UPDATE delivery_attempts SET at = at - ${3 * DAY}`);
    sqlExec(d.path, `UPDATE events SET created_at = created_at - ${3 * DAY}`);
    const before = sql(d.path, "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status");
    assert.deepEqual(before, [{ status: 'delivered', n: 20 }, { status: 'pending', n: 20 }]);

    server = await startServer(d.db, args);
    const counter = async (table) => {
      const text = await (await fetch(`${server.base}/metrics`)).text();
      return Number((text.match(new RegExp(`^leadwire_retention_deleted_total\\{table="${table}"\\} (\\d+)`, 'm')) || [])[1]);
    };
    await poll(async () => (await counter('deliveries')) === 20, 10000, 'retention at start-up');
    assert.equal(await counter('delivery_attempts'), 20);
    assert.equal(await counter('events'), 0, 'every event still has its pending /down delivery');
    const after = sql(d.path, "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status");
    assert.deepEqual(after, [{ status: 'pending', n: 20 }], 'pending deliveries stay however old');
    assert.equal(sql(d.path, 'SELECT COUNT(*) AS n FROM events')[0].n, 20);
    const orphans = sql(d.path, 'SELECT COUNT(*) AS n FROM delivery_attempts a WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)');
    assert.equal(orphans[0].n, 0, 'no attempt outlives its delivery');

    // A fresh delivery is kept.
    await api(server.base, 'POST', '/api/contacts', { token, body: { first_name: 'New' } });
    await rx.until(() => rx.at('/ok').length >= 21, 10000, 'a new delivery');
    // Its result is written a moment after the receiver has it.
    await poll(() => sql(d.path, "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'delivered'")[0].n === 1,
               10000, 'the new delivery recorded and kept');
  } finally {
    await server.stop();
    await rx.close();
    cleanup(d.dir, d.db);
  }
});
