// The seeded fault campaign (issue 19): Leadwire under odd receivers, Admins
// clicking mid-flight and faults, then healed, drained and checked against the
// delivery promises from the receivers' own records and the database.
//
//   node tests/chaos/campaign.mjs [--store postgresql|sqlite] [--seconds 150]
//        [--seed N] [--bin build/asan/leadwire] [--firms 4] [--rate 12]
//        [--retry-schedule 1s,2s,4s,8s|none]
//
// PostgreSQL: a primary with a synchronous standby, 2 api and 2 worker nodes
// on a multi-host URL (target_session_attrs=read-write). SQLite: one node.
// Intake from several firms; Admin actions at random (Redeliver, also in
// flight; recover; disable/enable; change URL; delete and recreate; rotate the
// key; webhooks off and on; ordered on and off); faults at random (SIGKILL,
// SIGTERM and SIGSTOP of nodes; PostgreSQL: an immediate restart, a 20 s
// stop, a failover to the standby; SQLite: a full disk). Retries follow
// --retry-schedule 1s,2s,4s,8s so that "finally failed" happens within the run.
// Prints the seed, the timeline as it goes, and a RESULT line; exits 1 on a
// violation, printing the events that led to it (the same seed replays it).
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng } from './rng.mjs';
import { startReceivers } from './receivers.mjs';
import { PgPair, Node } from './cluster.mjs';
import { ApiClient } from './api_client.mjs';
import { runChecks } from './checks.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const store = args.store || 'postgresql';
const seconds = Number(args.seconds || 150);
const seed = Number(args.seed ?? Math.floor(Math.random() * 2 ** 31));
const bin = args.bin || new URL('../../build/asan/leadwire', import.meta.url).pathname;
const firms = Number(args.firms || 4);
const rate = Number(args.rate || 12);  // intake requests per second, all firms together
// `--retry-schedule none` runs a build that has no such option (a check of
// the checks against an older build); deliveries then retry on §6's schedule.
const RETRY_SCHEDULE = args['retry-schedule'] || '1s,2s,4s,8s';
const MAX_ATTEMPTS = RETRY_SCHEDULE === 'none' ? 8 : RETRY_SCHEDULE.split(',').length + 1;

