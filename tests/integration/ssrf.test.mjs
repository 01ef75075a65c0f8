// The SSRF guard on a server started WITHOUT --allow-destination: loopback in
// every spelling is refused at connect time, the refusal is recorded on the
// attempt like any other failure, and the receiver never sees a request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, startServer, api, cleanup } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

let d, server, rx;
const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });

before(async () => {
  d = freshDatabase();
  server = await startServer(d.db);
  rx = await startReceiver();
  await call('PUT', '/api/settings/webhooks', { enabled: true });
});
after(async () => { await rx.close(); await server.stop(); cleanup(d.dir, d.db); });

for (const [i, host] of ['127.0.0.1', 'localhost', '[::1]', '[::ffff:127.0.0.1]', '127.1.2.3'].entries()) {
  test(`a rule pointing at ${host} is refused by the SSRF guard`, async () => {
    // Each test has its own path, rule and contact, so it holds in any order or alone.
    const path = `/ssrf-${i}`;
    const url = `http://${host}:${rx.port}${path}`;
    const r = (await call('POST', '/api/webhook-rules', { title: `ssrf ${host}`, url, trigger: 'Contact Added' })).json;
    await call('POST', '/api/contacts', { first_name: `SSRF ${host}` });
    const del = await poll(async () => (await call('GET', `/api/webhook-rules/${r.id}/deliveries`)).json.records
      .find((x) => x.attempts.length >= 1), 10000, 'the refused attempt');
    assert.equal(del.status, 'pending', 'a refusal is a failure like any other: retried');
    assert.equal(del.attempts[0].http_status, null);
    assert.match(del.attempts[0].error, /SSRF guard/);
    assert.equal(rx.at(path).length, 0, 'the receiver never saw the request');
    await call('PUT', `/api/webhook-rules/${r.id}`, { title: r.title, url, trigger: 6, enabled: false });
  });
}

test('--https-only refuses http:// rules with a 422 and keeps https:// ones', async () => {
  const { freshDatabase: fresh, startServer: start } = await import('./helpers.mjs');
  const d2 = fresh();
  const s2 = await start(d2.db, ['--https-only']);
  const call2 = (method, path, body) => api(s2.base, method, path, { token: d2.admin.api_token, body });
  await call2('PUT', '/api/settings/webhooks', { enabled: true });
  const plain = await call2('POST', '/api/webhook-rules', { title: 'plain', url: 'http://hooks.example.com/x', trigger: 1 });
  assert.equal(plain.status, 422);
  assert.match(plain.json.error.fields.url, /https/);
  const secure = await call2('POST', '/api/webhook-rules', { title: 'secure', url: 'https://hooks.example.com/x', trigger: 1 });
  assert.equal(secure.status, 201);
  await s2.stop();
  cleanup(d2.dir, d2.db);
});
