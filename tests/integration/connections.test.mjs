// Issue 11, defect 2: idle sockets from a few machines must not stop the
// server. Connections are bounded in all and per client; beyond a bound, or
// out of files, a connection is answered 503 and closed at once, the accept
// loop does not spin, and everyone else keeps getting answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { freshDatabase, startServer, cleanup } from './helpers.mjs';

// Opens `count` connections from `localAddress` that send nothing. Resolves
// after `settleMs` with {open, refused: the ones answered 503 and closed,
// dropped: closed with no answer, close()}.
async function idleSockets(base, localAddress, count, settleMs = 1500) {
  const { hostname, port } = new URL(base);
  const sockets = [];
  let refused = 0;
  let dropped = 0;
  for (let i = 0; i < count; ++i) {
    const s = connect({ host: hostname, port: Number(port), localAddress });
    let text = '';
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => {
      if (/^HTTP\/1\.1 503/.test(text) && text.includes('"unavailable"')) ++refused;
      else ++dropped;
    });
    sockets.push(s);
  }
  await new Promise((r) => setTimeout(r, settleMs));
  return {
    open: sockets.filter((s) => !s.closed).length,
    refused: () => refused,
    dropped: () => dropped,
    close: () => { for (const s of sockets) s.destroy(); },
  };
}

async function healthz(base, localAddress = '127.0.0.1') {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const s = connect({ host: hostname, port: Number(port), localAddress });
    let text = '';
    const timer = setTimeout(() => { s.destroy(); resolve(0); }, 3000);
    s.on('data', (d) => { text += d; });
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(timer); resolve(Number((text.match(/^HTTP\/1\.1 (\d+)/) || [])[1] || 0)); });
    s.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
  });
}

// Runs `fn` against a server on a fresh database started with `args`
// (startServer's options in `options`); it must then stop cleanly.
async function withServer(args, options, fn) {
  if (typeof options === 'function') [options, fn] = [{}, options];
  const d = freshDatabase();
  const server = await startServer(d.db, args, options);
  try {
    await fn(server);
  } finally {
    assert.equal(await server.stop(), 0, server.stderr().slice(-3000));
    cleanup(d.dir, d.db);
  }
}

// CPU seconds (user + system) the process has used so far.
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function metric(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number((text.match(new RegExp(`^${name} (\\d+)`, 'm')) || [])[1]);
}

test('one client stops at --max-connections-per-client; another is still answered', async () => {
  await withServer(['--max-connections-per-client', '20'], async (server) => {
    const idle = await idleSockets(server.base, '127.0.0.2', 60);
    assert.equal(idle.open, 20, 'twenty idle connections are held');
    assert.equal(idle.refused(), 40, 'the others are answered 503 unavailable and closed');
    assert.equal(await healthz(server.base, '127.0.0.1'), 200, 'another client is answered');
    assert.ok(await metric(server.base, 'leadwire_http_connections_refused_total') >= 40);
    assert.ok(await metric(server.base, 'leadwire_http_connections') >= 20);
    idle.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await healthz(server.base, '127.0.0.2'), 200, 'the places come back');
  });
});

test('a --trusted-proxy balancer is bounded only by --max-connections', async () => {
  await withServer(['--max-connections-per-client', '10', '--trusted-proxy', '127.0.0.4/32'], async (server) => {
    const balancer = await idleSockets(server.base, '127.0.0.4', 40);
    assert.equal(balancer.open, 40, 'it carries everyone\'s connections');
    const client = await idleSockets(server.base, '127.0.0.5', 20);
    assert.equal(client.open, 10);
    balancer.close();
    client.close();
  });
});

test('--max-connections bounds every client together', async () => {
  await withServer(['--max-connections', '30'], async (server) => {
    const a = await idleSockets(server.base, '127.0.0.2', 20, 500);
    const b = await idleSockets(server.base, '127.0.0.3', 20, 1000);
    assert.equal(a.open + b.open, 30);
    assert.equal(await healthz(server.base), 503, 'a full server says so at once');
    a.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await healthz(server.base), 200);
    b.close();
  });
});

test('with the default bounds, idle sockets from two addresses leave room for everyone else', async () => {
  await withServer([], { fileLimit: 8192 }, async (server) => {
    const a = await idleSockets(server.base, '127.0.0.2', 300, 500);
    const b = await idleSockets(server.base, '127.0.0.3', 300, 1500);
    assert.equal(a.open, 256, 'the default per-client bound');
    assert.equal(b.open, 256);
    const cpuBefore = cpuSeconds(server.child.pid);
    const answers = await Promise.all(Array.from({ length: 20 }, () => healthz(server.base)));
    assert.deepEqual(new Set(answers), new Set([200]), 'other clients are answered');
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(cpuSeconds(server.child.pid) - cpuBefore < 0.5, 'idle connections cost no CPU');
    a.close();
    b.close();
  });
});

test('out of files, the server answers 503 to what it cannot take, does not spin, and recovers', async () => {
  // Bounds far above the file limit, as a careless operator might set them.
  await withServer(['--max-connections', '100000', '--max-connections-per-client', '0'],
                   { fileLimit: 256 }, async (server) => {
    const idle = await idleSockets(server.base, '127.0.0.2', 400, 3000);
    assert.ok(idle.open < 256, `some connections could not be taken (${idle.open} open)`);
    assert.ok(idle.refused() > 0, 'those are told 503 rather than left waiting');
    const cpuBefore = cpuSeconds(server.child.pid);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await healthz(server.base), 503, 'a client arriving now is told at once');
    const spent = cpuSeconds(server.child.pid) - cpuBefore;
    assert.ok(spent < 0.5, `the accept loop does not spin (${spent} s of CPU in 2 s)`);
    idle.close();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await healthz(server.base), 200, 'with files free again, requests are answered');
  });
});
