// The API's edges (issue 19), from outside: a trigger id that does not fit is
// refused rather than wrapped; a rule's case-type list is bounded; nothing
// in a request (a line break in its path) can forge a line of the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, api } from './helpers.mjs';

let env;
const call = (method, path, body) => api(env.base, method, path, { token: env.token, body });

before(async () => {
  env = await setup();
  await call('PUT', '/api/settings/webhooks', { enabled: true });
});
after(async () => { assert.equal(await env.teardown(), 0); });

test('a trigger id past 32 bits answers 422, not the trigger it wraps to', async () => {
  for (const trigger of [4294967299, -4294967293, 2 ** 53, { id: 4294967297 }]) {
    const res = await call('POST', '/api/webhook-rules', { title: 'wrap', url: 'https://hooks.example/x', trigger });
    assert.equal(res.status, 422, JSON.stringify(trigger));
    assert.match(res.json.error.fields.trigger, /unknown trigger/);
  }
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, 0, 'nothing stored');
});

test('a rule names at most 100 case types (each is a lookup while it is saved)', async () => {
  const many = Array.from({ length: 101 }, (_, i) => `Type ${i}`);
  const res = await call('POST', '/api/webhook-rules', { title: 'many', url: 'https://hooks.example/x', trigger: 'Lead Created', creation_rules: { case_types: many } });
  assert.equal(res.status, 422);
  assert.match(res.json.error.fields['creation_rules.case_types'], /at most 100 case types/);
});

test('a line break in a request path cannot forge a line of the log', async () => {
  const forged = '2026-01-01T00:00:00.000Z error forged line';
  const res = await fetch(`${env.base}/api/nothing%0a${encodeURIComponent(forged)}%0d%0a`, { method: 'GET' });
  assert.equal(res.status, 404);
  await new Promise((r) => setTimeout(r, 200));
  const lines = env.server.stderr().split('\n');
  assert.ok(!lines.some((l) => l.startsWith(forged)), 'no line begins with the forged text');
  assert.ok(lines.some((l) => l.includes('/api/nothing\\n2026-01-01')), 'the request is logged on one line, escaped');
});
