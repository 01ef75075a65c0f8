// §5–§6 end to end: the real server delivers to a real receiver on 127.0.0.1
// (allowed with --allow-destination): matching, payloads, signatures, every
// failure kind, retries, redeliver / test / recover, rotation, cancellation,
// slow endpoints, and the receivers' own verifier libraries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { freshDatabase, startServer, api, cleanup, sql, addUser } from './helpers.mjs';
import { startReceiver, poll } from './receiver.mjs';

let d, server, rx, token, key;
const call = (method, path, body) => api(server.base, method, path, { token, body });

async function rule(body) {
  const res = await call('POST', '/api/webhook-rules', { enabled: true, trigger: 'Lead Created', ...body });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}
const lead = async (body) => (await call('POST', '/api/leads', body)).json;
const deliveries = async (ruleId, status = '') =>
  (await call('GET', `/api/webhook-rules/${ruleId}/deliveries${status ? `?status=${status}` : ''}`)).json.records;

before(async () => {
  d = freshDatabase();
  server = await startServer(d.db, ['--allow-destination', '127.0.0.1/32']);
  token = d.admin.api_token;
  rx = await startReceiver();
  for (const [path, name] of [['/api/case-types', 'Auto Accident'], ['/api/case-types', 'Dog Bite'],
    ['/api/offices', 'Downtown'], ['/api/offices', 'Uptown'], ['/api/marketing-sources', 'Google Ads'],
    ['/api/opportunity-sources', 'Web Form']]) await call('POST', path, { name });
  key = (await call('PUT', '/api/settings/webhooks', { enabled: true })).json.authentication_key;
});
after(async () => {
  await rx.close();
  assert.equal(await server.stop(), 0);
  cleanup(d.dir, d.db);
});

