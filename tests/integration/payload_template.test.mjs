// §8 payload templates: a rule's template is checked against its trigger's
// keys (422 naming an unknown placeholder), sent instead of the full payload
// (a whole placeholder keeps its type, text interpolates, nesting), signed as
// sent (an outside Standard Webhooks library verifies it), kept by a PUT that
// leaves it out (and checked again when the trigger changes), removed by null.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { api, cleanup, freshDatabase, startServer } from './helpers.mjs';
import { startReceiver } from './receiver.mjs';
import { newAjv } from './payload_schemas.mjs';

let d, server, rx, key;
const call = (method, path, body) => api(server.base, method, path, { token: d.admin.api_token, body });
const TEMPLATE = { referral: { code: '{{LeadCode}}', id: '{{LeadId}}', deceased: '{{ContactDeceased}}' },
  text: 'New lead {{LeadCode}} for {{ ContactFirstName }} {{ContactLastName}}', tags: ['intake', '{{LeadCaseType}}'] };

before(async () => {
  rx = await startReceiver();
  rx.templated('/t');
  rx.templated('/kept');
  d = freshDatabase('Template Law');
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  key = (await call('PUT', '/api/settings/webhooks', { enabled: true })).json.authentication_key;
  assert.equal((await call('POST', '/api/case-types', { name: 'Dog Bite' })).status, 201);
});

after(async () => {
  await server?.stop();
  await rx?.close();
  if (d) cleanup(d.dir, d.db);
});

test('a template is what is sent, typed as the payload has it, and signed as sent', async () => {
  const made = await call('POST', '/api/webhook-rules', { title: 'Referral network', url: rx.url('/t'), trigger: 'Lead Created', payload_template: TEMPLATE });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  assert.deepEqual(made.json.payload_template, TEMPLATE);
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Ada', last_name: 'Lovelace' }, case_type: 'Dog Bite' })).json;
  await rx.until(() => rx.at('/t').length >= 1, 15000, 'the templated webhook');
  const got = rx.at('/t')[0];
  assert.deepEqual(JSON.parse(got.body), {
    referral: { code: lead.code, id: lead.id, deceased: null },
    text: `New lead ${lead.code} for Ada Lovelace`, tags: ['intake', 'Dog Bite'],
  });
  // The rule's own schema (its template's shape) holds what arrived, and refuses another shape.
  const schema = await call('GET', `/api/webhook-rules/${made.json.id}/schema`);
  assert.equal(schema.status, 200);
  const fits = newAjv().compile(schema.json);
  assert.ok(fits(JSON.parse(got.body)), JSON.stringify(fits.errors));
  assert.ok(!fits({ ...JSON.parse(got.body), referral: { code: 7, id: lead.id, deceased: null } }), 'LeadCode is a string');
  assert.ok(!fits({ ...JSON.parse(got.body), extra: 1 }), 'only what the template says');
  assert.ok(!fits({ ...JSON.parse(got.body), tags: ['other', 'Dog Bite'] }), 'literals are constants');
  const verified = new Webhook(key).verify(got.body, {
    'webhook-id': got.headers['webhook-id'], 'webhook-timestamp': got.headers['webhook-timestamp'],
    'webhook-signature': got.headers['webhook-signature'] });
  assert.equal(verified.referral.code, lead.code);
});

test("a rule's example is its template filled from the trigger's example, or that example", async () => {
  const rules = (await call('GET', '/api/webhook-rules')).json.records;
  const templated = rules.find((r) => r.title === 'Referral network');
  const trigger = (await call('GET', '/api/webhook-triggers/1/example')).json;
  const example = await call('GET', `/api/webhook-rules/${templated.id}/example`);
  assert.equal(example.status, 200);
  assert.deepEqual(Object.keys(example.json), ['referral', 'text', 'tags']);
  assert.equal(example.json.referral.code, trigger.LeadCode);
  assert.equal(example.json.referral.id, trigger.LeadId);
  assert.equal(example.json.text, `New lead ${trigger.LeadCode} for ${trigger.ContactFirstName ?? ''} ${trigger.ContactLastName ?? ''}`);
  const plain = (await call('POST', '/api/webhook-rules', { title: 'Plain', url: rx.url('/plain'), trigger: 'Lead Created', enabled: false })).json;
  const full = (await call('GET', `/api/webhook-rules/${plain.id}/example`)).json;
  // A full-payload rule's schema is its trigger's; a templated one's holds its own example.
  assert.deepEqual((await call('GET', `/api/webhook-rules/${plain.id}/schema`)).json, (await call('GET', '/api/webhook-triggers/1/schema')).json);
  const own = newAjv().compile((await call('GET', `/api/webhook-rules/${templated.id}/schema`)).json);
  assert.ok(own(example.json), JSON.stringify(own.errors));
  assert.equal((await call('GET', '/api/webhook-rules/999999/schema')).status, 404);
  assert.equal(full.EventType, 'Lead Created');
  assert.equal(full.LeadCode, trigger.LeadCode);
  assert.equal((await call('GET', '/api/webhook-rules/999999/example')).status, 404);
});

