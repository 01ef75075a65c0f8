// Graceful shutdown (issue 11): on SIGTERM the server accepts nothing more,
// answers the requests it is receiving, closes idle connections, lets the
// webhooks already sent be answered, gives the other leases back at once,
// and exits 0 — so a restart delivers the rest with no lease to wait out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { freshDatabase, startServer, api, cleanup, sql } from './helpers.mjs';
import { startReceiver } from './receiver.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function openSocket(base) {
  const { hostname, port } = new URL(base);
  const s = connect(Number(port), hostname);
  s.text = '';
  s.closedAt = null;
  s.on('data', (d) => { s.text += d.toString('latin1'); });
  s.on('error', (e) => { s.failure = e.code; });
  s.on('close', () => { s.closedAt = Date.now(); });
  return new Promise((resolve, reject) => { s.on('connect', () => resolve(s)); s.on('error', reject); });
}

test('SIGTERM: a request being received is answered, idle connections close, nothing new is accepted', async () => {
  const d = freshDatabase();
  const server = await startServer(d.db);
  const { host } = new URL(server.base);
  try {
    // A kept-alive connection that has had its answer and now waits.
    const idle = await openSocket(server.base);
    idle.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    while (!idle.text.includes('\r\n\r\n')) await sleep(10);

    // A request whose body is still on its way when the signal comes.
    const body = JSON.stringify({ contact: { first_name: 'Halfway', last_name: 'There' } });
    const busy = await openSocket(server.base);
    busy.write(`POST /api/leads HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${d.admin.api_token}\r\n` +
               `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await sleep(200);
    const signalled = Date.now();
    const exited = new Promise((resolve) => server.child.on('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    await sleep(500);

    assert.ok(idle.closedAt, 'the idle connection was closed at once, not after its 60 s timeout');
    await assert.rejects(openSocket(server.base), /ECONNREFUSED/, 'no new connections');
    assert.equal(busy.closedAt, null, 'the running request is still being received');

    busy.write(body.slice(10));
    while (!busy.closedAt) await sleep(10);
    assert.match(busy.text, /^HTTP\/1\.1 201 /, busy.text.slice(0, 200));
    assert.match(busy.text, /\r\nConnection: close\r\n/i, 'its connection closes after the answer');
    assert.equal(await exited, 0, server.stderr().slice(-2000));
    assert.ok(Date.now() - signalled < 5000, 'it exits once the running request is answered');
    assert.equal(sql(d.path, 'SELECT COUNT(*) AS n FROM leads')[0].n, 1, 'the lead was stored');
  } finally {
    await server.stop();
    cleanup(d.dir, d.db);
  }
});

test('SIGTERM mid-drain: webhooks already sent are answered once, the rest arrive right after a restart', async () => {
  const d = freshDatabase();
  const rx = await startReceiver();
  rx.behave('/slow', (req, res) => setTimeout(() => { res.writeHead(200); res.end(); }, 100));
  const args = ['--allow-destination', '127.0.0.1/32', '--max-per-endpoint', '8', '--rate-limit', '0'];
  let server = await startServer(d.db, args);
  const token = d.admin.api_token;
  try {
    await api(server.base, 'PUT', '/api/settings/webhooks', { token, body: { enabled: true } });
    const rule = await api(server.base, 'POST', '/api/webhook-rules',
                           { token, body: { title: 'slow', url: rx.url('/slow'), trigger: 'Contact Added' } });
    assert.equal(rule.status, 201);
    const TOTAL = 300;
    for (let i = 0; i < TOTAL; i += 30)
      await Promise.all(Array.from({ length: 30 }, (_, k) =>
        api(server.base, 'POST', '/api/contacts', { token, body: { first_name: `Drain ${i + k}` } })));
    await rx.until(() => rx.at('/slow').length >= 40, 30000, 'the drain under way');

    const signalled = Date.now();
    assert.equal(await server.stop(), 0, server.stderr().slice(-2000));
    const stopTook = Date.now() - signalled;
    assert.ok(stopTook < 7000, `stopped within the grace (${stopTook} ms)`);
    const beforeRestart = rx.at('/slow').length;
    assert.ok(beforeRestart < TOTAL, `stopped mid-drain (${beforeRestart} of ${TOTAL})`);
    const leased = sql(d.path, "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending' AND lease_until > 0")[0].n;
    assert.equal(leased, 0, 'no lease is left for a restart to wait out');

    server = await startServer(d.db, args);
    const restarted = Date.now();
    await rx.until(() => rx.at('/slow').length > beforeRestart, 10000, 'the first webhook after the restart');
    assert.ok(Date.now() - restarted < 5000, 'delivery resumes at once');
    const contacts = () => new Set(rx.at('/slow').map((r) => r.json?.ContactId));
    await rx.until(() => contacts().size >= TOTAL, 30000, 'every contact delivered');
    const ids = rx.at('/slow').map((r) => r.headers['webhook-id']);
    assert.equal(new Set(ids).size, ids.length, 'no webhook was sent twice: those in flight were answered and recorded');
  } finally {
    await server.stop();
    await rx.close();
    cleanup(d.dir, d.db);
  }
});
