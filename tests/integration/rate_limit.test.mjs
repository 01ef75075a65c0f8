// --rate-limit: a token bucket per user, whatever credential it sends (API
// token, however spelled, or any number of sessions). Over it: 429
// rate_limited with Retry-After; other users and unauthenticated probes are
// not held back; the bucket refills.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, startServer, api, addUser, cleanup } from './helpers.mjs';

test('each user has one bucket of --rate-limit per second, for its tokens and sessions together', async () => {
  const d = freshDatabase();
  const server = await startServer(d.db, ['--rate-limit', '20']);
  const token = d.admin.api_token;
  try {
    const other = addUser(d.db, d.admin.org_id, 'other@acme.test', 'user');
    const login = await api(server.base, 'POST', '/api/session', { body: { email: d.adminEmail, password: 'correct horse battery' } });
    const cookie = login.headers.get('set-cookie').split(';')[0];

    const answers = await Promise.all(Array.from({ length: 100 }, () => api(server.base, 'GET', '/api/leads', { token })));
    const ok = answers.filter((r) => r.status === 200).length;
    const limited = answers.filter((r) => r.status === 429);
    assert.ok(ok >= 40 && ok <= 50, `a burst of two seconds' worth, then 20 per second (${ok} answered)`);
    assert.equal(ok + limited.length, 100);
    assert.equal(limited[0].json.error.code, 'rate_limited');
    assert.match(limited[0].json.error.message, /at most 20 per second/);
    assert.equal(limited[0].headers.get('retry-after'), '1');

    assert.equal((await api(server.base, 'GET', '/api/leads', { token: other.api_token })).status, 200, 'another user is not held back');
    // Right after the burst the bucket holds what a fraction of a second
    // refilled: most of 40 more requests are refused, where a bucket of their
    // own would have taken all 40.
    const refused = async (opts) => (await Promise.all(Array.from({ length: 40 },
      () => api(server.base, 'GET', '/api/leads', opts)))).filter((r) => r.status === 429).length;
    assert.ok(await refused({ cookie }) >= 20, 'the same user\'s session shares the bucket');
    // The same token spelled another way (spaces after "Bearer") is the same user.
    assert.ok(await refused({ headers: { authorization: `Bearer      ${token}` } }) >= 20,
      'a respelled header gets no bucket of its own');
    const probes = await Promise.all(Array.from({ length: 60 }, () => api(server.base, 'GET', '/healthz')));
    assert.ok(probes.every((r) => r.status === 200), 'unauthenticated probes are not counted');

    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await api(server.base, 'GET', '/api/leads', { token })).status, 200, 'the bucket refills');

    // Four sessions of one user: one bucket, not four.
    const cookies = [cookie];
    for (let i = 0; i < 3; i++) {
      const again = await api(server.base, 'POST', '/api/session', { body: { email: d.adminEmail, password: 'correct horse battery' } });
      cookies.push(again.headers.get('set-cookie').split(';')[0]);
    }
    await new Promise((r) => setTimeout(r, 2100));  // a full bucket again
    const sessionAnswers = await Promise.all(Array.from({ length: 120 }, (_, i) => api(server.base, 'GET', '/api/leads', { cookie: cookies[i % 4] })));
    const sessionsOk = sessionAnswers.filter((r) => r.status === 200).length;
    assert.ok(sessionsOk <= 70, `four sessions share the user's bucket (${sessionsOk} answered)`);
  } finally {
    assert.equal(await server.stop(), 0);
    cleanup(d.dir, d.db);
  }
});

test('--rate-limit 0 turns the limit off', async () => {
  const d = freshDatabase();
  const server = await startServer(d.db, ['--rate-limit', '0']);
  try {
    const answers = await Promise.all(Array.from({ length: 200 }, () => api(server.base, 'GET', '/api/lookups', { token: d.admin.api_token })));
    assert.ok(answers.every((r) => r.status === 200));
  } finally {
    assert.equal(await server.stop(), 0);
    cleanup(d.dir, d.db);
  }
});
