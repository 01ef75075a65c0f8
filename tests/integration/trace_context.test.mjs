// Trace context end to end: a request's W3C traceparent is kept with the
// events it causes and continued on each of their webhooks (same trace id, a
// new span per attempt, the caller's flags), and its log line names the
// trace; a request without one starts a trace of its own, which all its
// webhooks share.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, cleanup, freshDatabase, startServer } from './helpers.mjs';
import { poll, startReceiver } from './receiver.mjs';

let d, server, rx;
const call = (method, path, body, headers) =>
  api(server.base, method, path, { token: d.admin.api_token, body, headers });
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER = `00-${TRACE}-00f067aa0ba902b7-01`;
const parse = (tp) => /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(tp ?? '');

before(async () => {
  rx = await startReceiver();
  d = freshDatabase('Trace Law');
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  for (const path of ['/one', '/two'])
    assert.equal((await call('POST', '/api/webhook-rules', { title: path, url: rx.url(path), trigger: 'Lead Created' })).status, 201);
});

after(async () => {
  await server?.stop();
  await rx?.close();
  if (d) cleanup(d.dir, d.db);
});

// The webhooks of the lead named `name`, once both rules' have arrived.
async function hooksOf(name) {
  const mine = (path) => rx.at(path).filter((r) => JSON.parse(r.body).ContactFirstName === name);
  await rx.until(() => mine('/one').length >= 1 && mine('/two').length >= 1, 15000, `the webhooks of ${name}`);
  return [mine('/one')[0], mine('/two')[0]];
}

test('a request\'s traceparent is continued on each webhook it causes, a new span each', async () => {
  const res = await call('POST', '/api/leads', { contact: { first_name: 'Traced' } }, { traceparent: CALLER });
  assert.equal(res.status, 201);
  const hooks = await hooksOf('Traced');
  const spans = hooks.map((h) => {
    const m = parse(h.headers.traceparent);
    assert.ok(m, `a traceparent: ${h.headers.traceparent}`);
    assert.equal(m[1], TRACE, 'the caller\'s trace id');
    assert.equal(m[3], '01', 'the caller\'s flags');
    return m[2];
  });
  assert.notEqual(spans[0], spans[1]);
  assert.ok(!spans.includes('00f067aa0ba902b7'), 'not the caller\'s span');
  assert.match(server.stderr(), new RegExp(`POST /api/leads 201 .*trace=${TRACE}`), 'the request\'s log line');

  // Sent again (redeliver): the same trace, another span.
  const rules = (await call('GET', '/api/webhook-rules')).json.records;
  const one = rules.find((r) => r.title === '/one');
  const first = await poll(async () => (await call('GET', `/api/webhook-rules/${one.id}/deliveries`)).json.records
    .find((x) => x.status === 'delivered'), 15000, 'the first delivery recorded');
  const before = rx.at('/one').length;
  assert.equal((await call('POST', `/api/deliveries/${first.id}/redeliver`)).status < 300, true);
  await rx.until(() => rx.at('/one').length > before, 15000, 'the redelivered webhook');
  const again = parse(rx.at('/one').at(-1).headers.traceparent);
  assert.equal(again[1], TRACE);
  assert.ok(!spans.includes(again[2]), 'a new span for the new attempt');
});

test('a request without one (or with a malformed one) starts a trace its webhooks share', async () => {
  for (const [name, headers] of [['Untraced', {}], ['Garbled', { traceparent: '00-not-a-trace-01' }]]) {
    assert.equal((await call('POST', '/api/leads', { contact: { first_name: name } }, headers)).status, 201);
    const [one, two] = (await hooksOf(name)).map((h) => parse(h.headers.traceparent));
    assert.ok(one && two, `${name}: both carry a traceparent`);
    assert.equal(one[1], two[1], `${name}: one trace for the request`);
    assert.notEqual(one[1], TRACE);
    assert.notEqual(one[2], two[2]);
  }
});
