// §8 egress proxy: with --egress-proxy every webhook and OAuth2 token request
// goes through a CONNECT tunnel (made here, counting what passes), to the
// address Leadwire resolved and the SSRF guard checked — never a name for the
// proxy to resolve — keeping the URL's Host and TLS server name. The guard
// still refuses 127.0.0.1 behind the proxy unless allowed; a proxy that
// refuses or is down is a failed attempt that says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, cleanup, freshDatabase, startServer } from './helpers.mjs';
import { poll, startReceiver } from './receiver.mjs';
import { makeTestCa } from './test_ca.mjs';

let proxy, rx, tlsRx, tokenSrv, certDir, ca;
const made = [];  // [database, server] to stop

// An HTTP proxy that only tunnels (CONNECT), recording each target asked for.
async function startProxy() {
  const tunnels = [];
  let refuse = false;
  const srv = http.createServer((req, res) => { res.writeHead(405); res.end(); });
  srv.on('connect', (req, client, head) => {
    tunnels.push(req.url);
    if (refuse) return client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const [host, port] = [req.url.slice(0, req.url.lastIndexOf(':')), req.url.slice(req.url.lastIndexOf(':') + 1)];
    const upstream = net.connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    tunnels,
    set refuse(v) { refuse = v; },
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  };
}

// A server on a fresh database with `args`, its webhooks on.
async function node(args) {
  const d = freshDatabase(`Proxy Law ${made.length}`);
  const server = await startServer(d.db, args);
  made.push([d, server]);
  const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  return call;
}
async function ruleAndLead(call, body) {
  const rule = await call('POST', '/api/webhook-rules', { title: body.url, trigger: 'Lead Created', ...body });
  assert.equal(rule.status, 201, JSON.stringify(rule.json));
  assert.equal((await call('POST', '/api/leads', { contact: { first_name: 'Proxied' } })).status, 201);
  return poll(async () => {
    const rows = (await call('GET', `/api/webhook-rules/${rule.json.id}/deliveries`)).json.records;
    const detail = rows.length && (await call('GET', `/api/deliveries/${rows[0].id}`)).json;
    return detail?.attempts?.length && detail.attempts.at(-1);
  }, 15000, 'an attempt');
}

before(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'leadwire-proxy-'));
  ca = makeTestCa(certDir);
  proxy = await startProxy();
  rx = await startReceiver();
  tlsRx = await startReceiver({ tls: ca.good });
  tokenSrv = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"access_token":"via-proxy","token_type":"Bearer","expires_in":3600}');
  });
  await new Promise((r) => tokenSrv.listen(0, '127.0.0.1', r));
});

after(async () => {
  for (const [d, server] of made) { await server.stop(); cleanup(d.dir, d.db); }
  await rx?.close();
  await tlsRx?.close();
  await proxy?.close();
  tokenSrv?.close();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

test('webhooks and token requests go through the proxy, to checked addresses, keeping Host and SNI', async () => {
  const call = await node(['--egress-proxy', proxy.url, '--allow-destination', '127.0.0.1/32', '--ca-file', ca.caFile]);
  const plain = await ruleAndLead(call, { url: rx.url('/plain', 'localhost') });
  assert.equal(plain.http_status, 200, JSON.stringify(plain));
  assert.ok(proxy.tunnels.includes(`127.0.0.1:${rx.port}`), `the proxy was asked for the address: ${proxy.tunnels}`);
  assert.ok(!proxy.tunnels.some((t) => t.startsWith('localhost')), 'never for a name');
  assert.equal(rx.at('/plain')[0].headers.host, `localhost:${rx.port}`);

  const tls = await ruleAndLead(call, { url: tlsRx.url('/tls', 'localhost') });
  assert.equal(tls.http_status, 200, JSON.stringify(tls));
  assert.ok(proxy.tunnels.includes(`127.0.0.1:${tlsRx.port}`));
  assert.equal(tlsRx.at('/tls')[0].headers.host, `localhost:${tlsRx.port}`);

  const oauth = await ruleAndLead(call, { url: rx.url('/oauth'), auth: { type: 'oauth2_client_credentials',
    token_url: `http://localhost:${tokenSrv.address().port}/token`, client_id: 'c', client_secret: 's' } });
  assert.equal(oauth.http_status, 200, JSON.stringify(oauth));
  assert.ok(proxy.tunnels.includes(`127.0.0.1:${tokenSrv.address().port}`), 'the token request went through it');
  assert.equal(rx.at('/oauth')[0].headers.authorization, 'Bearer via-proxy');

  // A proxy that refuses: the attempt fails and says so.
  proxy.refuse = true;
  try {
    const refused = await ruleAndLead(call, { url: rx.url('/refused') });
    assert.equal(refused.http_status, null);
    assert.equal(refused.error, `the egress proxy refused to connect to 127.0.0.1:${rx.port}: 403 Forbidden`);
  } finally {
    proxy.refuse = false;
  }
});

test('behind the proxy the SSRF guard still refuses 127.0.0.1 unless allowed; a proxy that is down fails the attempt', async () => {
  const guarded = await node(['--egress-proxy', proxy.url]);
  // A receiver of its own: the first test's refused webhook retries through the proxy meanwhile.
  const own = await startReceiver();
  try {
    const refused = await ruleAndLead(guarded, { url: own.url('/guarded') });
    assert.match(refused.error, /^refused by the SSRF guard: 127\.0\.0\.1 is /);
    assert.ok(!proxy.tunnels.some((t) => t.endsWith(`:${own.port}`)), 'the proxy was never asked');
    assert.equal(own.received.length, 0);
  } finally {
    await own.close();
  }

  const closed = net.createServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = closed.address().port;
  await new Promise((r) => closed.close(r));
  const down = await node(['--egress-proxy', `http://127.0.0.1:${deadPort}`, '--allow-destination', '127.0.0.1/32']);
  const failed = await ruleAndLead(down, { url: rx.url('/down') });
  assert.match(failed.error, new RegExp(`^could not connect to the egress proxy 127\\.0\\.0\\.1:${deadPort}: Connection refused`));
});

test('--egress-proxy that is not an http://HOST:PORT URL stops serve with a sentence', async () => {
  const { cli } = await import('./helpers.mjs');
  const d = freshDatabase('Flag Law');
  try {
    for (const bad of ['https://p:3128', 'http://p', 'socks5://p:1080', 'http://p:3128/path', 'nonsense',
      'https://user:hunter2@p:3128', 'user:hunter2@p:3128', 'ftp://bob:p@hunter2@p:3128/x']) {
      const r = cli(['serve', '--db', d.db, '--listen', '127.0.0.1:0', '--egress-proxy', bad]);
      assert.equal(r.code, 1, bad);
      assert.match(r.stderr, /--egress-proxy .* write it like http:\/\/proxy\.internal:3128/, bad);
      assert.ok(!r.stderr.includes('hunter2'), 'the proxy password is never printed');
    }
  } finally {
    cleanup(d.dir, d.db);
  }
});
