// The OpenAPI 3.1 document: served at /api/openapi.json exactly as committed
// (docs/openapi.json) and as scripts/openapi.mjs writes it, valid by an
// OpenAPI validator, and every operation it lists exists on the server.
// (Every answer the suite gets is checked against it in helpers.api().)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { setup, api } from './helpers.mjs';
import { OPENAPI } from './openapi_check.mjs';
import { openapiFile } from '../../scripts/openapi.mjs';

let env;
before(async () => { env = await setup(); });
after(async () => { await env.teardown(); });

test('the served document is the committed one, and scripts/openapi.mjs writes exactly that', async () => {
  const res = await api(env.base, 'GET', '/api/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const committed = readFileSync(OPENAPI, 'utf8');
  assert.equal(res.buffer.toString('utf8'), committed);
  assert.equal(openapiFile(), committed, 'docs/openapi.json is out of date: run node scripts/openapi.mjs');
});

test('it is a valid OpenAPI 3.1 document', async () => {
  const doc = JSON.parse(readFileSync(OPENAPI, 'utf8'));
  assert.equal(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1));
  // Each trigger's payload is documented as a webhook.
  assert.equal(Object.keys(doc.webhooks).length, 16);
});

test('every documented operation exists: without credentials it answers 401, not 404', async () => {
  const doc = JSON.parse(readFileSync(OPENAPI, 'utf8'));
  let checked = 0;
  for (const [template, ops] of Object.entries(doc.paths)) {
    const path = template.replace('{id}', '1');
    for (const [method, op] of Object.entries(ops)) {
      if (op.security.length === 0) continue;  // public: healthz, login, …
      const res = await fetch(env.base + path, { method: method.toUpperCase() });
      assert.equal(res.status, 401, `${method.toUpperCase()} ${template}`);
      checked += 1;
    }
  }
  assert.ok(checked >= 45, `${checked} operations`);
});