test('unknown placeholders, what is not an object and what is too big are refused; nothing is saved', async () => {
  const before = (await call('GET', '/api/webhook-rules')).json.total;
  const cases = [
    [{ a: '{{LeadCod}}', b: 'x {{Nope}}' }, /\{\{LeadCod\}\}, \{\{Nope\}\} name no key of this trigger's payload/],
    [['{{LeadId}}'], /must be a JSON object/],
    ['{{LeadId}}', /must be a JSON object/],
    [{ big: 'x'.repeat(17 * 1024) }, /at most 16 KiB/],
  ];
  for (const [payload_template, message] of cases) {
    const res = await call('POST', '/api/webhook-rules', { title: 'Bad', url: rx.url('/bad'), trigger: 'Lead Created', payload_template });
    assert.equal(res.status, 422);
    assert.match(res.json.error.fields.payload_template, message);
  }
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, before);
});

test('a PUT that leaves the template out keeps it, checked against a new trigger; null sends the full payload', async () => {
  const rule = (await call('POST', '/api/webhook-rules', { title: 'Kept', url: rx.url('/kept'), trigger: 'Lead Created',
    payload_template: { code: '{{LeadCode}}' } })).json;
  const kept = await call('PUT', `/api/webhook-rules/${rule.id}`, { title: 'Kept 2', url: rule.url, trigger: 'Lead Created' });
  assert.equal(kept.status, 200);
  assert.deepEqual(kept.json.payload_template, { code: '{{LeadCode}}' });
  const moved = await call('PUT', `/api/webhook-rules/${rule.id}`, { title: 'Kept 2', url: rule.url, trigger: 'Contact Added' });
  assert.equal(moved.status, 422);
  assert.match(moved.json.error.fields.payload_template, /\{\{LeadCode\}\} names no key/);
  const full = await call('PUT', `/api/webhook-rules/${rule.id}`, { title: 'Kept 2', url: rule.url, trigger: 'Lead Created', payload_template: null });
  assert.equal(full.json.payload_template, null);
  await call('POST', '/api/leads', { contact: { first_name: 'Full' } });
  await rx.until(() => rx.at('/kept').length >= 1, 15000, 'the full payload');
  assert.equal(JSON.parse(rx.at('/kept')[0].body).EventType, 'Lead Created');
});

