// The event catalog: each trigger links its payload's JSON Schema (2020-12)
// and an example; the schemas compile in ajv's strict mode, the examples fit
// them, the committed copies (docs/webhook-payloads/) and the README's key
// list are what the server serves. Every webhook the suite delivers is
// checked against these schemas by the receiver (receiver.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setup, api, addUser } from './helpers.mjs';
import { newAjv, payloadProblems } from './payload_schemas.mjs';
import { fetchSchemas, payloadKeysMarkdown, readmeSection, schemaPath } from '../../scripts/catalog.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
let env, catalog;
const call = (method, path, token = env.token) => api(env.base, method, path, { token });

before(async () => {
  env = await setup();
  catalog = await fetchSchemas(env.base, env.token);
});
after(async () => { await env.teardown(); });

test('every trigger links its schema and example', async () => {
  assert.equal(catalog.triggers.length, 16);
  for (const t of catalog.triggers) {
    assert.equal(t.schema_url, `/api/webhook-triggers/${t.id}/schema`);
    assert.equal(t.example_url, `/api/webhook-triggers/${t.id}/example`);
  }
});

test('the schemas are strict JSON Schema 2020-12, and the committed copies are what is served', () => {
  for (const t of catalog.triggers) {
    const schema = catalog.schemas.get(t.id);
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.properties.EventTypeId.const, t.id);
    assert.deepEqual([...schema.required].sort(), Object.keys(schema.properties).sort(), `${t.name}: every key required`);
    newAjv().compile(schema);  // throws on anything strict mode refuses
    assert.deepEqual(JSON.parse(readFileSync(ROOT + schemaPath(t), 'utf8')), schema,
      `${schemaPath(t)} is out of date: run node scripts/catalog.mjs`);
  }
});

test("the README's payload keys are generated from the schemas", () => {
  const readme = readFileSync(ROOT + 'README.md', 'utf8');
  assert.equal(readmeSection(readme), payloadKeysMarkdown(catalog), 'README is out of date: run node scripts/catalog.mjs');
});

test('each example fits its schema and is signed by who asked', async () => {
  for (const t of catalog.triggers) {
    const res = await call('GET', t.example_url);
    assert.equal(res.status, 200);
    assert.equal(payloadProblems(res.json), null, t.name);
    assert.equal(res.json.EventType, t.name);
    assert.equal(res.json.EventByUser, 'Admin');
  }
});

test('the validator does refuse a payload that breaks its schema', async () => {
  const example = (await call('GET', '/api/webhook-triggers/3/example')).json;
  const { LeadCode, ...missing } = example;
  assert.ok(LeadCode);
  assert.match(payloadProblems(missing), /must have required property 'LeadCode'/);
  assert.match(payloadProblems({ ...example, LeadId: 'nine' }), /\/LeadId must be integer/);
  assert.match(payloadProblems({ ...example, LeadCreatedDate: '2025-01-15 12:00' }), /\/LeadCreatedDate must match/);
  assert.match(payloadProblems({ ...example, Files: [{ FileName: 'x' }] }), /\/Files\/0 must have required property/);
  assert.equal(payloadProblems({ ...example, 'Police Report': 'PR-1' }), null, 'custom fields on lead payloads');
  const contact = (await call('GET', '/api/webhook-triggers/6/example')).json;
  assert.match(payloadProblems({ ...contact, Extra: 1 }), /must NOT have additional properties/);
  assert.match(payloadProblems({ EventTypeId: 5 }), /no published schema/);
});

test('unknown triggers answer 404; a plain user 403; no credentials 401', async () => {
  for (const id of [5, 0, 99999999999]) {
    for (const what of ['schema', 'example']) {
      const res = await call('GET', `/api/webhook-triggers/${id}/${what}`);
      assert.equal(res.status, 404, `${id} ${what}`);
      assert.equal(res.json.error.code, 'not_found');
    }
  }
  const user = addUser(env.db, env.admin.org_id, 'catalog.user@acme.test').api_token;
  assert.equal((await call('GET', '/api/webhook-triggers/1/schema', user)).status, 403);
  assert.equal((await api(env.base, 'GET', '/api/webhook-triggers/1/example')).status, 401);
});
