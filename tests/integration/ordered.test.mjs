// In-order delivery per lead (a rule's `ordered`): 200 leads each moved
// through five statuses in quick succession, to a receiver that fails the
// first webhook of each lead once. With `ordered`, every lead's webhooks
// arrive in sequence and the last one accepted carries the lead's current
// status; without it the retried first one arrives after the others (so the
// test can fail). Every webhook carries X-Leadwire-Subject and -Sequence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, startServer, api, cleanup } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

const LEADS = 200;
const STATUSES = ['Assigned', 'Under Review', 'Chase', 'Hold', 'Signed Up'];

let d, server, rx;
const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });

// Fails the first webhook of each lead on `path` once (500), accepts the rest.
function failFirstOfEachLead(path) {
  const seen = new Set();
  rx.behave(path, (req, res, entry) => {
    const lead = entry.json.LeadId;
    entry.accepted = seen.has(lead);
    seen.add(lead);
    res.writeHead(entry.accepted ? 200 : 500);
    res.end(entry.accepted ? 'ok' : 'try again');
  });
}
const accepted = (path) => rx.at(path).filter((r) => r.accepted);

before(async () => {
  d = freshDatabase('Ordered Law');
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32', '--rate-limit', '0']);
  rx = await startReceiver();
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  failFirstOfEachLead('/ordered');
  failFirstOfEachLead('/unordered');
  for (const [title, ordered] of [['ordered', true], ['unordered', false]]) {
    const res = await call('POST', '/api/webhook-rules', { title, enabled: true, ordered, url: rx.url(`/${title}`), trigger: 'Lead Status Changed' });
    assert.equal(res.status, 201);
    assert.equal(res.json.ordered, ordered);
  }
});
after(async () => {
  await rx.close();
  assert.equal(await server.stop(), 0);
  cleanup(d.dir, d.db);
});

test('rules are unordered unless asked; the setting is validated and kept', async () => {
  const plain = await call('POST', '/api/webhook-rules', { title: 'plain', url: 'https://hooks.example/p', trigger: 'Lead Created' });
  assert.equal(plain.json.ordered, false);
  const bad = await call('POST', '/api/webhook-rules', { title: 'bad', url: 'https://hooks.example/p', trigger: 'Lead Created', ordered: 'yes' });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.ordered);
  const put = await call('PUT', `/api/webhook-rules/${plain.json.id}`, { title: 'plain', url: 'https://hooks.example/p', trigger: 'Lead Created', ordered: true, enabled: false });
  assert.equal(put.json.ordered, true);
  assert.equal((await call('GET', `/api/webhook-rules/${plain.json.id}`)).json.ordered, true);
});

test("an ordered rule delivers each lead's statuses in order; an unordered one lets an old status arrive last", { timeout: 120000 }, async () => {
  const leads = [];
  for (let i = 0; i < LEADS; i += 1) leads.push((await call('POST', '/api/leads', { contact: { first_name: `Lead ${i}` } })).json.id);
  // Each lead moves through its statuses quickly; 25 leads move at once.
  const queue = [...leads];
  await Promise.all(Array.from({ length: 25 }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const status of STATUSES) {
        const res = await call('POST', `/api/leads/${id}/status`, { status });
        assert.equal(res.status, 200, JSON.stringify(res.json));
      }
    }
  }));
  const expected = LEADS * STATUSES.length;
  await rx.until(() => accepted('/ordered').length === expected && accepted('/unordered').length === expected,
    90000, 'every status webhook accepted on both rules');

  const byLead = (path) => {
    const map = new Map();
    for (const r of accepted(path)) map.set(r.json.LeadId, [...(map.get(r.json.LeadId) || []), r]);
    return map;
  };
  for (const [lead, got] of byLead('/ordered')) {
    assert.deepEqual(got.map((r) => Number(r.headers['x-leadwire-sequence'])), [1, 2, 3, 4, 5], `lead ${lead}: in sequence`);
    assert.deepEqual(got.map((r) => r.json.LeadStatus), STATUSES, `lead ${lead}: statuses in order`);
    assert.equal(got.at(-1).json.LeadStatus, 'Signed Up', `lead ${lead}: the last one is its current status`);
    for (const r of got) assert.equal(r.headers['x-leadwire-subject'], `lead:${lead}`);
  }
  let inversions = 0;
  for (const [, got] of byLead('/unordered')) {
    const seqs = got.map((r) => Number(r.headers['x-leadwire-sequence']));
    assert.deepEqual([...seqs].sort(), [1, 2, 3, 4, 5], 'every webhook carries its sequence');
    if (got.at(-1).json.LeadStatus !== 'Signed Up') inversions += 1;
  }
  assert.ok(inversions > 0, 'without ordering, some lead ends on an old status downstream');
});

test('the delivery log shows subject, sequence, and what a waiting delivery waits for', async () => {
  const rules = (await call('GET', '/api/webhook-rules?filter=ordered')).json.records;
  const ordered = rules.find((r) => r.title === 'ordered');
  // A lead whose first webhook keeps failing: the second waits for it.
  rx.status('/stuck', 500);
  await call('PUT', `/api/webhook-rules/${ordered.id}`, { title: 'ordered', enabled: true, ordered: true, url: rx.url('/stuck'), trigger: 'Lead Status Changed' });
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Stuck' } })).json.id;
  await call('POST', `/api/leads/${lead}/status`, { status: 'Chase' });
  await call('POST', `/api/leads/${lead}/status`, { status: 'Hold' });
  await rx.until(() => rx.at('/stuck').length >= 1, 10000, 'the first attempt');
  const log = await poll(async () => {
    const records = (await call('GET', `/api/webhook-rules/${ordered.id}/deliveries?status=pending`)).json.records
      .filter((r) => r.subject === `lead:${lead}`);
    return records.length === 2 && records.some((r) => r.attempt_count >= 1) ? records : null;
  }, 10000, 'the failed first attempt recorded');
  const [second, first] = log;  // newest first
  assert.equal(first.sequence, 1);
  assert.equal(first.waiting_for, null);
  assert.equal(second.sequence, 2);
  assert.equal(second.waiting_for, 1);
  assert.equal(rx.at('/stuck').filter((r) => r.json.LeadId === lead && r.headers['x-leadwire-sequence'] === '2').length, 0,
    'the second is not sent while the first is retried');
  await call('PUT', `/api/webhook-rules/${ordered.id}`, { title: 'ordered', enabled: false, ordered: true, url: rx.url('/stuck'), trigger: 'Lead Status Changed' });
});
