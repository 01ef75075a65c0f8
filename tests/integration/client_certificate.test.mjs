// §8 client certificates (mutual TLS): the organization's certificate is
// checked when it is set (PEM, the key matches, valid now: 422 otherwise),
// stored sealed, shown by subject, issuer and expiry (never the key), and
// presented to a receiver that demands one — by that organization only: a
// firm without one, sending to the same receiver, is refused there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addOrganization, api, cleanup, freshDatabase, startServer, STORE } from './helpers.mjs';
import { poll, startReceiver } from './receiver.mjs';
import { makeTestCa } from './test_ca.mjs';

let d, server, rx, ca, certDir, other;
const as = (token) => (method, path, body) => api(server.base, method, path, { token, body });
let callA, callB;

before(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'leadwire-mtls-'));
  ca = makeTestCa(certDir);
  // Lets in only clients whose certificate the test CA signed.
  rx = await startReceiver({ tls: { ...ca.good, ca: readFileSync(ca.caFile), requestCert: true, rejectUnauthorized: true } });
  rx.behave('/mtls', (req, res) => {
    res.writeHead(200, { 'x-client': req.socket.getPeerCertificate().subject?.CN ?? '' });
    res.end(`hello ${req.socket.getPeerCertificate().subject?.CN}`);
  });
  d = freshDatabase('Mutual Law');
  other = addOrganization(d.db, 'Plain Law');
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32', '--ca-file', ca.caFile]);
  callA = as(d.admin.api_token);
  callB = as(other.api_token);
  for (const [call, title] of [[callA, 'Mutual'], [callB, 'Plain']]) {
    await call('PUT', '/api/settings/webhooks', { enabled: true });
    assert.equal((await call('POST', '/api/webhook-rules', { title, url: rx.url('/mtls'), trigger: 'Lead Created' })).status, 201);
  }
});

after(async () => {
  await server?.stop();
  await rx?.close();
  if (d) cleanup(d.dir, d.db);
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

const pem = (x) => x.toString();
async function lastAttemptOf(call) {
  const rule = (await call('GET', '/api/webhook-rules')).json.records[0];
  return poll(async () => {
    const rows = (await call('GET', `/api/webhook-rules/${rule.id}/deliveries`)).json.records;
    const detail = rows.length && (await call('GET', `/api/deliveries/${rows[0].id}`)).json;
    return detail?.attempts?.length && detail.attempts.at(-1);
  }, 15000, 'an attempt');
}
const lead = async (call, name) => assert.equal((await call('POST', '/api/leads', { contact: { first_name: name } })).status, 201);

test('a certificate that cannot be used is refused per field, and nothing is kept', async () => {
  const cases = [
    [{ certificate_pem: pem(ca.client.cert), private_key_pem: pem(ca.good.key) }, 'client_certificate.private_key_pem', /does not match/],
    [{ certificate_pem: pem(ca.expiredClient.cert), private_key_pem: pem(ca.expiredClient.key) }, 'client_certificate.certificate_pem', /expired/],
    [{ certificate_pem: 'hello', private_key_pem: pem(ca.client.key) }, 'client_certificate.certificate_pem', /holds no certificate/],
    [{ certificate_pem: pem(ca.client.cert), private_key_pem: 'hello' }, 'client_certificate.private_key_pem', /no private key/],
    [{ certificate_pem: pem(ca.client.cert) }, 'client_certificate.private_key_pem', /required/],
    ['yes', 'client_certificate', /certificate_pem/],
  ];
  for (const [body, field, message] of cases) {
    const res = await callA('PUT', '/api/settings/webhooks', { client_certificate: body });
    assert.equal(res.status, 422, field);
    assert.match(res.json.error.fields[field] ?? '', message, JSON.stringify(res.json.error));
  }
  assert.equal((await callA('GET', '/api/settings/webhooks')).json.client_certificate, null);
});

test('the organization\'s certificate is presented to a receiver that asks; another firm\'s webhooks are not', async () => {
  const set = await callA('PUT', '/api/settings/webhooks', { client_certificate: { certificate_pem: pem(ca.client.cert), private_key_pem: pem(ca.client.key) } });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  const shown = set.json.client_certificate;
  assert.equal(shown.subject, 'CN=client');
  assert.equal(shown.issuer, 'CN=Leadwire Test CA');
  assert.ok(Date.parse(shown.not_after) > Date.now());
  assert.equal(shown.expires_soon, true, 'two days left: within the 30-day warning');
  assert.equal(shown.expired, false);
  assert.deepEqual((await callA('GET', '/api/settings/webhooks')).json.client_certificate, shown);
  assert.equal((await callB('GET', '/api/settings/webhooks')).json.client_certificate, null);

  await lead(callA, 'Mutual');
  const ok = await lastAttemptOf(callA);
  assert.equal(ok.http_status, 200, JSON.stringify(ok));
  assert.equal(ok.response_excerpt, 'hello client');
  // The same receiver, the connection above still open: the other firm has no certificate to show.
  await lead(callB, 'Plain');
  const refused = await lastAttemptOf(callB);
  assert.equal(refused.http_status, null);
  assert.match(refused.error, /certificate|closed the connection|TLS/);

  // The key is in neither the database, the audit log nor any answer.
  const key = pem(ca.client.key).split('\n')[1];
  const file = `${d.dir}/leadwire.db`;
  const bytes = STORE === 'sqlite'
    ? Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)))
    : Buffer.from(execFileSync('pg_dump', ['--data-only', d.db]));
  assert.ok(!bytes.includes(key) && !bytes.includes('PRIVATE KEY'), 'the database holds the key');
  const audit = JSON.stringify((await callA('GET', '/api/audit-log')).json);
  assert.match(audit, /webhooks\.client_certificate_set/);
  assert.ok(!audit.includes(key) && !audit.includes('PRIVATE KEY'));

  // Removed: the next webhook goes without it, and is refused.
  const removed = await callA('PUT', '/api/settings/webhooks', { client_certificate: null });
  assert.equal(removed.json.client_certificate, null);
  await lead(callA, 'Again');
  await poll(async () => (await lastAttemptOf(callA)).http_status === null, 15000, 'the attempt without a certificate');
});
