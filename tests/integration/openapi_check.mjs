// Every answer the tests get through helpers.api() is checked against the
// OpenAPI document (docs/openapi.json, served at /api/openapi.json): the path
// and method must be documented (or the answer is an error), the status must
// be one the operation lists (errors: its default), and a JSON body must fit
// the documented schema (ajv, strict, JSON Schema 2020-12 as OpenAPI 3.1 uses).
import { readFileSync } from 'node:fs';
import { newAjv } from './payload_schemas.mjs';

export const OPENAPI = new URL('../../docs/openapi.json', import.meta.url).pathname;
const API = 'urn:leadwire:openapi';

let state = null;

function load() {
  // The document's "#/components/schemas/X" become "urn:leadwire:openapi#/$defs/X"
  // so that each response schema compiles on its own.
  const text = readFileSync(OPENAPI, 'utf8').replaceAll('"#/components/schemas/', `"${API}#/$defs/`);
  const doc = JSON.parse(text);
  const ajv = newAjv();
  ajv.addSchema({ $id: API, $defs: doc.components.schemas });
  const routes = Object.entries(doc.paths).map(([template, ops]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    ops,
  // A literal segment wins over a placeholder (/webhook-rules/preview over /webhook-rules/{id}), as in the router.
  })).sort((a, b) => (a.template.match(/\{/g) ?? []).length - (b.template.match(/\{/g) ?? []).length);
  const errorSchema = ajv.getSchema(`${API}#/$defs/Error`);
  state = { doc, ajv, routes, errorSchema, compiled: new Map() };
  return state;
}

function validator(s, schema, key) {
  if (!s.compiled.has(key)) s.compiled.set(key, s.ajv.compile(schema));
  return s.compiled.get(key);
}

const problems = (v) => v.errors.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');

// Why this answer does not fit the document, or null when it does.
// `json`: the body as the caller parsed it (undefined when not JSON).
export function responseProblem(method, url, status, contentType, buffer, json) {
  const s = state || load();
  const path = url.split('?')[0];
  const what = `${method} ${path} → ${status}`;
  const route = s.routes.find((r) => r.pattern.test(path));
  const op = route && route.ops[method.toLowerCase()];
  if (!op) {
    if (!route && !path.startsWith('/api/')) return null;  // the UI's own files
    // Unknown paths and methods answer an error.
    if (status < 400) return `${what}: not in the OpenAPI document`;
    if (json === undefined || !s.errorSchema(json)) return `${what}: an undocumented path must answer an error body`;
    return null;
  }
  const response = op.responses[String(status)] || (status >= 400 ? op.responses.default : undefined);
  if (!response) return `${what}: status not documented for ${method} ${route.template}`;
  const resolved = response.$ref ? s.doc.components.responses[response.$ref.split('/').pop()] : response;
  if (!resolved.content) return buffer.length ? `${what}: a body where none is documented` : null;
  const type = (contentType || '').split(';')[0].trim();
  const media = Object.keys(resolved.content).find((m) => m === type);
  if (!media) return `${what}: content type ${type} not documented (${Object.keys(resolved.content)})`;
  if (media !== 'application/json') return null;
  const v = validator(s, resolved.content[media].schema, `${method} ${route.template} ${status}`);
  return v(json) ? null : `${what}: ${problems(v)}`;
}
