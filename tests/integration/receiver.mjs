// A scriptable webhook receiver on 127.0.0.1 for the delivery tests: records
// every request and answers by path (see `behave`). With `tls: {key, cert}`
// it is an HTTPS server, and counts the TLS connections it accepted. Every
// webhook is checked against its trigger's published JSON Schema; close()
// fails the test if any did not fit.
import http from 'node:http';
import https from 'node:https';
import { payloadProblems } from './payload_schemas.mjs';

export async function startReceiver({ tls } = {}) {
  const received = [];
  const schemaProblems = [];  // webhooks that did not fit their published schema
  const waiters = new Set();
  const behaviours = new Map();  // path -> async (req, body, res) => void
  const templated = new Set();  // paths of rules with a payload template: their own shape
  const handler = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { path: req.url, headers: req.headers, body, at: Date.now() };
      try { entry.json = JSON.parse(body); } catch { entry.json = null; }
      if (req.headers['webhook-id'] && !templated.has(req.url.split('?')[0])) {
        const problem = payloadProblems(entry.json);
        if (problem) schemaProblems.push(`${req.headers['x-leadwire-event']} to ${req.url}: ${problem}`);
      }
      received.push(entry);
      for (const w of waiters) w();
      const behave = behaviours.get(req.url.split('?')[0]);
      if (behave) return behave(req, res, entry);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  const connections = { tls: 0 };
  if (tls) server.on('secureConnection', () => { connections.tls += 1; });
  server.keepAliveTimeout = 30000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    port,
    connections,
    url: (path, host = '127.0.0.1') => `${tls ? 'https' : 'http'}://${host}:${port}${path}`,
    received,
    at: (path) => received.filter((r) => r.path === path),
    behave(path, fn) { behaviours.set(path, fn); },
    // Webhooks to `path` carry a rule's payload template, not a trigger's payload.
    templated(path) { templated.add(path); },
    status(path, code, headers = {}) {
      behaviours.set(path, (req, res) => { res.writeHead(code, headers); res.end(`status ${code}`); });
    },
    // Resolves once `predicate()` holds, polling on each request and every 50 ms.
    async until(predicate, timeoutMs = 10000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => {
          const t = setTimeout(resolve, 50);
          const w = () => { clearTimeout(t); waiters.delete(w); resolve(); };
          waiters.add(w);
        });
      }
    },
    schemaProblems,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (schemaProblems.length)
        throw new Error(`webhooks that do not fit their published schema:\n${schemaProblems.join('\n')}`);
    },
  };
}

// Polls an async function until it returns a truthy value.
export async function poll(fn, timeoutMs = 10000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
