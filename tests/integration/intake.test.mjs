// §3: lookups and intake records. Every action leaves exactly one event row of
// its trigger (plus Contact Added where a contact is made), in the same
// transaction; a rejected request leaves none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, api, lastEventId, eventsAfter } from './helpers.mjs';

let env;
const T = { LeadCreated: 1, LeadEdited: 2, LeadStatusChanged: 3, NoteAdded: 4, ContactAdded: 6,
  ContactEdited: 7, TagAdded: 8, OpportunityCreated: 10, TextReceived: 11, EmailReceived: 12,
  FileUploaded: 15, OpportunityConverted: 19, OpportunityDisregarded: 20, SentToExternal: 25,
  DataSyncCompleted: 29 };

before(async () => {
  env = await setup();
  for (const [path, name] of [['/api/case-types', 'Auto Accident'], ['/api/case-types', 'Slip and Fall'],
    ['/api/offices', 'Downtown'], ['/api/marketing-sources', 'Google Ads'],
    ['/api/opportunity-sources', 'Web Form']]) {
    const res = await api(env.base, 'POST', path, { token: env.token, body: { name } });
    assert.equal(res.status, 201, `${path} ${name}`);
  }
});
after(async () => { await env.teardown(); });

const call = (method, path, body) => api(env.base, method, path, { token: env.token, body });

// Runs `action`, then returns its response and the triggers it recorded.
async function withEvents(action) {
  const mark = lastEventId(env.path);
  const res = await action();
  return { res, events: eventsAfter(env.path, mark) };
}

test('a new organization has the default statuses and substatuses', async () => {
  const res = await call('GET', '/api/lookups');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.statuses.map((s) => s.name), ['New', 'Assigned', 'Under Review', 'Chase',
    'Hold', 'Scheduled', 'Pending Sign Up', 'Signed Up', 'Referred', 'Rejected', 'Lost', 'Closed']);
  const chase = res.json.statuses.find((s) => s.name === 'Chase');
  assert.deepEqual(chase.substatuses.map((s) => s.name), ['First Attempt', 'Second Attempt', 'Third Attempt']);
  const lost = res.json.statuses.find((s) => s.name === 'Lost');
  assert.deepEqual(lost.substatuses.map((s) => s.name), ['Hired Another Attorney']);
  for (const key of ['case_types', 'offices', 'marketing_sources', 'opportunity_sources']) assert.ok(Array.isArray(res.json[key]));
  assert.deepEqual(res.json.case_types.map((c) => c.name), ['Auto Accident', 'Slip and Fall']);
});

test('lookups: a status with substatuses, duplicates answer 409, empty names 422', async () => {
  const created = await call('POST', '/api/statuses', { name: 'Intake Call', substatuses: ['Left Voicemail', 'Spoke'] });
  assert.equal(created.status, 201);
  assert.equal(created.json.name, 'Intake Call');
  assert.deepEqual(created.json.substatuses.map((s) => s.name), ['Left Voicemail', 'Spoke']);
  const dup = await call('POST', '/api/statuses', { name: 'intake call' });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.code, 'duplicate_name');
  for (const path of ['/api/case-types', '/api/offices', '/api/marketing-sources', '/api/opportunity-sources']) {
    const again = await call('POST', path, { name: path === '/api/case-types' ? 'Auto Accident' : path === '/api/offices' ? 'Downtown' : path === '/api/marketing-sources' ? 'Google Ads' : 'Web Form' });
    assert.equal(again.status, 409, path);
    const empty = await call('POST', path, { name: '  ' });
    assert.equal(empty.status, 422, path);
    assert.ok(empty.json.error.fields.name);
  }
});