const R = rng(seed);
const t0 = Date.now();
const timeline = [];
const violations = [];
const stamp = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
function note(kind, detail = '') {
  timeline.push({ at: Date.now(), kind, detail });
  process.stderr.write(`${stamp()}s ${kind} ${detail}\n`);
}
function violation(kind, detail, evidence) {
  if (violations.length < 200) violations.push({ at: Date.now(), kind, detail, evidence });
  process.stderr.write(`${stamp()}s VIOLATION ${kind}: ${detail}\n`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

console.log(`chaos: seed ${seed}, store ${store}, ${seconds} s of faults, ${firms} firms, binary ${bin}`);
const dir = mkdtempSync(join(tmpdir(), 'leadwire-chaos-'));
// Every node of a PostgreSQL cluster seals secrets with the same key (SQLite's sits by its file).
const keyArgs = store === 'postgresql' ? ['--secret-key-file', join(dir, 'secret.key')] : [];
chmodSync(dir, 0o755);  // PostgreSQL's own user reaches its folders through it
let pair = null;
const nodes = [];
let receivers = null;
let exitCode = 1;

// What the campaign knows, for the checks.
const orgs = [];          // {id, token, rules: {stable, ordered, churn}, keys: [{key, from, until}], off: [[from, to]], leads: Map}
const answers = [];       // every API answer
const redelivered = [];   // [{at, id}] deliveries an Admin redelivered or recovered (their order may change)
const faults = [];        // [{at, kind, node, until}]
const outages = [];       // [{from, to, kind}] the database away or full
const api = new ApiClient({ nodes: () => nodes.filter((n) => n.role !== 'worker'), answers });

try {
  // --- The database and the nodes ----------------------------------------
  let db;
  if (store === 'postgresql') {
    pair = await PgPair.create(join(dir, 'pg'));
    await pair.primaryServer.sql('CREATE DATABASE chaos');
    db = pair.url('chaos');
  } else {
    db = `sqlite:${join(dir, 'leadwire.db')}`;
  }
  for (let i = 1; i <= firms; i++) {
    const out = execFileSync(bin, ['init', '--db', db, '--org', `Firm ${i}`, '--admin-email', `admin@firm${i}.test`,
      '--admin-password', 'chaos campaign', ...keyArgs], { encoding: 'utf8' });
    const init = JSON.parse(out);
    orgs.push({ id: init.org_id, token: init.api_token, rules: {}, keys: [], off: [], leads: new Map(), statuses: new Map() });
  }
  receivers = await startReceivers({
    seed,
    keysOf: (orgId) => orgs.find((o) => o.id === orgId)?.keys ?? [],
    violation,
  });
  const common = ['--allow-destination', '127.0.0.1/32', '--rate-limit', '0', '--retention-days', '0',
    ...(RETRY_SCHEDULE === 'none' ? [] : ['--retry-schedule', RETRY_SCHEDULE]), '--max-per-endpoint', '16'];
  const roles = store === 'postgresql' ? ['api', 'api', 'worker', 'worker'] : ['all'];
  for (const [i, role] of roles.entries()) {
    const node = new Node({ bin, db, role, name: `${role}${i + 1}`, args: [...common, ...keyArgs, ...(store === 'postgresql' ? ['--db-pool', '6'] : [])] });
    nodes.push(await node.start());
  }
  note('started', nodes.map((n) => `${n.name}=${n.base}`).join(' '));

  // --- Each firm's rules ------------------------------------------------------
  for (const org of orgs) {
    const must = async (method, path, body) => {
      const r = await api.call(org.token, method, path, body);
      if (r.status >= 300 || r.status === 'down') throw new Error(`setup ${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    };
    const settings = await must('PUT', '/api/settings/webhooks', { enabled: true });
    org.keys.push({ key: settings.authentication_key, from: 0, until: Infinity });
    org.rules.stable = (await must('POST', '/api/webhook-rules', { title: 'stable', url: receivers.url(org.id, 'stable'), trigger: 'Lead Created', enabled: true })).id;
    org.rules.ordered = (await must('POST', '/api/webhook-rules', { title: 'ordered', url: receivers.url(org.id, 'ordered'), trigger: 'Lead Status Changed', enabled: true, ordered: true })).id;
    org.churn = { url: 'churn-a', enabled: true, ordered: false };
    org.rules.churn = (await must('POST', '/api/webhook-rules', { title: 'churn', url: receivers.url(org.id, 'churn-a'), trigger: 'Note Added', enabled: true })).id;
  }

  // --- Load, Admins, faults, samples -------------------------------------------
  const faultPhaseEnds = Date.now() + seconds * 1000;
  const running = () => Date.now() < faultPhaseEnds;
  const STATUSES = ['Assigned', 'Under Review', 'Chase', 'Hold', 'Scheduled', 'Signed Up', 'Lost'];

  async function intake(org, r) {
    const perFirm = rate / firms;
    while (running()) {
      const leads = [...org.leads.keys()];
      const action = leads.length < 3 ? 'lead' : r.weighted([[5, 'lead'], [4, 'status'], [2, 'note']]);
      const started = Date.now();
      let res;
      if (action === 'lead') {
        res = await api.call(org.token, 'POST', '/api/leads', { contact: { first_name: `Chaos ${r.int(1e6)}` }, status: 'New' });
        if (res.status === 201) org.leads.set(res.json.id, { created: [started, Date.now()], changes: [], ambiguous: false, status: 'New' });
      } else if (action === 'status') {
        const id = r.pick(leads), lead = org.leads.get(id);
        const next = r.pick(STATUSES.filter((s) => s !== lead.status));
        res = await api.call(org.token, 'POST', `/api/leads/${id}/status`, { status: next });
        if (res.status === 200) { lead.status = next; lead.changes.push([started, Date.now()]); }
        else if (res.status === 'down') lead.ambiguous = true;  // it may or may not have changed
      } else {
        const id = r.pick(leads);
        res = await api.call(org.token, 'POST', `/api/leads/${id}/notes`, { note: `chaos ${r.int(1e6)}` });
      }
      if (res.status === 503) await sleep(1000 * Math.max(1, res.retryAfter));
      else if (res.status === 'down') await sleep(1000);
      else await sleep(r.between(0.5, 1.5) * 1000 / perFirm);
    }
  }

  async function admin(r) {
    while (running()) {
      await sleep(r.between(1500, 4000));
      const org = r.pick(orgs);
      const action = r.weighted([[6, 'redeliver'], [1, 'recover'], [3, 'toggle-churn'], [2, 'churn-url'],
        [2, 'delete-churn'], [2, 'rotate-key'], [1, 'webhooks-off-on'], [2, 'churn-ordered']]);
      const call = (method, path, body) => api.call(org.token, method, path, body);
      const churnBody = () => ({ title: 'churn', url: receivers.url(org.id, org.churn.url), trigger: 'Note Added',
        enabled: org.churn.enabled, ordered: org.churn.ordered });
      let res;
      switch (action) {
        case 'redeliver': {
          const rule = r.pick(Object.values(org.rules));
          const status = r.pick(['pending', 'delivered', 'failed', '']);
          const list = await call('GET', `/api/webhook-rules/${rule}/deliveries?limit=50${status ? `&status=${status}` : ''}`);
          const d = list.json?.records?.length ? r.pick(list.json.records) : null;
          if (!d) continue;
          const at = Date.now();
          res = await call('POST', `/api/deliveries/${d.id}/redeliver`);
          if (res.status === 202) redelivered.push({ at, id: d.id });
          note('admin', `org${org.id} redeliver ${d.id} (${d.status}) → ${res.status}${res.json?.error ? ' ' + res.json.error.code : ''}`);
          break;
        }
        case 'recover': {
          const at = Date.now();
          res = await call('POST', `/api/webhook-rules/${org.rules.churn}/recover`, { since: new Date(t0).toISOString() });
          if (res.status === 202) redelivered.push({ at, rule: org.rules.churn });
          note('admin', `org${org.id} recover churn → ${res.status}`);
          break;
        }
        case 'toggle-churn':
          org.churn.enabled = !org.churn.enabled;
          res = await call('PUT', `/api/webhook-rules/${org.rules.churn}`, churnBody());
          if (res.status !== 200) org.churn.enabled = !org.churn.enabled;
          note('admin', `org${org.id} churn ${org.churn.enabled ? 'enabled' : 'disabled'} → ${res.status}`);
          break;
        case 'churn-url':
          org.churn.url = org.churn.url === 'churn-a' ? 'churn-b' : 'churn-a';
          res = await call('PUT', `/api/webhook-rules/${org.rules.churn}`, churnBody());
          note('admin', `org${org.id} churn URL ${org.churn.url} → ${res.status}`);
          break;
        case 'churn-ordered':
          org.churn.ordered = !org.churn.ordered;
          res = await call('PUT', `/api/webhook-rules/${org.rules.churn}`, churnBody());
          note('admin', `org${org.id} churn ordered ${org.churn.ordered} → ${res.status}`);
          break;
        case 'delete-churn': {
          org.churn.enabled = false;
          await call('PUT', `/api/webhook-rules/${org.rules.churn}`, churnBody());
          res = await call('DELETE', `/api/webhook-rules/${org.rules.churn}`);
          note('admin', `org${org.id} churn rule ${org.rules.churn} deleted → ${res.status}`);
          if (res.status === 204) {
            org.churn = { url: 'churn-a', enabled: true, ordered: false };
            const made = await call('POST', '/api/webhook-rules', churnBody());
            if (made.status === 201) org.rules.churn = made.json.id;
            note('admin', `org${org.id} churn rule ${made.json?.id} created → ${made.status}`);
          }
          break;
        }
        case 'rotate-key': {
          const at = Date.now();
          res = await call('POST', '/api/settings/webhooks/rotate-key');
          if (res.status === 200) {
            const grace = Date.parse(res.json.previous_key_valid_until);
            org.keys.at(-1).until = grace;
            org.keys.push({ key: res.json.authentication_key, from: at, until: Infinity });
          }
          note('admin', `org${org.id} key rotated → ${res.status}`);
          break;
        }
        case 'webhooks-off-on': {
          const from = Date.now();
          res = await call('PUT', '/api/settings/webhooks', { enabled: false });
          await sleep(r.between(1000, 4000));
          let on;
          for (let i = 0; i < 60 && on?.status !== 200; i++) {
            on = await call('PUT', '/api/settings/webhooks', { enabled: true });
            if (on.status !== 200) await sleep(1000);
          }
          org.off.push([from, Date.now()]);
          note('admin', `org${org.id} webhooks off (${res.status}) and on (${on.status})`);
          break;
        }
      }
      if (res?.status === 503) await sleep(1000 * Math.max(1, res.retryAfter));
    }
  }

  // Faults: in a short campaign every kind once, in a seeded order; then at random.
  const KINDS = store === 'postgresql'
    ? ['kill-worker', 'kill-api', 'term-worker', 'term-api', 'stop-worker', 'pg-restart', 'pg-stop-20s', 'pg-failover']
    : ['kill', 'term', 'stop', 'disk-full'];
  async function restart(node) {
    for (let i = 0; i < 30; i++) {
      try { await node.start(); note('fault', `${node.name} restarted`); return; }
      catch (e) { note('fault', `${node.name} did not start (${e.message.split('\n')[0]}); again`); await sleep(1000); }
    }
  }
  const pickNode = (r, role) => r.pick(nodes.filter((n) => (role ? n.role === role : true) && n.alive));
  async function fault(kind, r) {
    const at = Date.now();
    const [what, role] = kind.split('-');
    if (what === 'kill' || what === 'term') {
      const node = pickNode(r, store === 'postgresql' ? role : 'all');
      if (!node) return;
      note('fault', `${what} ${node.name}`);
      faults.push({ at, kind: what, node: node.name, role: node.role });
      await node.stop(what === 'kill' ? 'SIGKILL' : 'SIGTERM');
      await sleep(r.between(500, 3000));
      await restart(node);
    } else if (what === 'stop') {
      const node = pickNode(r, store === 'postgresql' ? 'worker' : 'all');
      if (!node) return;
      // Past the 60 s lease, sometimes, in a campaign long enough for it.
      const ms = r.between(5000, Math.max(10000, Math.min(75000, seconds * 1000 / 3)));
      note('fault', `SIGSTOP ${node.name} for ${(ms / 1000).toFixed(0)} s`);
      node.signal('SIGSTOP');
      faults.push({ at, kind: 'stop', node: node.name, role: node.role, until: at + ms });
      await sleep(ms);
      node.signal('SIGCONT');
      note('fault', `SIGCONT ${node.name}`);
    } else if (kind === 'pg-restart') {
      note('fault', 'PostgreSQL immediate restart');
      await pair.primaryServer.restartImmediate();
      outages.push({ from: at, to: Date.now(), kind });
    } else if (kind === 'pg-stop-20s') {
      note('fault', 'PostgreSQL stopped for 20 s');
      await pair.primaryServer.stop('fast');
      await sleep(20000);
      await pair.primaryServer.start();
      outages.push({ from: at, to: Date.now(), kind, measured: true });
      note('fault', 'PostgreSQL started again');
    } else if (kind === 'pg-failover') {
      note('fault', `PostgreSQL failover: primary pg${pair.primary} killed, standby promoted`);
      await pair.failover();
      outages.push({ from: at, to: Date.now(), kind });
      note('fault', `PostgreSQL failover done: primary pg${pair.primary}, new standby streaming`);
    } else if (kind === 'disk-full') {
      const node = nodes[0];
      const ms = r.between(8000, 20000);
      note('fault', `disk full (file-size limit) for ${(ms / 1000).toFixed(0)} s`);
      const path = db.slice('sqlite:'.length);
      // Below both files' sizes: a checkpoint cannot grow the database, and the
      // log cannot grow either, so writes fail soon.
      const size = Math.min(...[path, `${path}-wal`].map((p) => { try { return statSync(p).size; } catch { return 0; } }));
      try { execFileSync('prlimit', ['--pid', String(node.child.pid), `--fsize=${size}:unlimited`]); } catch { return; }
      await sleep(ms);
      try { execFileSync('prlimit', ['--pid', String(node.child.pid), '--fsize=unlimited:unlimited']); } catch { /* restarted meanwhile */ }
      outages.push({ from: at, to: Date.now(), kind, measured: true, node: node.name });
      note('fault', 'disk has room again');
    }
  }
  async function faultLoop(r) {
    const order = [...KINDS].sort(() => r.next() - 0.5);
    // Every kind within the first part of a short run; a long one has a fault
    // every 10–30 s.
    const gap = Math.min(30000, Math.max(10000, (seconds * 1000) / (order.length + 2)));
    await sleep(gap / 2);
    while (running()) {
      const kind = order.length ? order.shift() : r.pick(KINDS);
      await fault(kind, r);
      await sleep(r.between(0.5, 1) * gap);
    }
  }
  const sampler = setInterval(() => { for (const n of nodes) n.sample(); }, 1000);

  await Promise.all([
    ...orgs.map((org, i) => intake(org, rng(seed + 1000 + i))),
    admin(rng(seed + 1)),
    faultLoop(rng(seed + 2)),
  ]);

  // --- Heal, drain, check ------------------------------------------------------
  note('heal', 'every node running, the database up, webhooks on');
  for (const n of nodes) n.signal('SIGCONT');
  if (pair) { try { await pair.primaryServer.start(); } catch { /* running */ } }
  for (const n of nodes) if (!n.alive) await restart(n);
  for (const org of orgs) await api.call(org.token, 'PUT', '/api/settings/webhooks', { enabled: true });
  const drained = await drain(db, 240000);
  note('drained', drained ? 'nothing pending for enabled rules, nothing in flight' : 'still unsettled after 240 s');
  await sleep(3000);  // requests still open at the receivers end
  clearInterval(sampler);
  const report = await runChecks({
    db, store, orgs, receivers, nodes, answers, redelivered, faults, outages, violation, drained, maxAttempts: MAX_ATTEMPTS,
  });
  exitCode = violations.length ? 1 : 0;
  console.log(`RESULT seed=${seed} store=${store} seconds=${seconds} ${Object.entries(report).map(([k, v]) => `${k}=${v}`).join(' ')} violations=${violations.length}`);
  if (violations.length) {
    console.log(`\nVIOLATIONS (replay with --seed ${seed} --store ${store} --seconds ${seconds}):`);
    for (const v of violations.slice(0, 30)) {
      console.log(`- ${((v.at - t0) / 1000).toFixed(1)}s ${v.kind}: ${v.detail}`);
      if (v.evidence) console.log(`  ${JSON.stringify(v.evidence).slice(0, 1200)}`);
    }
    console.log('\nThe timeline before the first one:');
    const first = violations[0].at;
    for (const e of timeline.filter((e) => e.at <= first).slice(-40))
      console.log(`  ${((e.at - t0) / 1000).toFixed(1)}s ${e.kind} ${e.detail}`);
  }
} catch (e) {
  console.log(`chaos: the campaign itself failed: ${e.stack}`);
  exitCode = 2;
} finally {
  for (const n of nodes) { n.signal('SIGCONT'); await n.stop('SIGKILL'); }
  await receivers?.close().catch(() => {});
  await pair?.stopAll();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);

// Waits until nothing is pending for an enabled rule, nothing is in flight,
// and the receivers hold no request open (or `ms` pass).
async function drain(db, ms) {
  const { unsettled } = await import('./db.mjs');
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await unsettled(db)) === 0 && receivers.openNow() === 0) return true;
    await sleep(1000);
  }
  return false;
}
