// An idle node stays idle: with webhooks enabled, a rule, and nothing to
// deliver, the dispatcher sleeps instead of claiming in a loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setup, api } from './helpers.mjs';

const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);  // utime + stime
};

test('an idle server uses (almost) no CPU', async () => {
  const env = await setup();
  try {
    await api(env.base, 'PUT', '/api/settings/webhooks', { token: env.token, body: { enabled: true } });
    await api(env.base, 'POST', '/api/webhook-rules', { token: env.token, body: { title: 'idle', url: 'https://hooks.example.com/x', trigger: 1 } });
    await new Promise((r) => setTimeout(r, 500));
    const before = cpuTicks(env.server.child.pid);
    await new Promise((r) => setTimeout(r, 2000));
    const used = cpuTicks(env.server.child.pid) - before;
    assert.ok(used < 50, `used ${used} ticks (1/100 s) of CPU in 2 s while idle`);
  } finally {
    await env.teardown();
  }
});
