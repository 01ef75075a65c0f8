// §2: a request the server cannot parse still gets an answer in the error
// format (400, 413, 431) before the connection closes, and what a client puts
// in a request (its method) cannot grow /metrics without bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setup, api } from './helpers.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => {
  const code = await env.teardown();
  assert.equal(code, 0, 'the server exits cleanly on SIGTERM (and without sanitizer reports)');
});

// Sends `raw` as it is and reads until the server closes: {status, json}.
function rawRequest(raw) {
  const { hostname, port } = new URL(env.base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks = [];
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no answer within 10 s')); }, 10000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});  // a reset after the answer is fine
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number((text.match(/^HTTP\/1\.[01] (\d{3})/) || [])[1]);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      let json = null;
      try { json = JSON.parse(body); } catch { /* checked by the caller */ }
      resolve({ status, json, text });
    });
    socket.write(raw, 'latin1');
  });
}

const host = () => `Host: ${new URL(env.base).host}\r\n`;

test('unparseable or over-limit requests are answered in the error format, then closed', async () => {
  const cases = [
    ['a 20 KB header', `GET /healthz HTTP/1.1\r\n${host()}X-Big: ${'a'.repeat(20000)}\r\n\r\n`, 431, 'headers_too_large'],
    ['5,000 headers', `GET /healthz HTTP/1.1\r\n${host()}${Array.from({ length: 5000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`, 431, 'headers_too_large'],
    ['a 20 KB URL', `GET /healthz?${'q'.repeat(20000)} HTTP/1.1\r\n${host()}\r\n`, 431, 'headers_too_large'],
    ['a Content-Length of 10^22', `POST /api/leads HTTP/1.1\r\n${host()}Content-Length: 10000000000000000000000\r\n\r\n`, [400, 413], null],
    ['a negative Content-Length', `POST /api/leads HTTP/1.1\r\n${host()}Content-Length: -5\r\n\r\n`, 400, 'bad_request'],
    ['two different Content-Lengths', `POST /api/leads HTTP/1.1\r\n${host()}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400, 'bad_request'],
    ['Content-Length with Transfer-Encoding', `POST /api/leads HTTP/1.1\r\n${host()}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'bad_request'],
    ['a bad chunk size', `POST /api/leads HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400, 'bad_request'],
    ['bare LF line endings', `GET /healthz HTTP/1.1\n${host().replace('\r\n', '\n')}\n`, 400, 'bad_request'],
    ['a garbage request line', 'HELLO THERE\r\n\r\n', 400, 'bad_request'],
    ['an invalid version', 'GET /healthz HTTP/9.Z\r\n\r\n', 400, 'bad_request'],
  ];
  for (const [what, raw, status, code] of cases) {
    const res = await rawRequest(raw);
    if (Array.isArray(status)) assert.ok(status.includes(res.status), `${what}: ${res.text.slice(0, 200)}`);
    else assert.equal(res.status, status, `${what}: ${res.text.slice(0, 200)}`);
    assert.ok(res.json && res.json.error, `${what}: the body is the error JSON`);
    if (code) assert.equal(res.json.error.code, code, what);
    assert.ok(res.json.error.message.length > 0, what);
  }
  // The server is none the worse.
  assert.equal((await api(env.base, 'GET', '/healthz')).status, 200);
});

test('made-up methods share one "other" series in /metrics', async () => {
  const metricsSize = async () => (await api(env.base, 'GET', '/metrics')).buffer.length;
  await rawRequest(`M0 /healthz HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`);
  const before = await metricsSize();
  for (let i = 1; i <= 300; ++i)
    await rawRequest(`M${i}${'X'.repeat(100)} /healthz HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`);
  const text = (await api(env.base, 'GET', '/metrics')).buffer.toString();
  assert.doesNotMatch(text, /method="M\d/);
  assert.match(text, /leadwire_http_requests_total\{method="other",status="\d+"\} \d+/);
  assert.ok(text.length < before + 200, `/metrics grew from ${before} to ${text.length} bytes`);
});
