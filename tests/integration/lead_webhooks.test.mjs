// "Why did this webhook (not) fire?": GET /api/leads/{id}/webhooks explains,
// rule by rule, what stops it (webhooks off, disabled, auto-disabled) and
// which creation rule the lead fails now, in the organization's names; it
// lists the deliveries of the lead's events. POST …/webhooks/check is the
// rule form's dry run of an unsaved rule. Both read only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, startServer, api, cleanup, sql, sqlExec, addOrganization, addUser } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

let d, server, rx, other;
const rules = {};
const call = (method, path, body, token = d.admin.api_token) => api(server.base, method, path, { token, body });
const explain = async (leadId) => {
  const res = await call('GET', `/api/leads/${leadId}/webhooks`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json;
};
const ruleIn = (report, id) => report.rules.find((r) => r.rule.id === id);

async function addRule(title, body) {
  const res = await call('POST', '/api/webhook-rules', { title, enabled: true, url: rx.url(`/${title}`), ...body });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  rules[title] = res.json.id;
}

before(async () => {
  d = freshDatabase('Explain Law');
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  rx = await startReceiver();
  for (const [path, name] of [['/api/case-types', 'Auto Accident'], ['/api/case-types', 'Slip and Fall'],
    ['/api/case-types', 'Dog Bite'], ['/api/offices', 'Downtown'], ['/api/offices', 'Uptown']]) {
    assert.equal((await call('POST', path, { name })).status, 201);
  }
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  await addRule('auto-or-slip', { trigger: 'Lead Status Changed',
    creation_rules: { case_types: ['Auto Accident', 'Slip and Fall'], office: 'Downtown' } });
  await addRule('every-new-lead', { trigger: 'Lead Created' });
  await addRule('contacts', { trigger: 'Contact Added' });
  await addRule('switched-off', { trigger: 'Lead Created', enabled: false });
  await addRule('signed-with-code', { trigger: 'Lead Status Changed',
    creation_rules: { status: 'Signed Up', requires_case_tracker_code: true } });
  await addRule('gone', { trigger: 'Lead Created' });
  // Leadwire disabled it (a 410 from its endpoint): the reason is what the Admin reads.
  sqlExec(d.path, `UPDATE webhook_rules SET enabled = 0, disabled_reason = 'Disabled automatically: the endpoint answered 410 Gone.' WHERE id = ${rules.gone}`);
  other = addOrganization(d.db, 'Other Firm');
});
after(async () => {
  await rx.close();
  assert.equal(await server.stop(), 0);
  cleanup(d.dir, d.db);
});

test('each rule says whether it fires for the lead now, and which condition stops it, in plain words', async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Rex' }, case_type: 'Dog Bite', office: 'Downtown' })).json;
  const report = await explain(lead.id);
  assert.equal(report.lead_id, lead.id);
  assert.equal(report.webhooks_enabled, true);
  assert.deepEqual(report.rules.map((r) => r.rule.id), Object.values(rules));

  const auto = ruleIn(report, rules['auto-or-slip']);
  assert.equal(auto.fires, false);
  assert.equal(auto.matches, false);
  assert.equal(auto.blocked, null);
  assert.deepEqual(auto.trigger, { id: 3, name: 'Lead Status Changed' });
  assert.deepEqual(auto.conditions, [
    { field: 'case_type', label: 'Case type', wants: ['Auto Accident', 'Slip and Fall'], lead_has: 'Dog Bite', pass: false,
      message: 'Case type is Dog Bite; this rule wants Auto Accident or Slip and Fall' },
    { field: 'office', label: 'Office', wants: ['Downtown'], lead_has: 'Downtown', pass: true,
      message: 'Office is Downtown, as this rule wants' }]);
  assert.equal(auto.explanation, 'Does not fire for this lead now: Case type is Dog Bite; this rule wants Auto Accident or Slip and Fall');

  const every = ruleIn(report, rules['every-new-lead']);
  assert.equal(every.fires, true);
  assert.equal(every.matches, true);
  assert.deepEqual(every.conditions, []);
  assert.match(every.explanation, /^Fires for this lead's Lead Created events: the rule has no creation rules/);

  const contacts = ruleIn(report, rules.contacts);
  assert.equal(contacts.fires, true);
  assert.equal(contacts.matches, null);
  assert.match(contacts.explanation, /every Contact Added event; this trigger takes no creation rules/);

  const off = ruleIn(report, rules['switched-off']);
  assert.equal(off.fires, false);
  assert.deepEqual(off.blocked, { code: 'rule_disabled', message: 'The rule is disabled.' });
  assert.equal(off.matches, true);  // it would match: only the switch stops it

  const gone = ruleIn(report, rules.gone);
  assert.equal(gone.fires, false);
  assert.deepEqual(gone.blocked, { code: 'auto_disabled', message: 'Disabled automatically: the endpoint answered 410 Gone.' });
  assert.equal(gone.explanation, 'Disabled automatically: the endpoint answered 410 Gone.');

  const coded = ruleIn(report, rules['signed-with-code']);
  assert.equal(coded.fires, false);
  assert.deepEqual(coded.conditions.map((c) => [c.field, c.pass, c.lead_has, c.message]), [
    ['status', false, 'New', 'Status is New; this rule wants Signed Up'],
    ['case_tracker_code', false, null, 'The lead has no case tracker code; this rule wants one']]);
  assert.match(coded.explanation, /Status is New; this rule wants Signed Up \(and 1 more\)$/);
});

test('the answer follows the lead as it is now', async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Later' }, case_type: 'Dog Bite', office: 'Uptown' })).json;
  assert.equal(ruleIn(await explain(lead.id), rules['auto-or-slip']).fires, false);
  assert.equal((await call('PATCH', `/api/leads/${lead.id}`, { case_type: 'Slip and Fall', office: 'Downtown', case_tracker_code: 'CT-42' })).status, 200);
  assert.equal((await call('POST', `/api/leads/${lead.id}/status`, { status: 'Signed Up' })).status, 200);
  const report = await explain(lead.id);
  assert.equal(ruleIn(report, rules['auto-or-slip']).fires, true);
  const coded = ruleIn(report, rules['signed-with-code']);
  assert.equal(coded.fires, true);
  assert.deepEqual(coded.conditions.map((c) => c.message), [
    'Status is Signed Up, as this rule wants', 'The lead has case tracker code CT-42, as this rule wants']);
  assert.match(coded.explanation, /every creation rule holds/);
});

