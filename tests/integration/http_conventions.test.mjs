// §2: the error format and status codes every endpoint shares.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, api, eventCount } from './helpers.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => {
  const code = await env.teardown();
  assert.equal(code, 0, 'the server exits cleanly on SIGTERM (and without sanitizer reports)');
});

function assertError(res, status, code) {
  assert.equal(res.status, status);
  assert.equal(res.json.error.code, code);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(res.json.error.message.length > 0);
}

test('malformed JSON answers 400 and changes nothing', async () => {
  const before = eventCount(env.path);
  const res = await api(env.base, 'POST', '/api/leads', { token: env.token, body: '{"contact":' });
  assertError(res, 400, 'malformed_json');
  const notObject = await api(env.base, 'POST', '/api/leads', { token: env.token, body: '[1,2]' });
  assertError(notObject, 400, 'malformed_json');
  assert.equal(eventCount(env.path), before);
});

test('a body that is not JSON answers 415', async () => {
  const res = await api(env.base, 'POST', '/api/leads', {
    token: env.token, body: 'first_name=Ann', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assertError(res, 415, 'unsupported_media_type');
  const none = await api(env.base, 'POST', '/api/leads', {
    token: env.token, body: '{}', headers: { 'content-type': 'text/plain' } });
  assertError(none, 415, 'unsupported_media_type');
});

test('a body over 1 MiB answers 413 and changes nothing', async () => {
  const before = eventCount(env.path);
  const big = JSON.stringify({ contact: { first_name: 'A' }, summary: 'x'.repeat(1024 * 1024 + 10) });
  const res = await api(env.base, 'POST', '/api/leads', { token: env.token, body: big });
  assertError(res, 413, 'payload_too_large');
  assert.equal(eventCount(env.path), before);
  // The server still answers afterwards.
  assert.equal((await api(env.base, 'GET', '/healthz')).status, 200);
});

test('a body just under 1 MiB is accepted up to field validation', async () => {
  const body = JSON.stringify({ contact: { first_name: 'A' }, summary: 'x'.repeat(1000 * 1000) });
  const res = await api(env.base, 'POST', '/api/leads', { token: env.token, body });
  assertError(res, 422, 'validation_failed');
  assert.match(res.json.error.fields.summary, /at most/);
});

test('unknown paths and ids that are not numbers answer 404 in the error format', async () => {
  assertError(await api(env.base, 'GET', '/api/nothing-here', { token: env.token }), 404, 'not_found');
  assertError(await api(env.base, 'GET', '/api/leads/abc', { token: env.token }), 404, 'not_found');
  assertError(await api(env.base, 'GET', '/api/leads/999999', { token: env.token }), 404, 'not_found');
});

test('validation errors are 422 with fields', async () => {
  const res = await api(env.base, 'POST', '/api/leads', { token: env.token, body: { contact: {}, status: 'Nope' } });
  assertError(res, 422, 'validation_failed');
  assert.ok(res.json.error.fields['contact.first_name']);
  assert.match(res.json.error.fields.status, /Nope/);
});

test('lists have records and total', async () => {
  const res = await api(env.base, 'GET', '/api/leads', { token: env.token });
  assert.equal(res.status, 200);
  assert.ok(Array.isArray(res.json.records));
  assert.equal(typeof res.json.total, 'number');
  const bad = await api(env.base, 'GET', '/api/leads?limit=0', { token: env.token });
  assertError(bad, 422, 'validation_failed');
  assert.ok(bad.json.error.fields.limit);
});

test('health and readiness probes answer without credentials', async () => {
  const health = (await api(env.base, 'GET', '/healthz')).json;
  assert.equal(health.status, 'ok');
  assert.match(health.version, /^\d+\.\d+\.\d+$/);
  assert.equal(typeof health.commit, 'string');
  assert.equal((await api(env.base, 'GET', '/readyz')).status, 200);
});
