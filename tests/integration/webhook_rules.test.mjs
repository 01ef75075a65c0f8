// §4: webhook settings, key rotation, triggers, rules with every validation,
// filter/sort, the .xlsx export, delete rules, and the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { setup, api, sqlExec } from './helpers.mjs';

let env;
const call = (method, path, body) => api(env.base, method, path, { token: env.token, body });

before(async () => {
  env = await setup();
  for (const [path, name] of [['/api/case-types', 'Auto Accident'], ['/api/case-types', 'Slip and Fall'],
    ['/api/case-types', 'Dog Bite'], ['/api/offices', 'Downtown'], ['/api/marketing-sources', 'Google Ads'],
    ['/api/opportunity-sources', 'Web Form']]) {
    assert.equal((await call('POST', path, { name })).status, 201);
  }
});
after(async () => { await env.teardown(); });

const rule = (extra = {}) => ({ title: 'Zapier: new leads', enabled: true, url: 'https://hooks.zapier.com/hooks/catch/1/abc/', trigger: 'Lead Created', ...extra });

test('webhooks start disabled; rule endpoints answer 409 webhooks_disabled', async () => {
  const settings = await call('GET', '/api/settings/webhooks');
  assert.equal(settings.status, 200);
  assert.equal(settings.json.enabled, false);
  assert.match(settings.json.authentication_key, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(settings.json.authentication_key.slice(6), 'base64').length, 32);
  for (const [method, path, body] of [['GET', '/api/webhook-rules'], ['POST', '/api/webhook-rules', rule()],
    ['GET', '/api/webhook-rules/1'], ['PUT', '/api/webhook-rules/1', rule()], ['DELETE', '/api/webhook-rules/1'],
    ['GET', '/api/webhook-rules/export.xlsx']]) {
    const res = await call(method, path, body);
    assert.equal(res.status, 409, `${method} ${path}`);
    assert.equal(res.json.error.code, 'webhooks_disabled');
  }
});

test('enabling webhooks: bad bodies answer 422; the change is audited', async () => {
  for (const body of [{}, { enabled: 'yes' }]) {
    const res = await call('PUT', '/api/settings/webhooks', body);
    assert.equal(res.status, 422);
    assert.ok(res.json.error.fields.enabled);
  }
  const res = await call('PUT', '/api/settings/webhooks', { enabled: true });
  assert.equal(res.status, 200);
  assert.equal(res.json.enabled, true);
  assert.equal((await call('GET', '/api/settings/webhooks')).json.enabled, true);
  const audit = await call('GET', '/api/audit-log');
  assert.equal(audit.json.records[0].action, 'webhooks.enabled');
  assert.equal(audit.json.records[0].user.id, env.admin.user_id);
});

test('triggers list the 16 triggers with their ids; creation rules for 1–4 only', async () => {
  const res = await call('GET', '/api/webhook-triggers');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.records.map((t) => [t.id, t.name]), [
    [1, 'Lead Created'], [2, 'Lead Edited'], [3, 'Lead Status Changed'], [4, 'Note Added'],
    [6, 'Contact Added'], [7, 'Contact Edited'], [8, 'Tag Added To Contact'], [10, 'Opportunity Created'],
    [11, 'Text Received'], [12, 'Email Received'], [15, 'File Uploaded'], [19, 'Opportunity Converted To Lead'],
    [20, 'Opportunity Disregarded'], [25, 'Lead Sent to External System'], [29, 'Data Sync Completed'],
    [30, 'Webhook Rule Disabled']]);
  assert.deepEqual(res.json.records.filter((t) => t.creation_rules).map((t) => t.id), [1, 2, 3, 4]);
  assert.deepEqual(res.json.records.filter((t) => t.custom_fields).map((t) => t.id), [1, 2, 3]);
});

test('rotating the key keeps the previous one valid for 24 hours', async () => {
  const before = (await call('GET', '/api/settings/webhooks')).json.authentication_key;
  const res = await call('POST', '/api/settings/webhooks/rotate-key');
  assert.equal(res.status, 200);
  assert.notEqual(res.json.authentication_key, before);
  assert.match(res.json.authentication_key, /^whsec_/);
  const until = Date.parse(res.json.previous_key_valid_until);
  assert.ok(Math.abs(until - (Date.now() + 24 * 3600 * 1000)) < 60 * 1000);
  assert.equal((await call('GET', '/api/settings/webhooks')).json.authentication_key, res.json.authentication_key);
  assert.equal((await call('GET', '/api/audit-log')).json.records[0].action, 'webhooks.key_rotated');
});

