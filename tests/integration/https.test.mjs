// HTTPS delivery against local receivers whose certificates a test CA made in
// this run signed: the CA trusted with --ca-file, host names verified, TLS
// connections reused, and every certificate failure recorded on the attempt
// with its reason and retried like any other failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { api, cleanup, cli, freshDatabase, startServer } from './helpers.mjs';
import { poll, startReceiver } from './receiver.mjs';
import { makeTestCa } from './test_ca.mjs';

let d, server, ca, certDir;
const rx = {};
const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });

before(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'leadwire-ca-'));
  ca = makeTestCa(certDir);
  for (const name of ['good', 'wrongHost', 'expired', 'selfSigned'])
    rx[name] = await startReceiver({ tls: ca[name] });
  d = freshDatabase('TLS Law');
  server = await startServer(d.db, ['--ca-file', ca.caFile, '--allow-destination', '127.0.0.1/32']);
  await call('PUT', '/api/settings/webhooks', { enabled: true });
});

after(async () => {
  await server?.stop();
  for (const r of Object.values(rx)) await r.close();
  if (d) cleanup(d.dir, d.db);
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

let rules = 0;
// A rule for Contact Added to `url` (the others are switched off), and one contact.
async function deliverOnce(url) {
  for (const r of (await call('GET', '/api/webhook-rules')).json.records)
    if (r.enabled) await call('PUT', `/api/webhook-rules/${r.id}`, { title: r.title, url: r.url, trigger: 6, enabled: false });
  const rule = (await call('POST', '/api/webhook-rules', { title: `tls ${++rules}`, url, trigger: 'Contact Added' })).json;
  assert.ok(rule.id, JSON.stringify(rule));
  await call('POST', '/api/contacts', { first_name: `TLS ${rules}` });
  return rule;
}

async function firstAttempt(rule) {
  return poll(async () => (await call('GET', `/api/webhook-rules/${rule.id}/deliveries`)).json.records
    .find((x) => x.attempts.length >= 1), 15000, 'the first attempt');
}

test('a webhook to an HTTPS endpoint whose CA is given with --ca-file arrives, signed', async () => {
  const rule = await deliverOnce(rx.good.url('/ok'));
  await rx.good.until(() => rx.good.at('/ok').length === 1, 15000, 'the HTTPS webhook');
  const hook = rx.good.at('/ok')[0];
  const key = (await call('GET', '/api/settings/webhooks')).json.authentication_key;
  assert.equal(new Webhook(key).verify(hook.body, hook.headers).ContactFirstName, 'TLS 1');
  const del = await firstAttempt(rule);
  assert.equal(del.attempts[0].http_status, 200);
  await poll(async () => (await call('GET', `/api/webhook-rules/${rule.id}/deliveries`)).json.records[0].status === 'delivered',
    10000, 'delivered');
});

test('the host name is verified: localhost and 127.0.0.1 are both in the certificate', async () => {
  await deliverOnce(rx.good.url('/by-name', 'localhost'));
  await rx.good.until(() => rx.good.at('/by-name').length === 1, 15000, 'the webhook to localhost');
});

test('TLS connections are reused: twenty webhooks one after another, one handshake', async () => {
  await deliverOnce(rx.good.url('/many'));
  await rx.good.until(() => rx.good.at('/many').length === 1, 15000, 'the first webhook');
  const before = rx.good.connections.tls;
  for (let i = 1; i < 20; ++i) {
    await call('POST', '/api/contacts', { first_name: `Many ${i}` });
    await rx.good.until(() => rx.good.at('/many').length === i + 1, 15000, `webhook ${i + 1}`);
  }
  const handshakes = rx.good.connections.tls - before;
  assert.ok(handshakes <= 1, `${handshakes} new TLS connections for 19 more webhooks`);
});

// A receiver that follows its first answer with a second one nobody asked
// for, in a TLS record of its own that reaches Leadwire in the same TCP
// segment: the bytes sit in Leadwire's TLS layer, not yet decrypted. The
// connection must not be reused, or the next webhook would take that stale
// 200 for its answer without the receiver ever seeing it. (TLS over a
// stream that gathers what TLS writes in one tick into one TCP write.)
test('a TLS connection holding bytes nobody asked for is not reused', async () => {
  const seen = [];
  const raw = net.createServer((tcp) => {
    let gathered = [];
    const wire = new Duplex({
      read() {},
      write(chunk, _encoding, done) {
        if (gathered.push(chunk) === 1)
          setTimeout(() => { tcp.write(Buffer.concat(gathered)); gathered = []; }, 20);
        done();
      },
    });
    tcp.on('data', (d) => wire.push(d));
    tcp.on('end', () => wire.push(null));
    tcp.on('error', () => {});
    const socket = new tls.TLSSocket(wire, { isServer: true, ...ca.good });
    socket.on('error', () => {});
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(data.slice(0, end))?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      data = data.slice(end + 4 + length);
      seen.push(socket);
      if (seen.length === 1) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale');
      } else {
        socket.write('HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nfresh');
      }
    });
  });
  await new Promise((resolve) => raw.listen(0, '127.0.0.1', resolve));
  try {
    const rule = await deliverOnce(`https://127.0.0.1:${raw.address().port}/stale`);
    await poll(async () => seen.length === 1, 15000, 'the first webhook');
    await call('POST', '/api/contacts', { first_name: 'After the extra record' });
    await poll(async () => seen.length === 2, 15000, 'the second webhook reaching the receiver');
    const records = await poll(async () => {
      const r = (await call('GET', `/api/webhook-rules/${rule.id}/deliveries`)).json.records;
      return r.length === 2 && r.every((x) => x.attempts.length >= 1) && r;
    }, 15000, 'both attempts recorded');
    const statuses = records.map((x) => x.attempts[0].http_status).sort();
    assert.deepEqual(statuses, [200, 201], 'the second answer is the receiver\'s own, not the stale record');
    assert.notEqual(seen[1], seen[0], 'the second webhook went on a new connection');
  } finally {
    raw.close();
  }
});

