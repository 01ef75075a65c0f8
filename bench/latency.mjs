// (c) latency: sends leads at a steady rate to the API and measures, per lead,
// the time from the API's 2xx to the webhook's arrival at a local receiver
// (path /hook). The receiver answers after DELAY_MS (default 0), like a real
// endpoint, and answers every other path too ((i): another firm's backlog).
// Usage: node latency.mjs API_BASE TOKEN RECEIVER_PORT RATE SECONDS [DELAY_MS]
import http from 'node:http';

const [base, token, port, rate, seconds, delay = '0'] = process.argv.slice(2);
const acked = new Map(), sentAt = new Map(), arrived = new Map();
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.now();
    if (req.url === '/hook') {
      try { const p = JSON.parse(Buffer.concat(chunks)); if (!arrived.has(p.LeadId)) arrived.set(p.LeadId, at); } catch {}
    }
    const answer = () => { res.writeHead(200); res.end(); };
    if (Number(delay) > 0) setTimeout(answer, Number(delay)); else answer();
  });
});
await new Promise((r) => server.listen(Number(port), '127.0.0.1', r));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const body = JSON.stringify({ contact: { first_name: 'Latency', last_name: 'Probe' }, case_type: 'Auto Accident' });
function send() {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(`${base}/api/leads`, { method: 'POST', agent, headers: {
      'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const at = performance.now();
        if (res.statusCode === 201) {
          const id = JSON.parse(Buffer.concat(chunks)).id;
          acked.set(id, at);
          sentAt.set(id, started);
        }
        resolve();
      });
    });
    req.on('error', resolve);
    req.end(body);
  });
}
const total = Number(rate) * Number(seconds), start = performance.now(), inflight = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / Number(rate);
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  inflight.push(send());
}
await Promise.all(inflight);
const deadline = performance.now() + 15000;
while (performance.now() < deadline && [...acked.keys()].some((id) => !arrived.has(id))) await new Promise((r) => setTimeout(r, 50));
const lat = [...acked].filter(([id]) => arrived.has(id)).map(([id, at]) => Math.max(0, arrived.get(id) - at)).sort((a, b) => a - b);
// The webhook often arrives before the client has read the 2xx (the dispatcher
// wakes on commit), so "2xx → arrival" clamps at 0; request sent → arrival is
// reported beside it as an upper bound.
const full = [...sentAt].filter(([id]) => arrived.has(id)).map(([id, at]) => arrived.get(id) - at).sort((a, b) => a - b);
const pctOf = (xs, p) => xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN;
const pct = (p) => pctOf(lat, p);
console.log(JSON.stringify({ sent: total, acked: acked.size, arrived: lat.length, p50_ms: +pct(0.5).toFixed(2), p99_ms: +pct(0.99).toFixed(2),
  sent_to_arrival_p50_ms: +pctOf(full, 0.5).toFixed(2), sent_to_arrival_p99_ms: +pctOf(full, 0.99).toFixed(2),
  achieved_rps: +(acked.size / ((performance.now() - start) / 1000)).toFixed(0) }));
agent.destroy();
server.close();
process.exit(0);
