// bench/soak's load: sets up an organization through the API (webhooks on,
// ten case types, one rule per case type, each to its own endpoint
// 127.0.0.N), then posts leads at RATE per second for SECONDS, cycling the
// case types, so every lead has exactly one delivery. Every 30 s it prints a
// sample of the server: RSS, open files, database size, deliveries pending.
// Usage: node bench/soak_driver.mjs BASE TOKEN RECEIVER_PORT RATE SECONDS PID DB_PATH
// Prints one JSON line at the end: {"sent","acknowledged","refused","behind","samples":[…]}.
import http from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const [base, token, port, rate, seconds, pid, dbPath] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(base + path, {
      method, agent,
      headers: { authorization: `Bearer ${token}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function must(method, path, body, status) {
  const res = await call(method, path, body);
  if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return JSON.parse(res.body || 'null');
}

const size = (p) => { try { return statSync(p).size; } catch { return 0; } };
function sample(t) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(status.match(/VmRSS:\s+(\d+)/)[1]);
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const dbBytes = size(dbPath) + size(`${dbPath}-wal`);
  const query = (sql) => execFileSync('sqlite3', ['-readonly', dbPath, sql], { encoding: 'utf8' }).trim();
  const count = (where) => Number(query(`SELECT COUNT(*) FROM deliveries ${where}`));
  // Pages by what they hold: the delivery log (what retention deletes) apart
  // from the intake records (leads, contacts: the firm's data, kept), and the
  // free pages SQLite will reuse.
  const [log, free] = query(`SELECT
      (SELECT SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name
        WHERE m.tbl_name IN ('deliveries', 'delivery_attempts', 'events')),
      (SELECT freelist_count FROM pragma_freelist_count) * (SELECT page_size FROM pragma_page_size)`).split('|').map(Number);
  const mib = (b) => +(b / 1048576).toFixed(1);
  return { t, rss_mib: mib(rssKb * 1024), fds, db_mib: mib(dbBytes), log_mib: mib(log), free_mib: mib(free),
           pending: count("WHERE status = 'pending'"), stored: count('') };
}

await must('PUT', '/api/settings/webhooks', { enabled: true }, 200);
for (let i = 0; i < 10; ++i) {
  await must('POST', '/api/case-types', { name: `Type ${i}` }, 201);
  await must('POST', '/api/webhook-rules', {
    title: `Endpoint ${i}`, enabled: true, trigger: 'Lead Created', url: `http://127.0.0.${i + 1}:${port}/hook`,
    creation_rules: { case_types: [`Type ${i}`] } }, 201);
}

let sent = 0, acknowledged = 0, refused = 0, behind = 0, inFlight = 0;
const samples = [];
const start = Date.now();
const tickMs = 20;
const perTick = Number(rate) * tickMs / 1000;
let owed = 0;
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const elapsed = (Date.now() - start) / 1000;
    if (elapsed >= Number(seconds)) { clearInterval(timer); resolve(); return; }
    owed += perTick;
    for (; owed >= 1; owed -= 1) {
      if (inFlight >= 256) { ++behind; continue; }
      const n = sent++;
      ++inFlight;
      call('POST', '/api/leads', { contact: { first_name: `Soak ${n}` }, case_type: `Type ${n % 10}` })
        .then((res) => { if (res.status === 201) ++acknowledged; else ++refused; })
        .catch(() => { ++refused; })
        .finally(() => { --inFlight; });
    }
  }, tickMs);
  const sampler = setInterval(() => {
    const t = Math.round((Date.now() - start) / 1000);
    if (t > Number(seconds)) { clearInterval(sampler); return; }
    const s = sample(t);
    samples.push(s);
    process.stderr.write(`   t=${s.t}s rss=${s.rss_mib} MiB fds=${s.fds} db=${s.db_mib} MiB (delivery log ${s.log_mib}, free ${s.free_mib}) ` +
                         `pending=${s.pending} deliveries=${s.stored} acknowledged=${acknowledged}\n`);
  }, 30000);
});
while (inFlight > 0) await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify({ sent, acknowledged, refused, behind, seconds: (Date.now() - start) / 1000, samples }));