test('a rule with creation rules round-trips', async () => {
  const res = await call('POST', '/api/webhook-rules', rule({
    title: 'Downtown auto accidents', trigger: 3,
    creation_rules: { status: 'Chase', substatus: 'First Attempt', case_types: ['Auto Accident', 'Dog Bite'],
      office: 'Downtown', opportunity_source: 'Web Form', marketing_source: 'Google Ads', requires_case_tracker_code: true } }));
  assert.equal(res.status, 201);
  const r = res.json;
  assert.equal(r.title, 'Downtown auto accidents');
  assert.equal(r.enabled, true);
  assert.deepEqual(r.trigger, { id: 3, name: 'Lead Status Changed' });
  assert.deepEqual(r.creation_rules, { status: 'Chase', substatus: 'First Attempt', case_types: ['Auto Accident', 'Dog Bite'],
    office: 'Downtown', opportunity_source: 'Web Form', marketing_source: 'Google Ads', requires_case_tracker_code: true });
  assert.ok(r.created_at && r.updated_at);
  assert.deepEqual((await call('GET', `/api/webhook-rules/${r.id}`)).json, r);

  const updated = await call('PUT', `/api/webhook-rules/${r.id}`, rule({ title: 'Renamed', trigger: 'Note Added', creation_rules: { case_types: ['Slip and Fall'] } }));
  assert.equal(updated.status, 200);
  assert.equal(updated.json.title, 'Renamed');
  assert.deepEqual(updated.json.trigger, { id: 4, name: 'Note Added' });
  assert.deepEqual(updated.json.creation_rules.case_types, ['Slip and Fall']);
  assert.equal(updated.json.creation_rules.status, null);
  const audit = (await call('GET', '/api/audit-log')).json.records[0];
  assert.equal(audit.action, 'rule.updated');
  assert.equal(audit.details.before.title, 'Downtown auto accidents');
  assert.equal(audit.details.after.title, 'Renamed');
});

test('every rule validation answers 422 naming the field and creates nothing', async () => {
  const count = (await call('GET', '/api/webhook-rules')).json.total;
  const cases = [
    [{ title: '' }, 'title'],
    [{ title: '   ' }, 'title'],
    [{ title: 'x'.repeat(201) }, 'title'],
    [{ url: '' }, 'url'],
    [{ url: 'not a url' }, 'url'],
    [{ url: '/relative/path' }, 'url'],
    [{ url: 'ftp://example.com/hook' }, 'url'],
    [{ url: 'javascript:alert(1)' }, 'url'],
    [{ url: 'https://user:pass@example.com/hook' }, 'url'],
    [{ url: 'https://example.com/' + 'a'.repeat(2048) }, 'url'],
    [{ url: 'https://example.com:65536/hook' }, 'url'],
    [{ url: 'https://hooks%0d%0aX-Injected:%201.example.com/hook' }, 'url'],
    [{ trigger: 'Lead Deleted' }, 'trigger'],
    [{ trigger: 5 }, 'trigger'],
    [{ trigger: null }, 'trigger'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ trigger: 'Contact Added', creation_rules: { status: 'Chase' } }, 'creation_rules'],
    [{ trigger: 29, creation_rules: { requires_case_tracker_code: true } }, 'creation_rules'],
    [{ creation_rules: { status: 'Nope' } }, 'creation_rules.status'],
    [{ creation_rules: { status: 'Hold', substatus: 'First Attempt' } }, 'creation_rules.substatus'],
    [{ creation_rules: { substatus: 'First Attempt' } }, 'creation_rules.substatus'],
    [{ creation_rules: { case_types: ['Auto Accident', 'Nope'] } }, 'creation_rules.case_types'],
    [{ creation_rules: { office: 'Nope' } }, 'creation_rules.office'],
    [{ creation_rules: { opportunity_source: 'Nope' } }, 'creation_rules.opportunity_source'],
    [{ creation_rules: { marketing_source: 'Nope' } }, 'creation_rules.marketing_source'],
    [{ creation_rules: { requires_case_tracker_code: 'Yes' } }, 'creation_rules.requires_case_tracker_code'],
  ];
  for (const [patch, field] of cases) {
    const res = await call('POST', '/api/webhook-rules', rule(patch));
    assert.equal(res.status, 422, JSON.stringify(patch));
    assert.equal(res.json.error.code, 'validation_failed');
    assert.ok(res.json.error.fields[field], `${field} in ${JSON.stringify(res.json.error.fields)}`);
  }
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, count);
  // A 200-character title and a 2048-character URL are fine; empty creation rules on any trigger too.
  const edge = await call('POST', '/api/webhook-rules', rule({ title: 'é'.repeat(200), url: 'https://example.com/' + 'a'.repeat(2048 - 20), trigger: 'Contact Added', creation_rules: {} }));
  assert.equal(edge.status, 201);
  await call('PUT', `/api/webhook-rules/${edge.json.id}`, rule({ enabled: false }));
  assert.equal((await call('DELETE', `/api/webhook-rules/${edge.json.id}`)).status, 204);
  // PUT validates the same way.
  const bad = await call('PUT', `/api/webhook-rules/${edge.json.id}`, rule({ url: 'nope' }));
  assert.equal(bad.status, 404, 'a deleted rule is gone');
});

