// Several nodes on one PostgreSQL database (run with the PostgreSQL store
// only): nodes starting together migrate once; a rule saved through one api
// node is matched by the next write on another; two api and two worker nodes
// deliver every webhook exactly once; a worker killed with SIGKILL mid-drain
// loses nothing and repeats only what it held; a database crash during
// ingest answers 503, never a 2xx for a lead it did not keep, and every node
// carries on without a restart. The test has a PostgreSQL server of its own,
// since it crashes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, cli, secretKeyFile, sql, startServer, STORE } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

const skip = STORE !== 'postgresql' && 'runs in the PostgreSQL pass of the suite';
const script = new URL('../../scripts/pg-test-server.sh', import.meta.url).pathname;
const ALLOW = ['--allow-destination', '127.0.0.1/32'];
let dir, admin, rx;
let databases = 0;
const pg = (verb) => execFileSync('bash', [script, verb, dir], { encoding: 'utf8' }).trim();

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'leadwire-nodes-'));
  admin = pg('start');
  rx = await startReceiver();
});

after(async () => {
  if (skip) return;
  await rx?.close();
  pg('stop');
  execFileSync('rm', ['-rf', dir]);
});

// An empty database on this test's server.
// Its key file is made as an operator without `init` would make one
// (`openssl rand -base64 32`), to be shared by every node.
function emptyDatabase() {
  const name = `nodes_${++databases}`;
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`], { stdio: 'ignore' });
  const db = admin.slice(0, admin.lastIndexOf('/') + 1) + name;
  writeFileSync(secretKeyFile(db), execFileSync('openssl', ['rand', '-base64', '32']), { mode: 0o600 });
  return db;
}

// A database with one organization, webhooks on; returns {db, token}.
function organization() {
  const db = emptyDatabase();
  const r = cli(['init', '--db', db, '--org', 'Nodes Law', '--admin-email', 'a@nodes.test', '--admin-password', 'long enough pw']);
  assert.equal(r.code, 0, r.stderr);
  return { db, token: JSON.parse(r.stdout).api_token };
}

// One token posts thousands of leads: no rate limit.
const node = (db, role, extra = []) => startServer(db, ['--role', role, ...ALLOW, '--rate-limit', '0', ...extra]);
const stopAll = (nodes) => Promise.all(nodes.map((n) => n.stop()));

async function enableWebhooks(base, token, rules) {
  assert.equal((await api(base, 'PUT', '/api/settings/webhooks', { token, body: { enabled: true } })).status, 200);
  for (const [title, path, trigger] of rules) {
    const r = await api(base, 'POST', '/api/webhook-rules', { token, body: { title, url: rx.url(path), trigger } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
}

// Posts `count` leads, `concurrency` at a time, to the nodes in turn; returns
// the ids acknowledged with 201. `onAnswer(status)` may throw to fail the run.
async function postLeads(bases, token, count, { concurrency = 16, prefix = 'Lead', onAnswer } = {}) {
  const acked = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const r = await api(bases[i % bases.length], 'POST', '/api/leads', { token, body: { contact: { first_name: `${prefix} ${i}` } } });
      if (onAnswer) onAnswer(r);
      else assert.equal(r.status, 201, JSON.stringify(r.json));
      if (r.status === 201) acked.push(r.json.id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return acked;
}

const webhookIds = (path) => rx.at(path).map((r) => r.headers['webhook-id']);
const counts = (ids) => ids.reduce((m, id) => m.set(id, (m.get(id) || 0) + 1), new Map());

test('three nodes started at once on an empty database apply each migration once', { skip, timeout: 60000 }, async () => {
  const db = emptyDatabase();
  const nodes = await Promise.all([node(db, 'all'), node(db, 'api'), node(db, 'worker')]);
  const versions = sql(db, 'SELECT version FROM schema_migrations ORDER BY version').map((r) => r.version);
  assert.deepEqual(versions, versions.map((_, i) => i + 1), 'every version once, none skipped');
  assert.ok(versions.length >= 4);
  for (const n of nodes) assert.equal((await api(n.base, 'GET', '/readyz')).status, 200);
  assert.deepEqual(await stopAll(nodes), [0, 0, 0]);
});

test('a rule created through api node A matches a lead created through node B right after', { skip, timeout: 60000 }, async () => {
  const { db, token } = organization();
  const [a, b, worker] = await Promise.all([node(db, 'api'), node(db, 'api'), node(db, 'worker')]);
  await enableWebhooks(a.base, token, []);
  // Node B matches a lead first, so it holds the organization's rules (none) in its cache.
  assert.equal((await api(b.base, 'POST', '/api/leads', { token, body: { contact: { first_name: 'Before' } } })).status, 201);
  await enableWebhooks(a.base, token, [['on A', '/a-to-b', 'Lead Created']]);
  const lead = await api(b.base, 'POST', '/api/leads', { token, body: { contact: { first_name: 'After' } } });
  assert.equal(lead.status, 201);
  await rx.until(() => rx.at('/a-to-b').some((r) => r.json.LeadId === lead.json.id), 20000, 'the lead made on B delivered by the rule made on A');
  assert.equal(rx.at('/a-to-b').length, 1, 'only the lead made after the rule');
  await stopAll([a, b, worker]);
});

test('two api and two worker nodes: 5,000 leads posted alternately, every webhook arrives exactly once', { skip, timeout: 300000 }, async () => {
  const { db, token } = organization();
  const nodes = await Promise.all([node(db, 'api'), node(db, 'api'), node(db, 'worker'), node(db, 'worker')]);
  await enableWebhooks(nodes[0].base, token, [['all leads', '/exactly-once', 'Lead Created']]);
  const acked = await postLeads([nodes[0].base, nodes[1].base], token, 5000);
  assert.equal(acked.length, 5000);
  await rx.until(() => rx.at('/exactly-once').length >= 5000, 120000, '5,000 webhooks');
  await new Promise((r) => setTimeout(r, 1000));  // time for a duplicate to show up
  const seen = counts(webhookIds('/exactly-once'));
  assert.equal(seen.size, 5000);
  assert.equal(rx.at('/exactly-once').length, 5000, 'no webhook twice');
  const leads = new Set(rx.at('/exactly-once').map((r) => r.json.LeadId));
  assert.ok(acked.every((id) => leads.has(id)));
  const owners = sql(db, 'SELECT COUNT(DISTINCT lease_owner) AS n FROM deliveries')[0].n;
  assert.equal(owners, 2, 'both workers delivered');
  assert.deepEqual(await stopAll(nodes), [0, 0, 0, 0]);
});

test('kill -9 one worker while 10,000 deliveries drain: all arrive, repeats only of what it held', { skip, timeout: 300000 }, async () => {
  const { db, token } = organization();
  const ingest = await node(db, 'api');
  const paths = [0, 1, 2, 3, 4].map((i) => `/drain-${i}`);
  for (const p of paths) rx.behave(p, (req, res) => setTimeout(() => { res.writeHead(200); res.end(); }, 5));
  await enableWebhooks(ingest.base, token, paths.map((p) => [p, p, 'Lead Created']));
  await postLeads([ingest.base], token, 2000);  // 5 rules × 2,000 leads, queued before any worker runs
  const total = () => paths.reduce((n, p) => n + rx.at(p).length, 0);
  const [doomed, survivor] = await Promise.all([node(db, 'worker'), node(db, 'worker')]);
  await rx.until(() => total() >= 2500, 120000, 'a quarter delivered');
  doomed.child.kill('SIGKILL');
  // What any node held at the kill: the only deliveries that may arrive twice.
  const now = Date.now();
  const held = new Set(sql(db, `SELECT webhook_id FROM deliveries WHERE status = 'pending' AND lease_until > ${now}`).map((r) => r.webhook_id));
  assert.ok(total() < 10000, 'killed mid-drain');
  // The survivor takes the dead node's work once its leases (a minute) run out.
  await rx.until(() => new Set(paths.flatMap(webhookIds)).size >= 10000, 180000, 'all 10,000 delivered');
  const seen = counts(paths.flatMap(webhookIds));
  assert.equal(seen.size, 10000);
  const repeated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  for (const id of repeated) assert.ok(held.has(id), `${id} arrived twice but was not held by a node at the kill`);
  // The last answers are recorded just after they arrive.
  await poll(() => sql(db, "SELECT COUNT(*) AS n FROM deliveries WHERE status <> 'delivered'")[0].n === 0,
    10000, 'every delivery recorded as delivered');
  await stopAll([ingest, survivor]);
});

test('an ordered rule, two workers, one killed with SIGKILL: each lead in order, one at a time, nothing lost', { skip, timeout: 300000 }, async () => {
  const { db, token } = organization();
  const ingest = await node(db, 'api');
  const statuses = ['Chase', 'Hold', 'Scheduled', 'Signed Up'];
  // Which leads have a webhook in flight now: two at once for one lead is a failure.
  const inFlight = new Set();
  const overlaps = [];
  rx.behave('/ordered-kill', (req, res, entry) => {
    const lead = entry.json.LeadId;
    if (inFlight.has(lead)) overlaps.push(lead);
    inFlight.add(lead);
    setTimeout(() => { inFlight.delete(lead); res.writeHead(200); res.end(); }, 5);
  });
  assert.equal((await api(ingest.base, 'PUT', '/api/settings/webhooks', { token, body: { enabled: true } })).status, 200);
  assert.equal((await api(ingest.base, 'POST', '/api/webhook-rules', { token, body: {
    title: 'ordered', ordered: true, url: rx.url('/ordered-kill'), trigger: 'Lead Status Changed' } })).status, 201);
  const leads = await postLeads([ingest.base], token, 300);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < leads.length) {
      const id = leads[next++];
      for (const status of statuses)
        assert.equal((await api(ingest.base, 'POST', `/api/leads/${id}/status`, { token, body: { status } })).status, 200);
    }
  }));
  const total = leads.length * statuses.length;
  const [doomed, survivor] = await Promise.all([node(db, 'worker'), node(db, 'worker')]);
  await rx.until(() => rx.at('/ordered-kill').length >= total / 4, 120000, 'a quarter delivered');
  doomed.child.kill('SIGKILL');
  const distinct = () => new Set(rx.at('/ordered-kill').map((r) => r.headers['webhook-id'])).size;
  assert.ok(distinct() < total, 'killed mid-drain');
  // What the dead node held waits for its lease (a minute), and so do the leads' later ones.
  await rx.until(() => distinct() >= total, 240000, 'every status webhook');
  assert.deepEqual(overlaps, [], 'never two webhooks of one lead at once');
  const firstArrivals = new Map();  // lead -> sequences in order of first arrival
  for (const r of rx.at('/ordered-kill')) {
    const seqs = firstArrivals.get(r.json.LeadId) || [];
    const seq = Number(r.headers['x-leadwire-sequence']);
    if (!seqs.includes(seq)) seqs.push(seq);
    firstArrivals.set(r.json.LeadId, seqs);
  }
  assert.equal(firstArrivals.size, leads.length, 'every lead');
  for (const [lead, seqs] of firstArrivals) assert.deepEqual(seqs, [1, 2, 3, 4], `lead ${lead} in order`);
  const last = new Map(rx.at('/ordered-kill').map((r) => [r.json.LeadId, r.json.LeadStatus]));
  for (const id of leads) assert.equal(last.get(id), 'Signed Up', `lead ${id} ends on its current status`);
  await stopAll([ingest, survivor]);
});

test('PostgreSQL crashes during ingest: 503s, never a 2xx for a lead not kept; the nodes carry on', { skip, timeout: 300000 }, async () => {
  const { db, token } = organization();
  const nodes = await Promise.all([node(db, 'api'), node(db, 'api'), node(db, 'worker')]);
  await enableWebhooks(nodes[0].base, token, [['crash', '/pg-crash', 'Lead Created']]);
  const statuses = new Map();
  const onAnswer = (r) => {
    statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
    assert.ok(r.status === 201 || r.status === 503, `answered ${r.status}: ${JSON.stringify(r.json)}`);
    if (r.status === 503) assert.equal(r.json.error.code, 'unavailable');
  };
  const bases = [nodes[0].base, nodes[1].base];
  let acked;
  const crash = (async () => {
    await rx.until(() => rx.at('/pg-crash').length >= 200, 60000, '200 delivered before the crash');
    // Not execFileSync: the clients keep posting while the server restarts.
    await promisify(execFile)('bash', [script, 'crash', dir]);
  })();
  // Ingest runs through the crash and the recovery, then well past it.
  const ingest = postLeads(bases, token, 3000, { concurrency: 8, prefix: 'Crash', onAnswer });
  await crash;
  acked = await ingest;
  assert.ok(statuses.get(503) > 0, `the crash was seen: ${JSON.stringify([...statuses])}`);
  // After the crash every node answers again without a restart.
  for (const base of bases)
    await poll(async () => (await api(base, 'GET', '/readyz')).status === 200, 30000, `${base} ready again`);
  const more = await postLeads(bases, token, 50, { prefix: 'After' });
  assert.equal(more.length, 50);
  acked = acked.concat(more);
  const stored = new Set(sql(db, 'SELECT id FROM leads').map((r) => r.id));
  for (const id of acked) assert.ok(stored.has(id), `lead ${id} was answered 201 but is not stored`);
  await rx.until(() => {
    const delivered = new Set(rx.at('/pg-crash').map((r) => r.json.LeadId));
    return acked.every((id) => delivered.has(id));
  }, 120000, 'every acknowledged lead delivered');
  await stopAll(nodes);
});

test('login throttling holds across nodes, and per client behind a trusted load balancer', { skip, timeout: 120000 }, async () => {
  const { db } = organization();
  const proxy = ['--trusted-proxy', '127.0.0.1/32'];
  const nodes = await Promise.all([node(db, 'api', proxy), node(db, 'api', proxy)]);
  const login = (i, email, password, client) => api(nodes[i % 2].base, 'POST', '/api/session', {
    body: { email, password }, headers: { 'x-forwarded-for': client } });
  // One email guessed by one client through both nodes: ten tries in all,
  // then 429 on every node for that client, even with the right password; the
  // account's owner, from another address, is not locked out.
  for (let i = 0; i < 10; i++) assert.equal((await login(i, 'a@nodes.test', `wrong ${i}`, '198.51.100.9')).status, 401);
  for (let i = 0; i < 2; i++) {
    const r = await login(i, 'a@nodes.test', 'long enough pw', '198.51.100.9');
    assert.equal(r.status, 429, 'the guesser waits, even with the right password');
    assert.equal(r.json.error.code, 'too_many_requests');
  }
  assert.equal((await login(0, 'a@nodes.test', 'long enough pw', '198.51.100.50')).status, 200, 'the owner gets in');
  // One client behind the balancer guessing many emails: its own share, not its neighbours'.
  for (let i = 0; i < 30; i++) assert.equal((await login(i, `u${i}@nodes.test`, 'wrong', '203.0.113.7')).status, 401);
  assert.equal((await login(0, 'v@nodes.test', 'wrong', '203.0.113.7')).status, 429);
  assert.equal((await login(1, 'v@nodes.test', 'wrong', '203.0.113.8')).status, 401, 'another client behind the same balancer');
  await stopAll(nodes);
});