test("the form's preview fills a template as typed from the trigger's example or a chosen lead, and saves nothing", async () => {
  const before = (await call('GET', '/api/webhook-rules')).json.total;
  const tmpl = { code: '{{LeadCode}}', who: 'Lead for {{ContactFirstName}}', type: '{{LeadCaseType}}' };
  const example = (await call('GET', '/api/webhook-triggers/1/example')).json;
  const fromExample = await call('POST', '/api/webhook-rules/preview', { trigger: 'Lead Created', payload_template: tmpl });
  assert.equal(fromExample.status, 200, JSON.stringify(fromExample.json));
  assert.equal(fromExample.json.from, 'example');
  assert.deepEqual(fromExample.json.body, { code: example.LeadCode, who: `Lead for ${example.ContactFirstName ?? ''}`, type: example.LeadCaseType });

  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Grace', last_name: 'Hopper' }, case_type: 'Dog Bite' })).json;
  const fromLead = await call('POST', '/api/webhook-rules/preview', { trigger: 1, payload_template: tmpl, lead_id: lead.id });
  assert.equal(fromLead.status, 200, JSON.stringify(fromLead.json));
  assert.equal(fromLead.json.from, 'lead');
  assert.deepEqual(fromLead.json.body, { code: lead.code, who: 'Lead for Grace', type: 'Dog Bite' });
  // No template: the full payload, for the lead.
  const full = (await call('POST', '/api/webhook-rules/preview', { trigger: 'Lead Status Changed', lead_id: lead.id })).json;
  assert.equal(full.body.EventType, 'Lead Status Changed');
  assert.equal(full.body.LeadId, lead.id);

  const bad = [
    [{ trigger: 'Lead Created', payload_template: { a: '{{Nope}}' } }, 'payload_template', /\{\{Nope\}\} names no key/],
    [{ payload_template: { a: '{{LeadId}}' } }, 'trigger', /required/],
    [{ trigger: 'Nope' }, 'trigger', /unknown trigger/],
    [{ trigger: 'Lead Created', lead_id: 999999 }, 'lead_id', /no lead/],
    [{ trigger: 'Lead Created', lead_id: 'x' }, 'lead_id', /./],
  ];
  for (const [body, field, message] of bad) {
    const res = await call('POST', '/api/webhook-rules/preview', body);
    assert.equal(res.status, 422, JSON.stringify(res.json));
    assert.match(res.json.error.fields[field] ?? '', message, JSON.stringify(res.json));
  }
  assert.equal((await call('GET', '/api/webhook-rules')).json.total, before, 'nothing saved');
});

test('a custom field is named by its label, spaces and all, on the lead triggers that carry them', async () => {
  rx.templated('/custom');
  const made = await call('POST', '/api/webhook-rules', { title: 'Custom', url: rx.url('/custom'), trigger: 'Lead Created',
    payload_template: { where: '{{custom:Accident Location}}', text: 'At {{ custom: Accident Location }}', code: '{{LeadCode}}' } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Cu' }, custom_fields: { 'Accident Location': '5th & Main' } })).json;
  await rx.until(() => rx.at('/custom').some((w) => JSON.parse(w.body).code === lead.code), 15000, 'the webhook with the custom field');
  const body = JSON.parse(rx.at('/custom').find((w) => JSON.parse(w.body).code === lead.code).body);
  assert.deepEqual(body, { where: '5th & Main', text: 'At 5th & Main', code: lead.code });
  const fits = newAjv().compile((await call('GET', `/api/webhook-rules/${made.json.id}/schema`)).json);
  assert.ok(fits(body), JSON.stringify(fits.errors));
  await call('PUT', `/api/webhook-rules/${made.json.id}`, { title: 'Custom', url: rx.url('/custom'), trigger: 'Lead Created', enabled: false });
  // Note Added carries no custom fields: 422.
  const note = await call('POST', '/api/webhook-rules', { title: 'Note', url: rx.url('/custom'), trigger: 'Note Added',
    payload_template: { where: '{{custom:Accident Location}}' } });
  assert.equal(note.status, 422);
  assert.match(note.json.error.fields.payload_template, /\{\{custom:Accident Location\}\} names no key/);
});

test('a template that would render over 256 KiB fails its attempt and says so; nothing is sent', async () => {
  rx.templated('/huge');
  // Small (under 16 KiB), but it repeats the summary 900 times.
  const many = Array.from({ length: 900 }, () => '{{LeadSummary}}');
  const made = await call('POST', '/api/webhook-rules', { title: 'Huge', url: rx.url('/huge'), trigger: 'Lead Created', payload_template: { s: many } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  await call('POST', '/api/leads', { contact: { first_name: 'Long' }, summary: 'x'.repeat(1000) });
  const deadline = Date.now() + 15000;
  let attempt;
  while (!attempt && Date.now() < deadline) {
    const log = (await call('GET', `/api/webhook-rules/${made.json.id}/deliveries`)).json.records;
    attempt = log[0]?.attempts?.[0];
    if (!attempt) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(attempt, 'an attempt was recorded');
  assert.equal(attempt.http_status, null);
  assert.match(attempt.error, /renders over 256 KiB/);
  assert.equal(rx.at('/huge').length, 0);
  const preview = await call('POST', '/api/webhook-rules/preview', { trigger: 'Lead Created', payload_template: { s: many } });
  assert.equal(preview.status, 200, 'the example summary is short');
  await call('PUT', `/api/webhook-rules/${made.json.id}`, { title: 'Huge', url: rx.url('/huge'), trigger: 'Lead Created', enabled: false });
});