test('creating a lead records Lead Created and Contact Added', async () => {
  const { res, events } = await withEvents(() => call('POST', '/api/leads', {
    contact: { first_name: 'Ann', last_name: 'Lee', email: 'ann@example.com', mobile_phone: '+1 555 0100' },
    status: 'Chase', substatus: 'First Attempt', case_type: 'Auto Accident', office: 'Downtown',
    marketing_source: 'Google Ads', opportunity_source: 'Web Form', case_tracker_code: 'CT-1',
    summary: 'Rear-ended', custom_fields: { 'Police Report': 'PR-1', Injured: true } }));
  assert.equal(res.status, 201);
  const lead = res.json;
  assert.equal(lead.status, 'Chase');
  assert.equal(lead.substatus, 'First Attempt');
  assert.equal(lead.case_type, 'Auto Accident');
  assert.equal(lead.office, 'Downtown');
  assert.equal(lead.contact.full_name, 'Ann Lee');
  assert.deepEqual(lead.custom_fields, { 'Police Report': 'PR-1', Injured: true });
  assert.match(lead.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(events.map((e) => e.trigger_id), [T.ContactAdded, T.LeadCreated]);
  assert.equal(events[1].lead_id, lead.id);
  assert.equal(events[1].contact_id, lead.contact.id);
  assert.equal(events[1].user_id, env.admin.user_id);

  const read = await call('GET', `/api/leads/${lead.id}`);
  assert.deepEqual(read.json, lead);
});

test('a lead for an existing contact records only Lead Created; status defaults to New', async () => {
  const contact = await call('POST', '/api/contacts', { first_name: 'Bo', last_name: 'Diaz' });
  const { res, events } = await withEvents(() => call('POST', '/api/leads', { contact: { id: contact.json.id } }));
  assert.equal(res.status, 201);
  assert.equal(res.json.status, 'New');
  assert.deepEqual(events.map((e) => e.trigger_id), [T.LeadCreated]);
});

test('rejected lead requests leave no event and no record', async () => {
  const cases = [
    [{ contact: { first_name: 'X' }, case_type: 'Nope' }, 'case_type'],
    [{ contact: { first_name: 'X' }, office: 'Nope' }, 'office'],
    [{ contact: { first_name: 'X' }, marketing_source: 'Nope' }, 'marketing_source'],
    [{ contact: { first_name: 'X' }, opportunity_source: 'Nope' }, 'opportunity_source'],
    [{ contact: { first_name: 'X' }, status: 'Nope' }, 'status'],
    [{ contact: { first_name: 'X' }, status: 'Chase', substatus: 'Hired Another Attorney' }, 'substatus'],
    [{ contact: { first_name: 'X', email: 'not-an-email' } }, 'contact.email'],
    [{ contact: { first_name: 'X', birthdate: '31/12/1990' } }, 'contact.birthdate'],
    [{ contact: { id: 999999 } }, 'contact.id'],
    [{ summary: 'no contact' }, 'contact'],
    [{ contact: { first_name: 'X' }, custom_fields: { Nested: { a: 1 } } }, 'custom_fields.Nested'],
  ];
  const total = (await call('GET', '/api/leads')).json.total;
  for (const [body, field] of cases) {
    const { res, events } = await withEvents(() => call('POST', '/api/leads', body));
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.ok(res.json.error.fields[field], `${field} in ${JSON.stringify(res.json.error.fields)}`);
    assert.equal(events.length, 0);
  }
  assert.equal((await call('GET', '/api/leads')).json.total, total);
});

test('editing a lead records Lead Edited only when something changed', async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Cy' } })).json;
  const { res, events } = await withEvents(() => call('PATCH', `/api/leads/${lead.id}`, {
    summary: 'Dog bite at the park', case_type: 'Slip and Fall', custom_fields: { Witness: 'Yes' },
    contact: { last_name: 'Young', city: 'Springfield' } }));
  assert.equal(res.status, 200);
  assert.equal(res.json.summary, 'Dog bite at the park');
  assert.equal(res.json.case_type, 'Slip and Fall');
  assert.equal(res.json.contact.last_name, 'Young');
  assert.equal(res.json.custom_fields.Witness, 'Yes');
  assert.deepEqual(events.map((e) => e.trigger_id), [T.LeadEdited]);

  const same = await withEvents(() => call('PATCH', `/api/leads/${lead.id}`, { summary: 'Dog bite at the park' }));
  assert.equal(same.res.status, 200);
  assert.equal(same.events.length, 0);

  const status = await withEvents(() => call('PATCH', `/api/leads/${lead.id}`, { status: 'Hold' }));
  assert.equal(status.res.status, 422);
  assert.ok(status.res.json.error.fields.status);
  assert.equal(status.events.length, 0);

  const cleared = await call('PATCH', `/api/leads/${lead.id}`, { case_type: null });
  assert.equal(cleared.json.case_type, null);
});

test('changing status records Lead Status Changed only when it changed', async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Di' } })).json;
  const changed = await withEvents(() => call('POST', `/api/leads/${lead.id}/status`, { status: 'Lost', substatus: 'Hired Another Attorney' }));
  assert.equal(changed.res.status, 200);
  assert.equal(changed.res.json.status, 'Lost');
  assert.equal(changed.res.json.substatus, 'Hired Another Attorney');
  assert.deepEqual(changed.events.map((e) => e.trigger_id), [T.LeadStatusChanged]);

  const same = await withEvents(() => call('POST', `/api/leads/${lead.id}/status`, { status: 'Lost', substatus: 'Hired Another Attorney' }));
  assert.equal(same.res.status, 200);
  assert.equal(same.events.length, 0);

  for (const [body, field] of [[{}, 'status'], [{ status: 'Nope' }, 'status'], [{ status: 'Hold', substatus: 'First Attempt' }, 'substatus']]) {
    const bad = await withEvents(() => call('POST', `/api/leads/${lead.id}/status`, body));
    assert.equal(bad.res.status, 422);
    assert.ok(bad.res.json.error.fields[field]);
    assert.equal(bad.events.length, 0);
  }
  assert.equal((await call('POST', '/api/leads/999999/status', { status: 'Hold' })).status, 404);
});