test("the lead's deliveries are listed with their rule, event, status and attempts; other leads' are not", async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Delivered' }, case_type: 'Auto Accident', office: 'Downtown' })).json;
  const otherLead = (await call('POST', '/api/leads', { contact: { first_name: 'Someone else' } })).json;
  await call('POST', `/api/leads/${lead.id}/status`, { status: 'Chase' });
  await poll(async () => {
    const list = (await explain(lead.id)).deliveries;
    return list.total === 2 && list.records.every((r) => r.status === 'delivered');
  }, 15000, 'both deliveries delivered');
  const { deliveries } = await explain(lead.id);
  assert.deepEqual(deliveries.records.map((r) => [r.rule_id, r.event]).sort(), [
    [rules['auto-or-slip'], 'Lead Status Changed'], [rules['every-new-lead'], 'Lead Created']].sort());
  for (const r of deliveries.records) {
    assert.match(r.webhook_id, /^msg_/);
    assert.equal(r.attempts.length, 1);
    assert.equal(r.attempts[0].http_status, 200);
  }
  const theirs = (await explain(otherLead.id)).deliveries;
  assert.equal(theirs.total, 1);
  assert.ok(!theirs.records.some((r) => deliveries.records.some((m) => m.id === r.id)));
});

test('while webhooks are off it still answers: every rule is stopped by that, and says so', async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Off' } })).json;
  assert.equal((await call('PUT', '/api/settings/webhooks', { enabled: false })).status, 200);
  try {
    const report = await explain(lead.id);
    assert.equal(report.webhooks_enabled, false);
    for (const r of report.rules) {
      assert.equal(r.fires, false);
      assert.equal(r.blocked.code, 'webhooks_disabled');
      assert.match(r.explanation, /Webhooks are turned off for this organization/);
    }
    const check = await call('POST', `/api/leads/${lead.id}/webhooks/check`, { trigger: 'Lead Created' });
    assert.equal(check.status, 200);
    assert.equal(check.json.blocked.code, 'webhooks_disabled');
  } finally {
    await call('PUT', '/api/settings/webhooks', { enabled: true });
  }
});