for (const [name, reason] of [
  ['wrongHost', /TLS certificate not accepted.*(subject name|host name|match)/i],
  ['selfSigned', /TLS certificate not accepted.*self.signed/i],
  ['expired', /TLS certificate not accepted.*expired/i],
]) {
  test(`a certificate that fails (${name}) is recorded with its reason and retried`, async () => {
    const rule = await deliverOnce(rx[name].url(`/${name}`));
    const del = await firstAttempt(rule);
    assert.equal(del.status, 'pending', 'retried per §6');
    assert.equal(del.attempts[0].http_status, null);
    assert.match(del.attempts[0].error, reason);
    assert.ok(del.next_attempt_at);
    assert.equal(rx[name].at(`/${name}`).length, 0, 'nothing was sent over the untrusted connection');
  });
}

test('without --ca-file the test CA is not trusted', async () => {
  const d2 = freshDatabase('No CA Law');
  const s2 = await startServer(d2.db, ['--allow-destination', '127.0.0.1/32']);
  try {
    const call2 = (method, path, body) => api(s2.base, method, path, { token: d2.admin.api_token, body });
    await call2('PUT', '/api/settings/webhooks', { enabled: true });
    const rule = (await call2('POST', '/api/webhook-rules', { title: 'untrusted', url: rx.good.url('/untrusted'), trigger: 'Contact Added' })).json;
    await call2('POST', '/api/contacts', { first_name: 'Nobody' });
    const del = await poll(async () => (await call2('GET', `/api/webhook-rules/${rule.id}/deliveries`)).json.records
      .find((x) => x.attempts.length >= 1), 15000, 'the refused attempt');
    assert.match(del.attempts[0].error, /TLS certificate not accepted.*(issuer|certificate)/i);
    assert.equal(rx.good.at('/untrusted').length, 0);
  } finally {
    await s2.stop();
    cleanup(d2.dir, d2.db);
  }
});

test('--ca-file that cannot be read or holds no certificate stops serve with a clear message', () => {
  const missing = cli(['serve', '--db', d.db, '--listen', '127.0.0.1:0', '--ca-file', join(certDir, 'nope.pem')]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--ca-file .*nope\.pem cannot be read/);
  const notPem = cli(['serve', '--db', d.db, '--listen', '127.0.0.1:0', '--ca-file', join(certDir, 'index.txt')]);
  assert.notEqual(notPem.code, 0);
  assert.match(notPem.stderr, /holds no PEM certificate/);
});