test('notes record Note Added', async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Ed' } })).json;
  const { res, events } = await withEvents(() => call('POST', `/api/leads/${lead.id}/notes`, { note: 'Called back', summary: 'Callback' }));
  assert.equal(res.status, 201);
  assert.equal(res.json.note, 'Called back');
  assert.deepEqual(events.map((e) => e.trigger_id), [T.NoteAdded]);
  assert.equal(events[0].subject_id, res.json.id);
  const empty = await withEvents(() => call('POST', `/api/leads/${lead.id}/notes`, { note: '' }));
  assert.equal(empty.res.status, 422);
  assert.equal(empty.events.length, 0);
  const list = await call('GET', `/api/leads/${lead.id}/notes`);
  assert.equal(list.json.total, 1);
});

test('contacts: add, edit, tag', async () => {
  const added = await withEvents(() => call('POST', '/api/contacts', { first_name: 'Fay', email: 'fay@example.com', deceased: false }));
  assert.equal(added.res.status, 201);
  assert.deepEqual(added.events.map((e) => e.trigger_id), [T.ContactAdded]);
  const id = added.res.json.id;

  const edited = await withEvents(() => call('PATCH', `/api/contacts/${id}`, { last_name: 'Gold', email: null }));
  assert.equal(edited.res.status, 200);
  assert.equal(edited.res.json.last_name, 'Gold');
  assert.equal(edited.res.json.email, null);
  assert.deepEqual(edited.events.map((e) => e.trigger_id), [T.ContactEdited]);

  const bad = await withEvents(() => call('PATCH', `/api/contacts/${id}`, { deceased: 'maybe' }));
  assert.equal(bad.res.status, 422);
  assert.equal(bad.events.length, 0);

  const tagged = await withEvents(() => call('POST', `/api/contacts/${id}/tags`, { tag: 'VIP' }));
  assert.equal(tagged.res.status, 201);
  assert.deepEqual(tagged.events.map((e) => e.trigger_id), [T.TagAdded]);
  const again = await withEvents(() => call('POST', `/api/contacts/${id}/tags`, { tag: 'VIP' }));
  assert.equal(again.res.status, 409);
  assert.equal(again.events.length, 0);
  assert.deepEqual((await call('GET', `/api/contacts/${id}`)).json.tags, ['VIP']);
});

test('opportunities: create, convert (a lead and its contact), disregard', async () => {
  const created = await withEvents(() => call('POST', '/api/opportunities', {
    first_name: 'Gil', last_name: 'Hart', email: 'gil@example.com', marketing_source: 'Google Ads',
    opportunity_source: 'Web Form', summary: 'Truck accident' }));
  assert.equal(created.res.status, 201);
  assert.deepEqual(created.events.map((e) => e.trigger_id), [T.OpportunityCreated]);
  const opp = created.res.json;

  const converted = await withEvents(() => call('POST', `/api/opportunities/${opp.id}/convert`));
  assert.equal(converted.res.status, 200);
  assert.equal(converted.res.json.state, 'converted');
  assert.equal(converted.res.json.lead.contact.first_name, 'Gil');
  assert.equal(converted.res.json.lead.marketing_source, 'Google Ads');
  assert.deepEqual(converted.events.map((e) => e.trigger_id), [T.ContactAdded, T.LeadCreated, T.OpportunityConverted]);
  assert.equal(converted.events[2].lead_id, converted.res.json.lead_id);

  const twice = await withEvents(() => call('POST', `/api/opportunities/${opp.id}/convert`));
  assert.equal(twice.res.status, 409);
  assert.equal(twice.events.length, 0);

  const other = (await call('POST', '/api/opportunities', { name: 'Web chat visitor' })).json;
  const noReason = await withEvents(() => call('POST', `/api/opportunities/${other.id}/disregard`, {}));
  assert.equal(noReason.res.status, 422);
  assert.equal(noReason.events.length, 0);
  const disregarded = await withEvents(() => call('POST', `/api/opportunities/${other.id}/disregard`, { reason: 'Spam' }));
  assert.equal(disregarded.res.status, 200);
  assert.equal(disregarded.res.json.disregard_reason, 'Spam');
  assert.deepEqual(disregarded.events.map((e) => e.trigger_id), [T.OpportunityDisregarded]);

  const badSource = await call('POST', '/api/opportunities', { name: 'X', marketing_source: 'Nope' });
  assert.equal(badSource.status, 422);
  assert.ok(badSource.json.error.fields.marketing_source);
});

