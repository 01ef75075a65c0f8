// The published catalog, written from what a build serves: for each trigger
// docs/webhook-payloads/<trigger>.schema.json (GET /api/webhook-triggers/{id}/schema),
// and the README's list of payload keys (between its catalog markers),
// generated from those schemas. The integration tests (catalog.test.mjs)
// compare the committed files with what the server serves, so they stay true.
//   node scripts/catalog.mjs            rewrite them (LEADWIRE_BIN, default build/release)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url).pathname;
export const SCHEMA_DIR = 'docs/webhook-payloads';
const START = '<!-- catalog:payload-keys:start (scripts/catalog.mjs writes this part) -->';
const END = '<!-- catalog:payload-keys:end -->';

// "Lead Created" → "lead-created"
export const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
export const schemaPath = (trigger) => `${SCHEMA_DIR}/${slug(trigger.name)}.schema.json`;
export const asFile = (json) => `${JSON.stringify(json, null, 2)}\n`;

// GET /api/webhook-triggers and each trigger's schema.
export async function fetchSchemas(base, token) {
  const get = async (path) => {
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    return res.json();
  };
  const triggers = (await get('/api/webhook-triggers')).records;
  const schemas = new Map();
  for (const t of triggers) schemas.set(t.id, await get(t.schema_url));
  return { triggers, schemas };
}

const typeText = (s) => {
  if ('const' in s) return typeof s.const === 'number' ? 'integer' : 'string';
  const types = [].concat(s.type).filter((t) => t !== 'null');
  const name = s.format === 'date-time' ? 'date-time' : types.join(' or ');
  return [].concat(s.type).includes('null') ? `${name} or null` : name;
};

// The README's section: each trigger's keys, then what each key holds (a key
// that means different things on different triggers says so).
export function payloadKeysMarkdown({ triggers, schemas }) {
  const lines = [START, ''];
  const keys = new Map();  // key -> {type, meanings: Map description -> [trigger names]}
  for (const t of triggers) {
    const s = schemas.get(t.id);
    const custom = s.additionalProperties ? ', then each custom field of the organization as a key named by its label' : '';
    lines.push(`- **${t.name}** (${t.id}; [schema](${schemaPath(t)})): ${s.required.map((k) => `\`${k}\``).join(' ')}${custom}.`);
    for (const k of s.required) {
      const p = s.properties[k];
      if (!keys.has(k)) keys.set(k, { type: typeText(p), meanings: new Map() });
      const meanings = keys.get(k).meanings;
      meanings.set(p.description, [...(meanings.get(p.description) || []), t.name]);
    }
  }
  lines.push('', '| key | value | what it holds |', '| --- | --- | --- |');
  for (const [k, { type, meanings }] of keys) {
    const what = meanings.size === 1 ? [...meanings.keys()][0]
      : [...meanings].map(([d, names]) => `${names.join(', ')}: ${d}`).join(' ');
    lines.push(`| \`${k}\` | ${type} | ${what} |`);
  }
  lines.push('', END);
  return lines.join('\n');
}

export function readmeSection(readme) {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  return a < 0 || b < 0 ? null : readme.slice(a, b + END.length);
}

async function main() {
  const { freshDatabase, startServer, cleanup } = await import('../tests/integration/helpers.mjs');
  const d = freshDatabase('Catalog');
  const server = await startServer(d.db);
  try {
    const catalog = await fetchSchemas(server.base, d.admin.api_token);
    mkdirSync(ROOT + SCHEMA_DIR, { recursive: true });
    for (const t of catalog.triggers) writeFileSync(ROOT + schemaPath(t), asFile(catalog.schemas.get(t.id)));
    const readme = readFileSync(ROOT + 'README.md', 'utf8');
    const old = readmeSection(readme);
    if (!old) throw new Error(`README.md has no ${START} … ${END} section`);
    writeFileSync(ROOT + 'README.md', readme.replace(old, payloadKeysMarkdown(catalog)));
    console.log(`wrote ${catalog.triggers.length} schemas under ${SCHEMA_DIR}/ and the README's payload keys`);
  } finally {
    await server.stop();
    cleanup(d.dir, d.db);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.env.LEADWIRE_BIN ||= ROOT + 'build/release/leadwire';
  await main();
}
