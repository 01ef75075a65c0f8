// The published payload schemas (docs/webhook-payloads/, JSON Schema
// 2020-12), compiled once with ajv in strict mode. The receiver checks every
// webhook it is sent against its trigger's schema, so every payload delivered
// anywhere in the suite is validated.
import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const DIR = new URL('../../docs/webhook-payloads/', import.meta.url).pathname;

// Strict: unknown keywords or formats in a schema are errors, not ignored.
// Union types ("string" or null) are how a key says it may be unknown.
export function newAjv() {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

let validators = null;  // EventTypeId -> compiled schema

function load() {
  const ajv = newAjv();
  validators = new Map();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.schema.json'))) {
    const schema = JSON.parse(readFileSync(DIR + file, 'utf8'));
    validators.set(schema.properties.EventTypeId.const, ajv.compile(schema));
  }
  return validators;
}

// Why `payload` does not fit its trigger's published schema, or null if it does.
export function payloadProblems(payload) {
  const validate = (validators || load()).get(payload && payload.EventTypeId);
  if (!validate) return `no published schema for EventTypeId ${JSON.stringify(payload && payload.EventTypeId)}`;
  if (validate(payload)) return null;
  return validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
}
