// The delivery promises at the edges (issue 19), from outside, on each store:
// a deleted rule's id never reaches another firm; Redeliver of a delivery
// whose rule is gone, or that is in flight, answers 409 and sends nothing;
// a receiver answering in Latin-1 or with a body cut inside a character is
// recorded once, as valid text, and the listing stays valid JSON; a new test
// event on an ordered rule does not wait behind a failed one's retries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, startServer, api, addOrganization, cleanup } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

let d, server, rx, a, b;
const call = (token, method, path, body) => api(server.base, method, path, { token, body });
const strictJson = (buf) => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf));

before(async () => {
  d = freshDatabase('Firm A');
  b = addOrganization(d.db, 'Firm B').api_token;
  a = d.admin.api_token;
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32', '--rate-limit', '0']);
  rx = await startReceiver();
  for (const t of [a, b]) await call(t, 'PUT', '/api/settings/webhooks', { enabled: true });
});
after(async () => {
  await rx.close();
  assert.equal(await server.stop(), 0);
  cleanup(d.dir, d.db);
});

async function deliveryOf(token, ruleId, status) {
  return poll(async () => (await call(token, 'GET', `/api/webhook-rules/${ruleId}/deliveries${status ? `?status=${status}` : ''}`)).json.records[0],
    15000, `a ${status || ''} delivery of rule ${ruleId}`);
}

test("a deleted rule's id is not given again: Redeliver of its delivery answers 409 and no firm's receiver gets it", async () => {
  const ruleA = (await call(a, 'POST', '/api/webhook-rules', { title: 'A', url: rx.url('/firm-a'), trigger: 'Contact Added', enabled: true })).json;
  await call(a, 'POST', '/api/contacts', { first_name: 'Secret', last_name: 'Client' });
  const delivery = await deliveryOf(a, ruleA.id, 'delivered');
  await call(a, 'PUT', `/api/webhook-rules/${ruleA.id}`, { ...ruleA, trigger: ruleA.trigger.id, enabled: false });
  assert.equal((await call(a, 'DELETE', `/api/webhook-rules/${ruleA.id}`)).status, 204);
  const ruleB = (await call(b, 'POST', '/api/webhook-rules', { title: 'B', url: rx.url('/firm-b'), trigger: 'Contact Added', enabled: true })).json;
  assert.ok(ruleB.id > ruleA.id, `a new id (${ruleB.id}), not the deleted ${ruleA.id}`);
  const again = await call(a, 'POST', `/api/deliveries/${delivery.id}/redeliver`);
  assert.equal(again.status, 409, JSON.stringify(again.json));
  assert.equal(again.json.error.code, 'rule_deleted');
  assert.equal((await call(a, 'GET', `/api/deliveries/${delivery.id}`)).json.status, 'delivered', 'nothing changed');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(rx.at('/firm-b').length, 0, "Firm B's receiver got nothing of Firm A's");
  assert.equal(rx.at('/firm-a').length, 1);
  const empty = (await call(b, 'GET', `/api/webhook-rules/${ruleB.id}/deliveries`)).json;
  assert.equal(empty.total, 0, "the new rule shows none of the old rule's deliveries");
});

test('Redeliver while the delivery is in flight answers 409 in_flight; the receiver never holds two copies at once', async () => {
  let open = 0, most = 0;
  rx.behave('/slow', async (req, res) => {
    open += 1; most = Math.max(most, open);
    await new Promise((r) => setTimeout(r, 2500));
    open -= 1;
    res.writeHead(200); res.end('ok');
  });
  const rule = (await call(a, 'POST', '/api/webhook-rules', { title: 'slow', url: rx.url('/slow'), trigger: 'Contact Added', enabled: true, ordered: true })).json;
  await call(a, 'POST', '/api/contacts', { first_name: 'Slow' });
  await rx.until(() => rx.at('/slow').length === 1, 10000, 'the first send');
  const delivery = (await call(a, 'GET', `/api/webhook-rules/${rule.id}/deliveries`)).json.records[0];
  const busy = await call(a, 'POST', `/api/deliveries/${delivery.id}/redeliver`);
  assert.equal(busy.status, 409, JSON.stringify(busy.json));
  assert.equal(busy.json.error.code, 'in_flight');
  await deliveryOf(a, rule.id, 'delivered');
  assert.equal((await call(a, 'POST', `/api/deliveries/${delivery.id}/redeliver`)).status, 202, 'once the attempt ended');
  await rx.until(() => rx.at('/slow').length === 2, 10000, 'the redelivery');
  await deliveryOf(a, rule.id, 'delivered');
  assert.equal(most, 1, 'never two copies at once');
});

for (const [name, body, expected] of [
  ['Latin-1', Buffer.from('Caf\xe9 cr\xe8me', 'latin1'), 'Caf\uFFFD cr\uFFFDme'],
  ['cut inside a character past 8 KiB', Buffer.concat([Buffer.from('x'.repeat(8 * 1024 - 1)), Buffer.from('é and more', 'utf8')]), 'x'.repeat(8 * 1024 - 1)],
  ['holding NUL', Buffer.from('a\u0000b'), 'ab'],
]) {
  test(`a receiver answering 200 with a body ${name} is recorded once, as valid text, and the listing is valid JSON`, async () => {
    const path = `/odd-${name.length}`;
    rx.behave(path, (req, res) => { res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' }); res.end(body); });
    const rule = (await call(a, 'POST', '/api/webhook-rules', { title: `odd ${name}`, url: rx.url(path), trigger: 'Contact Added', enabled: true })).json;
    await call(a, 'POST', '/api/contacts', { first_name: 'Odd' });
    const delivery = await deliveryOf(a, rule.id, 'delivered');
    assert.equal(delivery.attempts.length, 1);
    const listing = await api(server.base, 'GET', `/api/webhook-rules/${rule.id}/deliveries`, { token: a });
    const strict = strictJson(listing.buffer);
    assert.equal(strict.records[0].attempts[0].response_excerpt, expected);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(rx.at(path).length, 1, 'sent once, not again and again');
  });
}

test('on an ordered rule a new test event does not wait behind an earlier test event that is retrying', async () => {
  let calls = 0;
  rx.behave('/tests', (req, res) => { calls += 1; res.writeHead(calls === 1 ? 500 : 200); res.end(); });
  const rule = (await call(a, 'POST', '/api/webhook-rules', { title: 'tests', url: rx.url('/tests'), trigger: 'Lead Created', enabled: true, ordered: true })).json;
  assert.equal((await call(a, 'POST', `/api/webhook-rules/${rule.id}/test`)).status, 202);
  await rx.until(() => calls === 1, 10000, 'the first test event (answered 500)');
  assert.equal((await call(a, 'POST', `/api/webhook-rules/${rule.id}/test`)).status, 202);
  await rx.until(() => calls === 2, 3000, 'the second test event, before the first one\'s 5 s retry');
});
