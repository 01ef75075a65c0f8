// Tenant isolation: two organizations, each with an Admin and a User. No
// token of one organization can read or change the other's records: their
// ids answer 404 (never 403, never data) and lists never show them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, startServer, addOrganization, addUser, api, cleanup, eventCount } from './helpers.mjs';

let server, d;
const orgs = {};

async function populate(name, token) {
  const call = (method, path, body) => api(server.base, method, path, { token, body });
  await call('POST', '/api/case-types', { name: `${name} Case` });
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  const lead = (await call('POST', '/api/leads', { contact: { first_name: `${name} Lead` }, case_type: `${name} Case` })).json;
  const note = (await call('POST', `/api/leads/${lead.id}/notes`, { note: 'secret' })).json;
  const opp = (await call('POST', '/api/opportunities', { name: `${name} Opp` })).json;
  const rule = (await call('POST', '/api/webhook-rules', { title: `${name} rule`, url: 'https://example.com/h', trigger: 1, enabled: false })).json;
  return { lead, note, opp, rule, contactId: lead.contact.id };
}

before(async () => {
  d = freshDatabase('Firm A');
  const b = addOrganization(d.db, 'Firm B');
  server = await startServer(d.db);
  orgs.A = { admin: d.admin.api_token, user: addUser(d.db, d.admin.org_id, 'user@firm-a.test').api_token };
  orgs.B = { admin: b.api_token, user: addUser(d.db, b.org_id, 'user@firm-b.test').api_token };
  orgs.A.records = await populate('A', orgs.A.admin);
  orgs.B.records = await populate('B', orgs.B.admin);
});
after(async () => { await server.stop(); cleanup(d.dir, d.db); });

// Every request that names one of `r`'s records by id.
function requestsOn(r) {
  const rule = { title: 'hijack', url: 'https://evil.example/h', trigger: 1 };
  return [
    ['GET', `/api/leads/${r.lead.id}`], ['PATCH', `/api/leads/${r.lead.id}`, { summary: 'x' }],
    ['POST', `/api/leads/${r.lead.id}/status`, { status: 'Hold' }], ['POST', `/api/leads/${r.lead.id}/notes`, { note: 'x' }],
    ['GET', `/api/leads/${r.lead.id}/notes`],
    ['POST', `/api/leads/${r.lead.id}/texts`, { from: 'a', to: 'b', body: 'c' }],
    ['POST', `/api/leads/${r.lead.id}/emails`, { from: 'a@b.c', to: 'b@c.d' }],
    ['POST', `/api/leads/${r.lead.id}/files`, { file_name: 'a', url: 'https://x.example/a' }],
    ['POST', `/api/leads/${r.lead.id}/send-to-external`, { system: 'X' }],
    ['GET', `/api/contacts/${r.contactId}`], ['PATCH', `/api/contacts/${r.contactId}`, { last_name: 'x' }],
    ['POST', `/api/contacts/${r.contactId}/tags`, { tag: 'x' }],
    ['GET', `/api/opportunities/${r.opp.id}`], ['POST', `/api/opportunities/${r.opp.id}/convert`],
    ['POST', `/api/opportunities/${r.opp.id}/disregard`, { reason: 'x' }],
    ['GET', `/api/webhook-rules/${r.rule.id}`, null, 'admin'], ['PUT', `/api/webhook-rules/${r.rule.id}`, rule, 'admin'],
    ['DELETE', `/api/webhook-rules/${r.rule.id}`, null, 'admin'],
  ];
}

for (const [mine, theirs] of [['A', 'B'], ['B', 'A']]) {
  for (const role of ['admin', 'user']) {
    test(`${role} of ${mine} cannot reach ${theirs}'s records by id: 404, and nothing changes`, async () => {
      const events = eventCount(d.path);
      for (const [method, path, body, needs] of requestsOn(orgs[theirs].records)) {
        const res = await api(server.base, method, path, { token: orgs[mine][role], body: body ?? undefined });
        const expected = needs === 'admin' && role === 'user' ? 403 : 404;
        assert.equal(res.status, expected, `${role} of ${mine}: ${method} ${path}`);
        assert.ok(!JSON.stringify(res.json).includes(`${theirs} `), 'no data of the other organization');
      }
      assert.equal(eventCount(d.path), events, 'no event was recorded');
      const check = await api(server.base, 'GET', `/api/leads/${orgs[theirs].records.lead.id}`, { token: orgs[theirs].admin });
      assert.equal(check.json.summary, null);
      assert.equal(check.json.status, 'New');
    });

    test(`${role} of ${mine} sees only ${mine}'s records and lookups`, async () => {
      const token = orgs[mine][role];
      const leads = (await api(server.base, 'GET', '/api/leads', { token })).json;
      assert.ok(leads.records.length > 0);
      assert.ok(leads.records.every((l) => l.contact.first_name.startsWith(mine)));
      const contacts = (await api(server.base, 'GET', '/api/contacts', { token })).json;
      assert.ok(contacts.records.every((c) => c.first_name.startsWith(mine)));
      const lookups = (await api(server.base, 'GET', '/api/lookups', { token })).json;
      assert.deepEqual(lookups.case_types.map((c) => c.name), [`${mine} Case`]);
      // The other organization's lookup names are unknown here.
      const res = await api(server.base, 'POST', '/api/leads', { token, body: { contact: { first_name: 'X' }, case_type: `${theirs} Case` } });
      assert.equal(res.status, 422);
      if (role === 'admin') {
        const rules = (await api(server.base, 'GET', '/api/webhook-rules', { token })).json;
        assert.deepEqual(rules.records.map((r) => r.title), [`${mine} rule`]);
        const audit = (await api(server.base, 'GET', '/api/audit-log', { token })).json;
        assert.ok(audit.records.every((a) => a.user.email.includes(`firm-${mine.toLowerCase()}`)));
        const settings = (await api(server.base, 'GET', '/api/settings/webhooks', { token })).json;
        const other = (await api(server.base, 'GET', '/api/settings/webhooks', { token: orgs[theirs].admin })).json;
        assert.notEqual(settings.authentication_key, other.authentication_key);
      }
    });
  }
}

test('each organization numbers its own lead codes', async () => {
  const create = async (org, name) => (await api(server.base, 'POST', '/api/leads',
    { token: orgs[org].admin, body: { contact: { first_name: name } } })).json;
  // Each firm's first lead (made in before()) is its L000001, whoever came first.
  assert.equal(orgs.A.records.lead.code, 'L000001');
  assert.equal(orgs.B.records.lead.code, 'L000001');
  const a = [await create('A', 'A2'), await create('A', 'A3')];
  const b = await create('B', 'B2');
  assert.deepEqual(a.map((l) => l.code), ['L000002', 'L000003']);
  assert.equal(b.code, 'L000002');
  assert.notEqual(a[0].id, b.id, 'ids stay unique across organizations');
});