test('only leads matching every creation rule are delivered, with Lead Docket keys', async () => {
  const r = await rule({ title: 'Downtown auto', url: rx.url('/match'), trigger: 'Lead Status Changed',
    creation_rules: { status: 'Signed Up', case_types: ['Auto Accident', 'Dog Bite'], office: 'Downtown', requires_case_tracker_code: true } });
  const good = await lead({ contact: { first_name: 'Matching', last_name: 'Lead', birthdate: '1990-05-01' }, case_type: 'Auto Accident', office: 'Downtown', case_tracker_code: 'CT-9', custom_fields: { 'Police Report': 'PR-7', LeadId: 'must not overwrite' } });
  const wrongOffice = await lead({ contact: { first_name: 'Wrong' }, case_type: 'Auto Accident', office: 'Uptown', case_tracker_code: 'CT-1' });
  const noCode = await lead({ contact: { first_name: 'NoCode' }, case_type: 'Dog Bite', office: 'Downtown' });
  for (const l of [good, wrongOffice, noCode]) await call('POST', `/api/leads/${l.id}/status`, { status: 'Signed Up' });
  await call('POST', `/api/leads/${good.id}/status`, { status: 'Hold' });  // no longer matches: not sent
  await rx.until(() => rx.at('/match').length >= 1, 10000, 'the matching lead');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(rx.at('/match').length, 1);
  const p = rx.at('/match')[0].json;
  assert.equal(p.EventType, 'Lead Status Changed');
  assert.equal(p.EventTypeId, 3);
  assert.equal(p.LeadId, good.id);
  assert.equal(p.LeadStatus, 'Signed Up');
  assert.equal(p.ContactFullName, 'Matching Lead');
  assert.equal(p.ContactBirthdate, '1990-05-01T00:00:00.000Z');
  assert.equal(p['Police Report'], 'PR-7');
  assert.equal(p.OfficeName, 'Downtown');
  assert.equal(p.CaseTrackerCode, 'CT-9');
  assert.match(p.LeadCreatedDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  for (const k of ['ContactId', 'ContactFirstName', 'ContactMiddleName', 'ContactLastName', 'ContactFullName', 'ContactAddress1',
    'ContactAddress2', 'ContactCity', 'ContactCounty', 'ContactState', 'ContactZip', 'ContactHomePhone', 'ContactWorkPhone',
    'ContactMobilePhone', 'ContactEmail', 'ContactPreferredContactMethod', 'ContactBirthdate', 'ContactDeceased', 'ContactMinor',
    'ContactGender', 'ContactLanguage', 'ContactCreatedDate', 'ContactCreatedBy', 'ContactCode', 'ContactTimezone', 'ContactNotes',
    'LeadId', 'LeadCode', 'LeadCaseType', 'LeadCaseTypeCode', 'LeadStatus', 'LeadSubstatus', 'LeadSeverityLevel', 'LeadSeverityLevelId',
    'LeadSummary', 'LeadInjuryInformation', 'OfficeName', 'LeadMarketingSource', 'LeadMarketingSourceDetails', 'LeadContactSource',
    'ReferringUrl', 'CurrentUrl', 'UTM', 'ClientId', 'ClickId', 'Keywords', 'Campaign', 'LeadCreatedDate', 'LastStatusChangeDate',
    'LeadIncidentDate', 'LeadIntakeName', 'LeadIntakeEmail', 'LeadCreatorName', 'LeadCreatorEmail', 'CaseTrackerCode', 'OpportunitySource',
    'EventType', 'EventTypeId', 'EventByUser']) assert.ok(k in p, `payload has ${k}`);
  assert.equal(p.ContactMiddleName, null);
  const log = await deliveries(r.id);
  assert.equal(log.length, 1);
  assert.equal(log[0].status, 'delivered');
  assert.equal(log[0].event, 'Lead Status Changed');
  assert.equal(log[0].attempts[0].http_status, 200);
  assert.equal(log[0].attempts[0].response_excerpt, 'ok');
});

test('every trigger fires with its payload keys', async () => {
  const triggers = (await call('GET', '/api/webhook-triggers')).json.records;
  for (const t of triggers) await rule({ title: `all ${t.name}`, url: rx.url(`/t${t.id}`), trigger: t.id });
  // A rule whose endpoint is gone: Leadwire disables it, which fires Webhook Rule Disabled.
  rx.status('/gone-for-30', 410);
  await rule({ title: 'gone for 30', url: rx.url('/gone-for-30'), trigger: 'Lead Created' });
  const l = await lead({ contact: { first_name: 'Every', last_name: 'Trigger' } });
  await call('PATCH', `/api/leads/${l.id}`, { summary: 'edited' });
  await call('POST', `/api/leads/${l.id}/status`, { status: 'Hold' });
  await call('POST', `/api/leads/${l.id}/notes`, { note: 'A note', summary: 'S' });
  await call('PATCH', `/api/contacts/${l.contact.id}`, { city: 'Springfield' });
  await call('POST', `/api/contacts/${l.contact.id}/tags`, { tag: 'VIP' });
  const o1 = (await call('POST', '/api/opportunities', { first_name: 'Op', last_name: 'One', marketing_source: 'Google Ads' })).json;
  await call('POST', `/api/opportunities/${o1.id}/convert`);
  const o2 = (await call('POST', '/api/opportunities', { name: 'Op Two' })).json;
  await call('POST', `/api/opportunities/${o2.id}/disregard`, { reason: 'Spam' });
  await call('POST', `/api/leads/${l.id}/texts`, { from: '+1555', to: '+1556', body: 'hello' });
  await call('POST', `/api/leads/${l.id}/emails`, { from: 'a@b.example', to: 'c@d.example', subject: 'Sub', body: 'Body' });
  await call('POST', `/api/leads/${l.id}/files`, { file_name: 'f.pdf', url: 'https://files.example/f.pdf', category: 'Medical' });
  await call('POST', `/api/leads/${l.id}/send-to-external`, { system: 'Filevine' });
  await call('POST', '/api/data-syncs', { report_name: 'Weekly', file_name: 'weekly.csv' });
  const expect = {
    1: ['LeadId', 'ContactFullName'], 2: ['LeadSummary'], 3: ['LeadStatus'], 4: ['Note', 'NoteSummary', 'NoteCreatedBy', 'NoteCreatedDate', 'LeadStatus', 'ContactId'],
    6: ['ContactId', 'ContactFirstName'], 7: ['ContactCity'], 8: ['Tag', 'ContactId'], 10: ['OpportunityId', 'OpportunityName', 'MarketingSource', 'OpportunityCreatedDate'],
    11: ['From', 'To', 'Subject', 'Body', 'ReceivedDate', 'LeadId', 'LeadCode', 'ContactFullName'], 12: ['From', 'To', 'Subject', 'Body', 'ReceivedDate'],
    15: ['FileName', 'Url', 'Category', 'UploadedDate', 'LeadCode'], 19: ['OpportunityId', 'LeadId'], 20: ['DisregardReason'],
    25: ['LeadId', 'LeadCode', 'System'], 29: ['ReportName', 'FileName', 'CompletedDate'],
    30: ['RuleId', 'RuleTitle', 'RuleUrl', 'Reason', 'DisabledDate'] };
  for (const t of triggers) {
    await rx.until(() => rx.at(`/t${t.id}`).length >= 1, 10000, t.name);
    const p = rx.at(`/t${t.id}`).at(-1).json;
    assert.equal(p.EventType, t.name);
    assert.equal(p.EventTypeId, t.id);
    assert.equal(p.EventByUser, t.id === 30 ? 'Leadwire' : 'Admin');
    for (const k of expect[t.id]) assert.ok(k in p, `${t.name} has ${k}`);
  }
  assert.equal(rx.at('/t8').at(-1).json.Tag, 'VIP');
  assert.equal(rx.at('/t20').at(-1).json.DisregardReason, 'Spam');
  assert.equal(rx.at('/t29').at(-1).json.ReportName, 'Weekly');
  assert.equal(rx.at('/t30').at(-1).json.RuleTitle, 'gone for 30');
  assert.equal(rx.at('/t11').at(-1).json.Subject, null);
  assert.equal(rx.at('/t19').at(-1).json.LeadId, rx.at('/t1').at(-1).json.LeadId);
  // Disable them again so later tests are not flooded.
  for (const r of (await call('GET', '/api/webhook-rules?filter=all%20')).json.records)
    await call('PUT', `/api/webhook-rules/${r.id}`, { title: r.title, url: r.url, trigger: r.trigger.id, enabled: false });
});

test("the rest of Lead Docket's keys: user codes, the call, the opportunity, the incident's time, files, the note's kind", async () => {
  const created = await rule({ title: 'keys created', url: rx.url('/keys-created'), trigger: 'Lead Created' });
  const changed = await rule({ title: 'keys changed', url: rx.url('/keys-changed'), trigger: 'Lead Status Changed' });
  const noted = await rule({ title: 'keys noted', url: rx.url('/keys-noted'), trigger: 'Note Added' });
  const intake = addUser(d.db, d.admin.org_id, 'intake.keys@acme.test');
  const call1 = { phone_call_recording_url: 'https://calls.example/r/1.mp3', phone_call_duration: 192,
    phone_call_from_number: '+1 555 0100', phone_call_to_number: '+1 555 0199', phone_call_date: '2025-01-15T14:30:00Z',
    phone_call_summary: 'Rear-ended on 5th.', phone_call_transcript: 'Hello, I was in an accident…' };
  // Bad call fields are refused with their field named, and nothing is made.
  for (const [bad, field] of [[{ phone_call_duration: -3 }, 'phone_call_duration'], [{ phone_call_duration: '3 min' }, 'phone_call_duration'],
    [{ phone_call_date: 'yesterday' }, 'phone_call_date'], [{ phone_call_from_number: 'x'.repeat(101) }, 'phone_call_from_number']]) {
    const res = await call('POST', '/api/leads', { contact: { first_name: 'Bad' }, ...bad });
    assert.equal(res.status, 422, JSON.stringify(bad));
    assert.ok(res.json.error.fields[field], JSON.stringify(res.json));
  }
  const l = await lead({ contact: { first_name: 'Caller' }, intake_email: 'Intake.Keys@acme.test', incident_date: '2025-01-14T18:45:00Z', ...call1 });
  for (const [k, v] of Object.entries(call1)) assert.deepEqual(l[k], v, k);
  await call('POST', `/api/leads/${l.id}/files`, { file_name: 'police.pdf', url: 'https://files.example/police.pdf', category: 'Police Report' });
  await call('POST', `/api/leads/${l.id}/status`, { status: 'Hold' });
  await call('POST', `/api/leads/${l.id}/notes`, { note: 'Called back', event_type: 'Phone Call' });
  await call('POST', `/api/leads/${l.id}/notes`, { note: 'Plain' });
  const opp = (await call('POST', '/api/opportunities', { first_name: 'Opal', last_name: 'Portunity' })).json;
  const converted = (await call('POST', `/api/opportunities/${opp.id}/convert`)).json;
  assert.match(converted.processed_at, /^\d{4}-\d\d-\d\dT/);

  await rx.until(() => rx.at('/keys-created').length === 2 && rx.at('/keys-changed').length === 1 && rx.at('/keys-noted').length === 2, 10000, 'the payloads');
  const first = rx.at('/keys-created').find((r) => r.json.LeadId === l.id).json;
  assert.equal(first.LeadIntakeCode, `U${String(intake.user_id).padStart(6, '0')}`);
  assert.equal(first.LeadCreatorCode, `U${String(d.admin.user_id).padStart(6, '0')}`);
  assert.equal(first.PhoneCallRecordingURL, call1.phone_call_recording_url);
  assert.equal(first.PhoneCallDuration, 192);
  assert.equal(first.PhoneCallFromNumber, '+1 555 0100');
  assert.equal(first.PhoneCallToNumber, '+1 555 0199');
  assert.equal(first.PhoneCallDate, '2025-01-15T14:30:00.000Z');
  assert.equal(first.PhoneCallSummary, 'Rear-ended on 5th.');
  assert.equal(first.PhoneCallTranscript, call1.phone_call_transcript);
  assert.equal(first.LeadIncidentDate, '2025-01-14T00:00:00.000Z');
  for (const k of ['OpportunityId', 'OpportunityName', 'OpportunityCreatedDate', 'OpportunityProcessedDate']) assert.equal(first[k], null, k);
  assert.ok(!('Files' in first) && !('LeadIncidentDateWithTime' in first));

  const fromOpp = rx.at('/keys-created').find((r) => r.json.LeadId === converted.lead_id).json;
  assert.equal(fromOpp.OpportunityId, opp.id);
  assert.equal(fromOpp.OpportunityName, 'Opal Portunity');
  assert.equal(fromOpp.OpportunityCreatedDate, opp.created_at);
  assert.equal(fromOpp.OpportunityProcessedDate, converted.processed_at);
  assert.equal(fromOpp.LeadIntakeCode, null);

  const status = rx.at('/keys-changed')[0].json;
  assert.equal(status.LeadIncidentDateWithTime, '2025-01-14T18:45:00.000Z');
  assert.equal(status.LeadIncidentDate, '2025-01-14T00:00:00.000Z');
  assert.equal(status.Files.length, 1);
  assert.deepEqual(Object.keys(status.Files[0]).sort(), ['Category', 'CreatedDate', 'FileId', 'FileName', 'Url']);
  assert.equal(status.Files[0].FileName, 'police.pdf');
  assert.equal(status.Files[0].Url, 'https://files.example/police.pdf');
  assert.match(status.Files[0].CreatedDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(rx.at('/keys-noted').map((r) => r.json.NoteEventType).sort(), ['Note', 'Phone Call']);
  for (const r of [created, changed, noted])
    await call('PUT', `/api/webhook-rules/${r.id}`, { title: r.title, url: r.url, trigger: r.trigger.id, enabled: false });
});

test('headers and both signatures verify, also with the receivers\' own libraries', async () => {
  await rule({ title: 'sig', url: rx.url('/sig') });
  await lead({ contact: { first_name: 'Signed' } });
  await rx.until(() => rx.at('/sig').length >= 1);
  const { headers, body } = rx.at('/sig')[0];
  assert.match(headers['webhook-id'], /^msg_[0-9a-f]{32}$/);
  assert.ok(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000) < 60);
  assert.equal(headers['content-type'], 'application/json');
  assert.equal(headers['x-leadwire-event'], 'Lead Created');
  assert.match(headers['x-leadwire-rule-id'], /^\d+$/);
  assert.match(headers['user-agent'], /^Leadwire-Webhooks\/\d+\.\d+\.\d+$/);
  const mac = crypto.createHmac('sha256', Buffer.from(key.slice(6), 'base64'))
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  assert.equal(headers['webhook-signature'], `v1,${mac}`);
  assert.equal(headers['x-leadwire-signature'], `sha256=${crypto.createHmac('sha256', key).update(body).digest('hex')}`);
  // Off-the-shelf verifiers accept the organization's key as shown.
  const h = { 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'], 'webhook-signature': headers['webhook-signature'] };
  assert.equal(new StandardWebhook(key).verify(body, h).EventType, 'Lead Created');
  const svixHeaders = { 'svix-id': h['webhook-id'], 'svix-timestamp': h['webhook-timestamp'], 'svix-signature': h['webhook-signature'] };
  assert.doesNotThrow(() => new SvixWebhook(key).verify(body, svixHeaders));  // svix 2 returns nothing; it throws when invalid
  assert.throws(() => new SvixWebhook(key).verify(body.replace('Signed', 'Forged'), svixHeaders));
  assert.throws(() => new StandardWebhook(key).verify(body.replace('Signed', 'Forged'), h));
});

test('after a key rotation both signatures are sent, and each verifies', async () => {
  const r = await rule({ title: 'rotation', url: rx.url('/rotated') });
  const rotated = (await call('POST', '/api/settings/webhooks/rotate-key')).json;
  await lead({ contact: { first_name: 'Rotated' } });
  await rx.until(() => rx.at('/rotated').length >= 1);
  const { headers, body } = rx.at('/rotated')[0];
  const sigs = headers['webhook-signature'].split(' ');
  assert.equal(sigs.length, 2);
  const h = { 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'], 'webhook-signature': headers['webhook-signature'] };
  assert.ok(new StandardWebhook(rotated.authentication_key).verify(body, h));
  assert.ok(new StandardWebhook(key).verify(body, h), 'the previous key still verifies during its grace');
  assert.equal(headers['x-leadwire-signature'], `sha256=${crypto.createHmac('sha256', rotated.authentication_key).update(body).digest('hex')}`);
  key = rotated.authentication_key;
  await call('PUT', `/api/webhook-rules/${r.id}`, { title: r.title, url: r.url, trigger: 1, enabled: false });
});

async function oneDelivery(path, title) {
  const r = await rule({ title, url: rx.url(path) });
  await lead({ contact: { first_name: title } });
  const d1 = await poll(async () => (await deliveries(r.id)).find((x) => x.attempts.length >= 1), 20000, `${title} attempt`);
  await call('PUT', `/api/webhook-rules/${r.id}`, { title, url: r.url, trigger: 1, enabled: false });
  return { r, d: d1 };
}

test('a 500 is retried after about 5 seconds and then delivered', async () => {
  let n = 0;
  rx.behave('/flaky', (req, res) => { n++; res.writeHead(n === 1 ? 500 : 200); res.end(n === 1 ? 'boom' : 'ok'); });
  const r = await rule({ title: 'flaky', url: rx.url('/flaky') });
  await lead({ contact: { first_name: 'Flaky' } });
  const first = await poll(async () => (await deliveries(r.id)).find((x) => x.attempts.length === 1), 10000, 'first attempt');
  assert.equal(first.status, 'pending');
  assert.equal(first.attempts[0].http_status, 500);
  assert.equal(first.attempts[0].response_excerpt, 'boom');
  const wait = Date.parse(first.next_attempt_at) - Date.parse(first.attempts[0].at);
  assert.ok(wait >= 4000 && wait <= 6100, `retry after ${wait} ms`);
  const done = await poll(async () => (await deliveries(r.id, 'delivered'))[0], 12000, 'the retry');
  assert.equal(done.attempts.length, 2);
  const ids = rx.at('/flaky').map((x) => x.headers['webhook-id']);
  assert.equal(ids[0], ids[1], 'the same webhook-id on every retry');
  assert.notEqual(rx.at('/flaky')[0].headers['webhook-timestamp'], undefined);
});

test('Retry-After on 429 is honoured', async () => {
  let n = 0;
  rx.behave('/busy', (req, res) => { n++; if (n === 1) { res.writeHead(429, { 'retry-after': '1' }); res.end(); } else { res.writeHead(204); res.end(); } });
  const r = await rule({ title: 'busy', url: rx.url('/busy') });
  await lead({ contact: { first_name: 'Busy' } });
  const first = await poll(async () => (await deliveries(r.id)).find((x) => x.attempts.length === 1), 10000);
  const wait = Date.parse(first.next_attempt_at) - Date.parse(first.attempts[0].at);
  assert.ok(wait >= 900 && wait <= 1500, `Retry-After 1 s gave ${wait} ms`);
  await poll(async () => (await deliveries(r.id, 'delivered'))[0], 5000, 'delivery after Retry-After');
});

test('3xx is a failure (redirects are not followed)', async () => {
  rx.status('/moved', 302, { location: rx.url('/elsewhere') });
  const { d: del } = await oneDelivery('/moved', 'moved');
  assert.equal(del.status, 'pending');
  assert.equal(del.attempts[0].http_status, 302);
  assert.equal(rx.at('/elsewhere').length, 0);
});

test('connection refused is recorded and retried', async () => {
  const r = await rule({ title: 'refused', url: 'http://127.0.0.1:9/refused' });
  await lead({ contact: { first_name: 'Refused' } });
  const del = await poll(async () => (await deliveries(r.id)).find((x) => x.attempts.length >= 1), 10000);
  assert.equal(del.status, 'pending');
  assert.equal(del.attempts[0].http_status, null);
  assert.match(del.attempts[0].error, /connect/i);
  await call('PUT', `/api/webhook-rules/${r.id}`, { title: 'refused', url: r.url, trigger: 1, enabled: false });
});

test('410 Gone disables the rule, with the reason in the list and the audit log', async () => {
  rx.status('/gone', 410);
  const r = await rule({ title: 'gone', url: rx.url('/gone') });
  await lead({ contact: { first_name: 'Gone' } });
  const del = await poll(async () => (await deliveries(r.id, 'failed'))[0], 10000, 'failed delivery');
  assert.equal(del.attempts[0].http_status, 410);
  const listed = (await call('GET', '/api/webhook-rules?filter=gone')).json.records[0];
  assert.equal(listed.enabled, false);
  assert.match(listed.disabled_reason, /410/);
  const audit = (await call('GET', '/api/audit-log')).json.records.find((a) => a.action === 'rule.disabled' && a.target_id === r.id);
  assert.ok(audit);
  assert.equal(audit.user, null);
  assert.match(audit.details.reason, /410/);
});

test('a timeout (no answer in 15 s) is a failure', { timeout: 40000 }, async () => {
  rx.behave('/hang', () => {});  // never answers
  const r = await rule({ title: 'hang', url: rx.url('/hang') });
  await lead({ contact: { first_name: 'Hang' } });
  const del = await poll(async () => (await deliveries(r.id)).find((x) => x.attempts.length >= 1), 25000, 'timed-out attempt');
  assert.equal(del.status, 'pending');
  assert.match(del.attempts[0].error, /timed? ?out/i);
  assert.ok(del.attempts[0].duration_ms >= 14000 && del.attempts[0].duration_ms < 17000, `${del.attempts[0].duration_ms} ms`);
  await call('PUT', `/api/webhook-rules/${r.id}`, { title: 'hang', url: r.url, trigger: 1, enabled: false });
});

test('redeliver, send test event, recover', async () => {
  rx.status('/manual', 200);
  const r = await rule({ title: 'manual', url: rx.url('/manual') });
  await lead({ contact: { first_name: 'Manual' } });
  const first = await poll(async () => (await deliveries(r.id, 'delivered'))[0], 10000);
  const re = await call('POST', `/api/deliveries/${first.id}/redeliver`);
  assert.equal(re.status, 202);
  await rx.until(() => rx.at('/manual').length >= 2);
  assert.equal(rx.at('/manual')[1].headers['webhook-id'], first.webhook_id);

  const t = await call('POST', `/api/webhook-rules/${r.id}/test`);
  assert.equal(t.status, 202);
  await rx.until(() => rx.at('/manual').length >= 3);
  const sample = rx.at('/manual')[2].json;
  assert.equal(sample.EventType, 'Lead Created');
  assert.equal(sample.LeadSummary, 'This is a test event from Leadwire.');
  await poll(async () => (await deliveries(r.id, 'delivered')).find((x) => x.test), 5000, 'the test delivery recorded');

  // Recover: failed deliveries since a time are sent again.
  const since = new Date(Date.now() - 60000).toISOString();
  sql(d.path, 'SELECT 1');  // the file is readable while the server runs
  const before = rx.at('/manual').length;
  const bad = await call('POST', `/api/webhook-rules/${r.id}/recover`, { since: 'yesterday' });
  assert.equal(bad.status, 422);
  assert.ok(bad.json.error.fields.since);
  const rec = await call('POST', `/api/webhook-rules/${r.id}/recover`, { since });
  assert.equal(rec.status, 202);
  assert.equal(rec.json.recovered, 0, 'nothing failed yet');
  assert.equal(rx.at('/manual').length, before);
  assert.equal((await call('POST', '/api/deliveries/999999/redeliver')).status, 404);
  assert.equal((await call('POST', '/api/webhook-rules/999999/test')).status, 404);
});

test('recover resends failed deliveries', async () => {
  rx.status('/recover', 410);
  const r = await rule({ title: 'recover', url: rx.url('/recover') });
  await lead({ contact: { first_name: 'Recover' } });
  await poll(async () => (await deliveries(r.id, 'failed'))[0], 10000);
  rx.status('/recover', 200);
  await call('PUT', `/api/webhook-rules/${r.id}`, { title: 'recover', url: r.url, trigger: 1, enabled: true });
  const rec = await call('POST', `/api/webhook-rules/${r.id}/recover`, { since: new Date(Date.now() - 60000).toISOString() });
  assert.equal(rec.json.recovered, 1);
  await poll(async () => (await deliveries(r.id, 'delivered'))[0], 10000, 'recovered delivery');
  await call('PUT', `/api/webhook-rules/${r.id}`, { title: 'recover', url: r.url, trigger: 1, enabled: false });
});

test("a deleted rule's queued deliveries are cancelled", async () => {
  rx.status('/doomed', 500);
  const r = await rule({ title: 'doomed', url: rx.url('/doomed') });
  await lead({ contact: { first_name: 'Doomed' } });
  const del = await poll(async () => (await deliveries(r.id)).find((x) => x.attempts.length >= 1), 10000);
  await call('PUT', `/api/webhook-rules/${r.id}`, { title: 'doomed', url: r.url, trigger: 1, enabled: false });
  assert.equal((await call('DELETE', `/api/webhook-rules/${r.id}`)).status, 204);
  assert.deepEqual(sql(d.path, `SELECT status FROM deliveries WHERE id = ${del.id}`), [{ status: 'cancelled' }]);
  const seen = rx.at('/doomed').length;
  await new Promise((res) => setTimeout(res, 6500));  // past the 5 s retry
  assert.equal(rx.at('/doomed').length, seen);
});

test('while webhooks are disabled nothing is queued and queued deliveries wait', async () => {
  rx.status('/paused', 503, { 'retry-after': '1' });
  const r = await rule({ title: 'paused', url: rx.url('/paused') });
  await lead({ contact: { first_name: 'Queued' } });
  await poll(async () => (await deliveries(r.id)).find((x) => x.attempts.length >= 1), 10000);
  await call('PUT', '/api/settings/webhooks', { enabled: false });
  const pending = sql(d.path, `SELECT COUNT(*) AS n FROM deliveries WHERE rule_id = ${r.id}`)[0].n;
  await call('POST', '/api/leads', { contact: { first_name: 'Not queued' } });
  assert.equal(sql(d.path, `SELECT COUNT(*) AS n FROM deliveries WHERE rule_id = ${r.id}`)[0].n, pending);
  rx.status('/paused', 200);
  const seen = rx.at('/paused').length;
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(rx.at('/paused').length, seen, 'the queued delivery waits while disabled');
  await call('PUT', '/api/settings/webhooks', { enabled: true });
  await poll(async () => (await deliveries(r.id, 'delivered'))[0], 10000, 'delivery after re-enabling');
  await call('PUT', `/api/webhook-rules/${r.id}`, { title: 'paused', url: r.url, trigger: 1, enabled: false });
});

test('a slow endpoint does not delay a fast one', { timeout: 60000 }, async () => {
  rx.behave('/slow', (req, res) => setTimeout(() => { res.writeHead(200); res.end('slow'); }, 4000));
  rx.status('/fast', 200);
  const slow = await rule({ title: 'slow', url: rx.url('/slow') });
  const fast = await rule({ title: 'fast', url: `http://localhost:${rx.port}/fast` });
  const started = Date.now();
  await Promise.all(Array.from({ length: 60 }, (_, i) => lead({ contact: { first_name: `Load ${i}` } })));
  await rx.until(() => rx.at('/fast').length >= 60, 20000, 'all fast deliveries');
  const fastDone = Date.now() - started;
  // The slow endpoint holds every one of its requests (each endpoint has its
  // own slots, so all 60 may be with it at once), and none has answered yet.
  const slowDeliveries = (await call('GET', `/api/webhook-rules/${slow.id}/deliveries`)).json.records;
  assert.equal(slowDeliveries.filter((d) => d.status === 'delivered').length, 0, 'the slow endpoint is still busy');
  assert.ok(fastDone < 4000, `fast deliveries took ${fastDone} ms while the slow endpoint holds requests for 4 s`);
  for (const r of [slow, fast]) await call('PUT', `/api/webhook-rules/${r.id}`, { title: r.title, url: r.url, trigger: 1, enabled: false });
});

test('metrics count deliveries and requests', async () => {
  const res = await api(server.base, 'GET', '/metrics');
  assert.equal(res.status, 200);
  const text = res.buffer.toString();
  assert.match(text, /leadwire_delivery_queue_depth \d+/);
  assert.match(text, /leadwire_deliveries_total\{outcome="delivered"\} [1-9]/);
  assert.match(text, /leadwire_delivery_attempt_duration_seconds_count [1-9]/);
  assert.match(text, /leadwire_http_requests_total\{method="POST",status="201"\} [1-9]/);
});