test('texts, emails, files, external sends and data syncs record their triggers', async () => {
  const lead = (await call('POST', '/api/leads', { contact: { first_name: 'Hal' } })).json;
  const cases = [
    [`/api/leads/${lead.id}/texts`, { from: '+15550100', to: '+15550199', body: 'Hi' }, T.TextReceived],
    [`/api/leads/${lead.id}/emails`, { from: 'hal@example.com', to: 'intake@firm.example', subject: 'Docs', body: 'Attached' }, T.EmailReceived],
    [`/api/leads/${lead.id}/files`, { file_name: 'report.pdf', url: 'https://files.example.com/r.pdf', category: 'Medical' }, T.FileUploaded],
    [`/api/leads/${lead.id}/send-to-external`, { system: 'Filevine' }, T.SentToExternal],
    ['/api/data-syncs', { report_name: 'Weekly Leads', file_name: 'weekly.csv' }, T.DataSyncCompleted],
  ];
  for (const [path, body, trigger] of cases) {
    const { res, events } = await withEvents(() => call('POST', path, body));
    assert.equal(res.status, 201, path);
    assert.deepEqual(events.map((e) => e.trigger_id), [trigger], path);
    const bad = await withEvents(() => call('POST', path, {}));
    assert.equal(bad.res.status, 422, path);
    assert.equal(bad.events.length, 0);
  }
  const badUrl = await call('POST', `/api/leads/${lead.id}/files`, { file_name: 'a', url: 'ftp://x' });
  assert.equal(badUrl.status, 422);
  assert.ok(badUrl.json.error.fields.url);
  assert.equal((await call('POST', '/api/leads/999999/texts', { from: 'a', to: 'b', body: 'c' })).status, 404);
});

test('leads can be listed by status and searched', async () => {
  await call('POST', '/api/leads', { contact: { first_name: 'Ivy', last_name: 'Searchable', email: 'ivy@find.example' }, status: 'Scheduled' });
  const byStatus = await call('GET', '/api/leads?status=Scheduled');
  assert.equal(byStatus.status, 200);
  assert.ok(byStatus.json.records.every((l) => l.status === 'Scheduled'));
  assert.ok(byStatus.json.total >= 1);
  const byText = await call('GET', '/api/leads?q=searchABLE');
  assert.equal(byText.json.total, 1);
  assert.equal(byText.json.records[0].contact.first_name, 'Ivy');
  const byEmail = await call('GET', '/api/leads?q=find.example');
  assert.equal(byEmail.json.total, 1);
  const bad = await call('GET', '/api/leads?status=Nope');
  assert.equal(bad.status, 422);
  const page = await call('GET', '/api/leads?limit=2&offset=0');
  assert.equal(page.json.records.length, 2);
  assert.ok(page.json.total > 2);
});

test('messages name the actual problem', async () => {
  const empty = await call('POST', '/api/leads', { contact: { first_name: 'Em' }, status: '' });
  assert.equal(empty.status, 422);
  assert.match(empty.json.error.fields.status, /must name one of the organization's statuses/);
  for (const path of ['/api/contacts', '/api/leads']) {
    const body = { first_name: true };
    const res = await call('POST', path, path === '/api/leads' ? { contact: body } : body);
    assert.equal(res.status, 422, path);
    const fields = res.json.error.fields;
    assert.equal(fields[path === '/api/leads' ? 'contact.first_name' : 'first_name'], 'must be a string', JSON.stringify(fields));
  }
});

test('search matches % and _ as themselves, not as wildcards', async () => {
  await call('POST', '/api/leads', { contact: { first_name: 'Pct', last_name: 'Wild' }, summary: 'Settled for 100% of_costs' });
  for (const q of ['%', '_', '100%', 'of_costs']) {
    const leads = await call('GET', `/api/leads?q=${encodeURIComponent(q)}`);
    assert.equal(leads.status, 200);
    assert.deepEqual(leads.json.records.map((l) => l.contact.first_name), ['Pct'], q);
    assert.equal(leads.json.total, 1, q);
  }
  assert.equal((await call('GET', '/api/leads?q=100%25%25')).json.total, 0);
  assert.equal((await call('GET', '/api/leads?q=o_f')).json.total, 0);
  await call('POST', '/api/contacts', { first_name: 'Under_score' });
  for (const q of ['_', 'r_s']) {
    const contacts = await call('GET', `/api/contacts?q=${encodeURIComponent(q)}`);
    assert.deepEqual(contacts.json.records.map((c) => c.first_name), ['Under_score'], q);
    assert.equal(contacts.json.total, 1, q);
  }
  assert.equal((await call('GET', '/api/contacts?q=%25')).json.total, 0);
});