test('delete: 409 rule_enabled while enabled, 204 once disabled, then 404', async () => {
  const created = (await call('POST', '/api/webhook-rules', rule({ title: 'To delete' }))).json;
  const refused = await call('DELETE', `/api/webhook-rules/${created.id}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.json.error.code, 'rule_enabled');
  assert.equal((await call('GET', `/api/webhook-rules/${created.id}`)).status, 200);
  const disabled = await call('PUT', `/api/webhook-rules/${created.id}`, rule({ title: 'To delete', enabled: false }));
  assert.equal(disabled.json.enabled, false);
  assert.equal((await call('DELETE', `/api/webhook-rules/${created.id}`)).status, 204);
  assert.equal((await call('GET', `/api/webhook-rules/${created.id}`)).status, 404);
  assert.equal((await call('DELETE', `/api/webhook-rules/${created.id}`)).status, 404);
  const audit = (await call('GET', '/api/audit-log')).json.records[0];
  assert.equal(audit.action, 'rule.deleted');
  assert.equal(audit.target_id, created.id);
});

test('the list filters and sorts by each column both ways', async () => {
  // A fresh set of rules with distinct values in each column.
  const made = [];
  for (const [title, trigger, url, enabled] of [
    ['Alpha', 'Text Received', 'https://b.example/hook', true],
    ['bravo', 'Contact Added', 'https://c.example/hook', false],
    ['Charlie', 'Email Received', 'https://a.example/hook', true]]) {
    made.push((await call('POST', '/api/webhook-rules', { title, trigger, url, enabled })).json);
  }
  const list = async (q) => {
    const res = await call('GET', `/api/webhook-rules?${q}`);
    assert.equal(res.status, 200, q);
    return res.json;
  };
  const onlyMade = (records) => records.filter((r) => made.some((m) => m.id === r.id)).map((r) => r.title);
  assert.deepEqual(onlyMade((await list('sort=title&order=asc')).records), ['Alpha', 'bravo', 'Charlie']);
  assert.deepEqual(onlyMade((await list('sort=title&order=desc')).records), ['Charlie', 'bravo', 'Alpha']);
  assert.deepEqual(onlyMade((await list('sort=trigger&order=asc')).records), ['bravo', 'Charlie', 'Alpha']);
  assert.deepEqual(onlyMade((await list('sort=trigger&order=desc')).records), ['Alpha', 'Charlie', 'bravo']);
  assert.deepEqual(onlyMade((await list('sort=url&order=asc')).records), ['Charlie', 'Alpha', 'bravo']);
  assert.deepEqual(onlyMade((await list('sort=url&order=desc')).records), ['bravo', 'Alpha', 'Charlie']);
  const statusAsc = (await list('sort=status&order=asc')).records;
  const firstDisabled = statusAsc.findIndex((r) => !r.enabled);
  assert.ok(statusAsc.slice(firstDisabled).every((r) => !r.enabled), 'enabled rules first when ascending');
  const statusDesc = (await list('sort=status&order=desc')).records;
  assert.equal(statusDesc[0].enabled, false);

  const filtered = await list('filter=ALPHA');
  assert.deepEqual(filtered.records.map((r) => r.title), ['Alpha']);
  assert.equal(filtered.total, 1);
  assert.match(filtered.authentication_key, /^whsec_/);
  assert.deepEqual((await list('filter=email%20rec')).records.map((r) => r.title), ['Charlie']);
  assert.deepEqual((await list('filter=c.example')).records.map((r) => r.title), ['bravo']);

  for (const [q, field] of [['sort=color', 'sort'], ['order=up', 'order']]) {
    const res = await call('GET', `/api/webhook-rules?${q}`);
    assert.equal(res.status, 422);
    assert.ok(res.json.error.fields[field]);
  }
});

test('the Excel export is a real .xlsx of the list as filtered and sorted', async () => {
  const res = await call('GET', '/api/webhook-rules/export.xlsx?filter=example&sort=title&order=desc');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(res.headers.get('content-disposition'), /attachment; filename="webhook-rules.xlsx"/);
  const shown = (await call('GET', '/api/webhook-rules?filter=example&sort=title&order=desc')).json.records;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.buffer);
  const ws = wb.worksheets[0];
  const rows = [];
  ws.eachRow((row) => rows.push(row.values.slice(1)));
  assert.deepEqual(rows[0], ['Status', 'Title', 'Trigger', 'URL', 'Authentication']);
  assert.deepEqual(rows.slice(1), shown.map((r) => [r.enabled ? 'Enabled' : 'Disabled', r.title, r.trigger.name, r.url, 'None']));
  assert.ok(shown.length >= 3);
});

test('titles refuse control characters; the export stays readable with any stored text', async () => {
  for (const title of ['Bell\u0007', 'Nul\u0000cut', 'Nonchar\uFFFE']) {
    const res = await call('POST', '/api/webhook-rules', rule({ title }));
    assert.equal(res.status, 422, JSON.stringify(title));
    assert.match(res.json.error.fields.title, /control characters/);
  }
  // Text stored before this rule existed (or written by hand) still exports.
  const made = await call('POST', '/api/webhook-rules', rule({ title: 'Stored zzz', enabled: false }));
  assert.equal(made.status, 201);
  const ch = env.path.startsWith('postgresql://') ? 'chr' : 'char';
  sqlExec(env.path, `UPDATE webhook_rules SET title = 'Stored' || ${ch}(1) || ${ch}(65534) || ' zzz' WHERE id = ${made.json.id}`);
  const res = await call('GET', '/api/webhook-rules/export.xlsx?filter=zzz');
  assert.equal(res.status, 200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.buffer);
  assert.equal(wb.worksheets[0].getRow(2).getCell(2).value, 'Stored\uFFFD\uFFFD zzz');
  assert.equal((await call('DELETE', `/api/webhook-rules/${made.json.id}`)).status, 204);
});

test('disabling webhooks keeps the rules but closes the rule endpoints again', async () => {
  const total = (await call('GET', '/api/webhook-rules')).json.total;
  await call('PUT', '/api/settings/webhooks', { enabled: false });
  assert.equal((await call('GET', '/api/webhook-rules')).status, 409);
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, total);
});

test('the audit log says who changed what, newest first', async () => {
  const res = await call('GET', '/api/audit-log?limit=500');
  assert.equal(res.status, 200);
  const actions = res.json.records.map((r) => r.action);
  for (const a of ['webhooks.enabled', 'webhooks.disabled', 'webhooks.key_rotated', 'rule.created', 'rule.updated', 'rule.deleted']) {
    assert.ok(actions.includes(a), a);
  }
  const ids = res.json.records.map((r) => r.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  for (const r of res.json.records) {
    assert.match(r.at, /Z$/);
    assert.equal(r.user.email, env.adminEmail);
  }
});