test('dry run: an unsaved rule as typed, checked against a lead; nothing is stored', async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Dry' }, case_type: 'Dog Bite', office: 'Uptown' })).json;
  const before = sql(d.path, 'SELECT (SELECT COUNT(*) FROM webhook_rules) AS rules, (SELECT COUNT(*) FROM audit_log) AS audit, (SELECT COUNT(*) FROM events) AS events');
  const check = (body) => call('POST', `/api/leads/${lead.id}/webhooks/check`, body);

  const no = await check({ title: '', url: '', trigger: 'Lead Status Changed', creation_rules: { case_types: ['Auto Accident'], office: 'Uptown' } });
  assert.equal(no.status, 200, JSON.stringify(no.json));
  assert.equal(no.json.fires, false);
  assert.equal(no.json.matches, false);
  assert.deepEqual(no.json.conditions.map((c) => [c.field, c.pass]), [['case_type', false], ['office', true]]);
  assert.equal(no.json.conditions[0].message, 'Case type is Dog Bite; this rule wants Auto Accident');

  const yes = await check({ trigger: 3, creation_rules: { case_types: ['Dog Bite', 'Auto Accident'] } });
  assert.equal(yes.json.fires, true);
  const unticked = await check({ trigger: 'Lead Created', enabled: false });
  assert.equal(unticked.json.blocked.code, 'rule_disabled');

  for (const [body, field] of [[{}, 'trigger'], [{ trigger: 'Nope' }, 'trigger'],
    [{ trigger: 'Lead Created', creation_rules: { case_types: ['Unknown Type'] } }, 'creation_rules.case_types'],
    [{ trigger: 'Contact Added', creation_rules: { office: 'Uptown' } }, 'creation_rules'],
    [{ trigger: 'Lead Created', enabled: 'yes' }, 'enabled']]) {
    const res = await check(body);
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.ok(res.json.error.fields[field], `${JSON.stringify(body)} → ${JSON.stringify(res.json)}`);
  }
  assert.deepEqual(sql(d.path, 'SELECT (SELECT COUNT(*) FROM webhook_rules) AS rules, (SELECT COUNT(*) FROM audit_log) AS audit, (SELECT COUNT(*) FROM events) AS events'), before);
});

test('unknown and foreign leads answer 404, a plain user 403, no credentials 401', async () => {
  const mine = (await call('POST', '/api/leads', { contact: { first_name: 'Mine' } })).json;
  const theirs = (await call('POST', '/api/leads', { contact: { first_name: 'Theirs' } }, other.api_token)).json;
  for (const id of [999999, theirs.id]) {
    const res = await call('GET', `/api/leads/${id}/webhooks`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'not_found');
    assert.equal((await call('POST', `/api/leads/${id}/webhooks/check`, { trigger: 1 })).status, 404);
  }
  // The other firm's Admin cannot read ours either.
  assert.equal((await call('GET', `/api/leads/${mine.id}/webhooks`, undefined, other.api_token)).status, 404);
  const user = addUser(d.db, d.admin.org_id, 'intake@explain.test').api_token;
  assert.equal((await call('GET', `/api/leads/${mine.id}/webhooks`, undefined, user)).status, 403);
  assert.equal((await call('POST', `/api/leads/${mine.id}/webhooks/check`, { trigger: 1 }, user)).status, 403);
  assert.equal((await api(server.base, 'GET', `/api/leads/${mine.id}/webhooks`)).status, 401);
});
