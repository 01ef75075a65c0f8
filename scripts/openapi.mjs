// Writes docs/openapi.json, the OpenAPI 3.1 description of Leadwire's HTTP
// API, which the binary embeds and serves at /api/openapi.json. Written here
// (with small helpers, so 50 operations read as a table) rather than by hand
// in JSON; run `node scripts/openapi.mjs` after changing the API (after a
// payload change: build, node scripts/catalog.mjs, then this, then build
// again, since the payload schemas are part of it and it is in the binary). The
// integration tests check every response they receive against it
// (helpers.mjs), that the served copy is this file, and that the document
// passes an OpenAPI 3.1 validator.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url).pathname;
export const OPENAPI_PATH = 'docs/openapi.json';

// --- Schema helpers ---------------------------------------------------------
const ref = (name) => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' };
const int = { type: 'integer' };
const bool = { type: 'boolean' };
const time = { type: 'string', format: 'date-time' };
const nullable = (s) => ('$ref' in s ? { anyOf: [s, { type: 'null' }] } : { ...s, type: [s.type, 'null'] });
const array = (items) => ({ type: 'array', items });
// An object whose listed keys are all present (values may still be null).
const object = (properties, extra = {}) => ({ type: 'object', required: Object.keys(properties), properties, ...extra });
const list = (item) => object({ records: array(item), total: int });
const named = object({ id: int, name: str });

const contactFields = ['first_name', 'middle_name', 'last_name', 'address1', 'address2', 'city', 'county', 'state',
  'zip', 'home_phone', 'work_phone', 'mobile_phone', 'email', 'preferred_contact_method', 'birthdate', 'gender',
  'language', 'code', 'timezone', 'notes'];
const leadTextFields = ['severity_level', 'injury_information', 'marketing_source_details', 'contact_source',
  'referring_url', 'current_url', 'utm', 'client_id', 'click_id', 'keywords', 'campaign', 'incident_date',
  'intake_name', 'intake_email', 'phone_call_recording_url', 'phone_call_from_number', 'phone_call_to_number',
  'phone_call_date', 'phone_call_summary', 'phone_call_transcript'];
const customValue = { type: ['string', 'number', 'boolean', 'null'] };
const userRef = nullable(object({ id: int, name: str, email: nullable(str) }));

const schemas = {
  Error: object({
    error: object({
      code: { type: 'string', description: 'Stable machine-readable code, e.g. validation_failed, not_found, webhooks_disabled.' },
      message: { type: 'string', description: 'A sentence for a person.' },
      fields: { type: 'object', additionalProperties: str, description: 'Field path → what is wrong (422).' },
    }, { required: ['code', 'message'] }),
  }),
  User: object({ id: int, org_id: int, email: str, name: str, role: { enum: ['admin', 'user'] } }),
  Session: object({ user: ref('User'), csrf_token: nullable(str) }),
  Lookups: object({
    statuses: array(object({ id: int, name: str, substatuses: array(named) })),
    case_types: array(named), offices: array(named), marketing_sources: array(named), opportunity_sources: array(named),
  }),
  Status: object({ id: int, name: str, substatuses: array(named) }),
  Named: named,
  Contact: object({
    id: int,
    ...Object.fromEntries(contactFields.map((k) => [k, nullable(str)])),
    deceased: nullable(bool), minor: nullable(bool),
    full_name: str, tags: array(str), created_at: time, updated_at: time, created_by: userRef,
  }),
  Lead: object({
    id: int, code: str, contact: nullable(ref('Contact')), status: nullable(str), substatus: nullable(str),
    case_type: nullable(str), office: nullable(str), marketing_source: nullable(str), opportunity_source: nullable(str),
    case_tracker_code: nullable(str), summary: nullable(str),
    ...Object.fromEntries(leadTextFields.map((k) => [k, nullable(str)])),
    phone_call_duration: { ...nullable(int), description: 'Seconds.' },
    intake_code: { ...nullable(str), description: "The code of the user whose email is intake_email, if one is." },
    custom_fields: { type: 'object', additionalProperties: customValue },
    created_at: time,
    created_by: nullable(object({ id: int, name: str, email: nullable(str), code: str })),
    updated_at: time, last_status_change_at: time,
    opportunity: nullable(object({ id: int, name: nullable(str), created_at: time, processed_at: nullable(time) })),
  }),
  Note: object({ id: int, lead_id: int, note: str, summary: nullable(str), created_at: time, created_by: nullable(str), event_type: str }),
  Opportunity: object({
    id: int, name: nullable(str), first_name: nullable(str), last_name: nullable(str), mobile_phone: nullable(str),
    email: nullable(str), summary: nullable(str), marketing_source: nullable(str), opportunity_source: nullable(str),
    state: { enum: ['open', 'converted', 'disregarded'] }, lead_id: nullable(int), disregard_reason: nullable(str),
    created_at: time, processed_at: nullable(time),
  }),
  Activity: {
    type: 'object', required: ['id', 'lead_id', 'created_at'],
    description: 'A text, email, file, external send or data sync, with the fields it was recorded with.',
    properties: { id: int, lead_id: nullable(int), created_at: time }, additionalProperties: nullable(str),
  },
  WebhookSettings: object({
    enabled: bool, authentication_key: str, previous_key_valid_until: nullable(time),
    signing: { type: 'string', enum: ['hmac', 'hmac+ed25519'], description: 'hmac+ed25519: webhook-signature also carries Standard Webhooks v1a (Ed25519) signatures.' },
    public_key: { description: 'The Ed25519 public key (whpk_ + base64 of 32 bytes) receivers verify v1a with, while signing is hmac+ed25519.', ...nullable(str) },
    previous_public_key: { description: 'The previous Ed25519 public key, still signing until previous_key_valid_until.', ...nullable(str) },
    notify_emails: { description: 'Who is emailed when a rule is disabled by Leadwire or has had no success for an hour (at most one email per rule per 24 hours).', ...array(str) },
    smtp_configured: { description: 'Whether this node was started with --smtp-url; without a mail server no email is sent.', ...bool },
    client_certificate: {
      description: "The organization's client certificate, presented to receivers that ask for one (mutual TLS); never the key.",
      ...nullable(object({
        subject: str, issuer: str, not_after: time,
        expires_soon: { type: 'boolean', description: 'It expires within 30 days.' }, expired: bool,
      })),
    },
  }),
  RuleStats: object({
    rule_id: int, hours: int,
    buckets: array(object({ hour: time, delivered: int, retrying: int, failed: int })),
    totals: object({ delivered: int, retrying: int, failed: int }),
  }),
  Trigger: object({ id: int, name: str, creation_rules: bool,
    custom_fields: { description: "Its payloads carry the lead's custom fields (a template names them {{custom:Label}}).", ...bool },
    schema_url: str, example_url: str }),
  CreationRules: object({
    status: nullable(str), substatus: nullable(str), case_types: array(str), office: nullable(str),
    opportunity_source: nullable(str), marketing_source: nullable(str), requires_case_tracker_code: bool,
  }),
  Rule: object({
    id: int, title: str, enabled: bool,
    ordered: { type: 'boolean', description: 'Deliver in order for each subject (lead, contact, opportunity): one at a time, each after the one before it was delivered or finally failed.' },
    url: str, trigger: object({ id: int, name: str }),
    creation_rules: ref('CreationRules'), disabled_reason: nullable(str), created_at: time, updated_at: time,
    payload_template: {
      type: ['object', 'null'],
      description: 'What is sent instead of the full payload: string values may name payload keys as "{{LeadCode}}"; null: the full payload.',
    },
    headers: {
      type: 'object', additionalProperties: { const: '••••' },
      description: "The rule's own headers, sent with every webhook; values are write-only and shown as \"••••\".",
    },
    auth: {
      description: 'How the rule proves itself to its receiver; null: none. Secrets are write-only: only whether one is set is shown.',
      oneOf: [
        { type: 'null' },
        object({ type: { const: 'basic' }, username: str, password_set: bool }),
        object({ type: { const: 'bearer' }, token_set: bool }),
        object({ type: { const: 'oauth2_client_credentials' }, token_url: str, client_id: str, scope: str, client_secret_set: bool }),
      ],
    },
  }),
  RuleInput: {
    type: 'object', required: ['title', 'url', 'trigger'],
    properties: {
      title: str, enabled: bool, url: str,
      ordered: { type: 'boolean', description: 'Default false.' },
      trigger: { description: 'Name or id, e.g. "Lead Created" or 1.', oneOf: [str, int, object({ id: int })] },
      creation_rules: {
        type: 'object',
        properties: {
          status: nullable(str), substatus: nullable(str), case_types: array(str), office: nullable(str),
          opportunity_source: nullable(str), marketing_source: nullable(str), requires_case_tracker_code: bool,
        },
      },
      payload_template: {
        type: ['object', 'null'],
        description: 'A JSON object (at most 16 KiB) whose string values may name keys of the trigger\'s payload as "{{LeadCode}}": '
          + 'a value that is exactly one placeholder keeps the key\'s type, placeholders inside longer text are written in as text; '
          + 'a placeholder naming no key of the trigger is a 422; null sends the full payload; left out, a PUT keeps the rule\'s.',
      },
      headers: {
        type: ['object', 'null'], maxProperties: 10, additionalProperties: str,
        description: 'At most 10 headers sent with every webhook, name → value. A name must be an HTTP token; Host, Content-Type, '
          + 'Content-Length, Transfer-Encoding, Connection, User-Agent, Accept, traceparent, tracestate, hop-by-hop headers, webhook-* '
          + 'and X-Leadwire-* are reserved (422); values must not contain CR or LF. A value sent as "••••" keeps the one the rule has; '
          + 'leaving "headers" out keeps them all; {} or null removes them. A kept value is refused (422) once the URL names another host.',
      },
      auth: {
        description: 'null or {"type":"none"}: none. A secret (password, token, client_secret) left out keeps the rule\'s '
          + '(422 when it has none, or when the address it goes to now names another host); leaving "auth" out keeps it all.',
        oneOf: [
          { type: 'null' },
          { type: 'object', required: ['type'], properties: { type: { const: 'none' } } },
          { type: 'object', required: ['type', 'username'], properties: { type: { const: 'basic' }, username: str, password: str } },
          { type: 'object', required: ['type'], properties: { type: { const: 'bearer' }, token: str } },
          {
            type: 'object', required: ['type', 'token_url', 'client_id'],
            properties: {
              type: { const: 'oauth2_client_credentials' },
              token_url: { type: 'string', description: 'Where the token is fetched (client credentials grant, HTTP Basic client authentication); passes the SSRF guard like a webhook.' },
              client_id: str, client_secret: str, scope: str,
            },
          },
        ],
      },
    },
  },
  Attempt: object({ at: time, http_status: nullable(int), duration_ms: int, error: nullable(str), response_excerpt: nullable(str) }),
  Delivery: object({
    id: int, webhook_id: str, rule_id: int, event_id: int, event: str, test: bool,
    status: { enum: ['pending', 'delivered', 'failed', 'cancelled'] }, attempt_count: int,
    attempts: array(ref('Attempt')), next_attempt_at: nullable(time), created_at: time,
    subject: { ...nullable(str), description: 'What it is about, e.g. "lead:42" (X-Leadwire-Subject); null for deliveries made before subjects.' },
    sequence: { ...nullable(int), description: "Its place among the rule's deliveries for the subject, from 1 (X-Leadwire-Sequence)." },
    waiting_for: { ...nullable(int), description: "Pending, of an ordered rule: the earlier sequence of its subject it waits for." },
  }),
  Condition: object({
    field: { enum: ['status', 'substatus', 'case_type', 'office', 'opportunity_source', 'marketing_source', 'case_tracker_code'] },
    label: str, wants: array(str), lead_has: nullable(str), pass: bool,
    message: { type: 'string', description: 'In plain words, e.g. "Case type is Dog Bite; this rule wants Auto Accident or Slip and Fall".' },
  }),
  Verdict: object({
    trigger: object({ id: int, name: str }),
    fires: { type: 'boolean', description: 'Whether an event of the trigger about this lead, now, would queue a webhook.' },
    blocked: nullable(object({ code: { enum: ['webhooks_disabled', 'rule_disabled', 'auto_disabled'] }, message: str })),
    matches: { ...nullable(bool), description: 'Whether the lead meets every creation rule; null for triggers without them.' },
    conditions: array(ref('Condition')),
    explanation: str,
  }),
  LeadWebhooks: object({
    lead_id: int, webhooks_enabled: bool,
    rules: array({ allOf: [ref('Verdict'), object({ rule: object({ id: int, title: str, url: str, enabled: bool }) })] }),
    deliveries: list(ref('Delivery')),
  }),
  AuditEntry: object({
    id: int, at: time, user: userRef, action: str, target_type: str, target_id: int, details: {},
  }),
  Probe: object({ status: str }),
};

// --- Operation helpers ------------------------------------------------------
const json = (schema) => ({ 'application/json': { schema } });
const ok = (status, schema, description = 'OK') => ({ [status]: { description, content: json(schema) } });
const errors = { default: { $ref: '#/components/responses/Error' } };
const body = (schema, required = true) => ({ requestBody: { required, content: json(schema) } });
const idParam = { name: 'id', in: 'path', required: true, schema: int };
const query = (name, description, schema = str) => ({ name, in: 'query', required: false, schema, description });
const paging = [query('limit', '1–1000, default 100.', int), query('offset', 'Default 0.', int)];
const freeBody = { type: 'object' };

const paths = {};
function op(method, path, { summary, tag, access = 'member', params = [], request, responses }) {
  const security = access === 'public' ? [] : [{ bearer: [] }, { session: [] }];
  const description = { public: 'No credentials needed.', member: 'Any user of the organization.', admin: 'Admins only (others: 403).' }[access];
  paths[path] ||= {};
  paths[path][method.toLowerCase()] = {
    summary, description, tags: [tag], security,
    ...(params.length || path.includes('{id}') ? { parameters: [...(path.includes('{id}') ? [idParam] : []), ...params] } : {}),
    ...(request || {}),
    responses: { ...responses, ...errors },
  };
}

// Session
op('POST', '/api/session', { summary: 'Log in (sets the HttpOnly session cookie)', tag: 'Session', access: 'public',
  request: body(object({ email: str, password: str })), responses: ok(200, ref('Session')) });
op('GET', '/api/session', { summary: 'Who is logged in', tag: 'Session', responses: ok(200, ref('Session')) });
op('DELETE', '/api/session', { summary: 'Log out', tag: 'Session', responses: { 204: { description: 'Logged out' } } });

// Lookups
op('GET', '/api/lookups', { summary: "The organization's statuses, case types, offices and sources", tag: 'Lookups', responses: ok(200, ref('Lookups')) });
op('POST', '/api/statuses', { summary: 'Add a status with its substatuses', tag: 'Lookups', access: 'admin',
  request: body(object({ name: str, substatuses: array(str) }, { required: ['name'] })), responses: ok(201, ref('Status'), 'Created') });
for (const [path, what] of [['/api/case-types', 'case type'], ['/api/offices', 'office'],
  ['/api/marketing-sources', 'marketing source'], ['/api/opportunity-sources', 'opportunity source']])
  op('POST', path, { summary: `Add a ${what}`, tag: 'Lookups', access: 'admin', request: body(object({ name: str })), responses: ok(201, ref('Named'), 'Created') });

// Leads
op('POST', '/api/leads', { summary: 'Create a lead (fires Lead Created, and Contact Added for a new contact)', tag: 'Leads',
  request: body(freeBody), responses: ok(201, ref('Lead'), 'Created') });
op('GET', '/api/leads', { summary: 'List leads, newest first', tag: 'Leads',
  params: [query('status', 'A status name.'), query('q', 'Searches names, email, phones, the lead code and summary.'), ...paging],
  responses: ok(200, list(ref('Lead'))) });
op('GET', '/api/leads/{id}', { summary: 'A lead', tag: 'Leads', responses: ok(200, ref('Lead')) });
op('PATCH', '/api/leads/{id}', { summary: 'Edit a lead (fires Lead Edited when it changed)', tag: 'Leads', request: body(freeBody), responses: ok(200, ref('Lead')) });
op('POST', '/api/leads/{id}/status', { summary: 'Change the status (fires Lead Status Changed when it changed)', tag: 'Leads',
  request: body(object({ status: str, substatus: nullable(str) }, { required: ['status'] })), responses: ok(200, ref('Lead')) });
op('POST', '/api/leads/{id}/notes', { summary: 'Add a note (fires Note Added)', tag: 'Leads',
  request: body(object({ note: str, summary: nullable(str), event_type: nullable(str) }, { required: ['note'] })), responses: ok(201, ref('Note'), 'Created') });
op('GET', '/api/leads/{id}/notes', { summary: "The lead's notes, newest first", tag: 'Leads', responses: ok(200, list(ref('Note'))) });
for (const [path, what, fields] of [
  ['/api/leads/{id}/texts', 'a text received (fires Text Received)', { from: str, to: str, body: str }],
  ['/api/leads/{id}/emails', 'an email received (fires Email Received)', { from: str, to: str, subject: nullable(str), body: nullable(str) }],
  ['/api/leads/{id}/files', 'a file uploaded (fires File Uploaded)', { file_name: str, url: str, category: nullable(str) }],
  ['/api/leads/{id}/send-to-external', 'that the lead was sent to another system (fires Lead Sent to External System)', { system: str }]])
  op('POST', path, { summary: `Record ${what}`, tag: 'Leads', request: body({ type: 'object', properties: fields }), responses: ok(201, ref('Activity'), 'Created') });
op('POST', '/api/data-syncs', { summary: 'Record a completed data sync (fires Data Sync Completed)', tag: 'Leads',
  request: body(object({ report_name: str, file_name: str })), responses: ok(201, ref('Activity'), 'Created') });
op('GET', '/api/leads/{id}/webhooks', { summary: 'Why each webhook rule does or does not fire for this lead, and its deliveries', tag: 'Webhooks', access: 'admin',
  responses: ok(200, ref('LeadWebhooks')) });
op('POST', '/api/leads/{id}/webhooks/check', { summary: 'Dry run: would this rule, as typed and unsaved, fire for the lead?', tag: 'Webhooks', access: 'admin',
  request: body({ type: 'object', properties: { trigger: {}, enabled: bool, creation_rules: { type: 'object' } } }), responses: ok(200, ref('Verdict')) });

// Contacts
op('POST', '/api/contacts', { summary: 'Create a contact (fires Contact Added)', tag: 'Contacts', request: body(freeBody), responses: ok(201, ref('Contact'), 'Created') });
op('GET', '/api/contacts', { summary: 'List contacts', tag: 'Contacts', params: [query('q', 'Searches names, email and phones.'), ...paging], responses: ok(200, list(ref('Contact'))) });
op('GET', '/api/contacts/{id}', { summary: 'A contact', tag: 'Contacts', responses: ok(200, ref('Contact')) });
op('PATCH', '/api/contacts/{id}', { summary: 'Edit a contact (fires Contact Edited when it changed)', tag: 'Contacts', request: body(freeBody), responses: ok(200, ref('Contact')) });
op('POST', '/api/contacts/{id}/tags', { summary: 'Tag a contact (fires Tag Added To Contact)', tag: 'Contacts',
  request: body(object({ tag: str })), responses: ok(201, object({ id: int, contact_id: int, tag: str, created_at: time }), 'Created') });

// Opportunities
op('POST', '/api/opportunities', { summary: 'Create an opportunity (fires Opportunity Created)', tag: 'Opportunities', request: body(freeBody), responses: ok(201, ref('Opportunity'), 'Created') });
op('GET', '/api/opportunities/{id}', { summary: 'An opportunity', tag: 'Opportunities', responses: ok(200, ref('Opportunity')) });
op('POST', '/api/opportunities/{id}/convert', { summary: 'Convert to a lead (fires Opportunity Converted To Lead and Lead Created)', tag: 'Opportunities',
  responses: ok(200, { allOf: [ref('Opportunity'), object({ lead: ref('Lead') })] }) });
op('POST', '/api/opportunities/{id}/disregard', { summary: 'Disregard (fires Opportunity Disregarded)', tag: 'Opportunities',
  request: body(object({ reason: str })), responses: ok(200, ref('Opportunity')) });

// Webhook settings, triggers, rules, deliveries, audit
op('GET', '/api/settings/webhooks', { summary: 'Webhooks on or off, and the signing key', tag: 'Webhooks', access: 'admin', responses: ok(200, ref('WebhookSettings')) });
op('PUT', '/api/settings/webhooks', { summary: 'Turn webhooks on or off; set or remove the client certificate', tag: 'Webhooks', access: 'admin',
  request: body({
    type: 'object', description: 'At least one of enabled, signing, notify_emails and client_certificate.',
    properties: {
      enabled: bool,
      signing: { type: 'string', enum: ['hmac', 'hmac+ed25519'], description: 'Turning Ed25519 on the first time makes the keypair; off and on again keeps it.' },
      notify_emails: { description: 'At most 10 email addresses; duplicates are dropped; [] for none.', ...array(str) },
      client_certificate: {
        description: 'PEM text of the certificate (intermediates may follow it) and its unencrypted private key; null removes it. '
          + 'A key that does not match, or a certificate expired or not yet valid, is a 422.',
        ...nullable(object({ certificate_pem: str, private_key_pem: str })),
      },
    },
  }), responses: ok(200, ref('WebhookSettings')) });
op('POST', '/api/settings/webhooks/rotate-key', { summary: 'Rotate the signing key, and the Ed25519 pair if there is one (the previous ones sign for 24 more hours)', tag: 'Webhooks', access: 'admin',
  responses: ok(200, ref('WebhookSettings')) });
op('GET', '/api/webhook-triggers', { summary: 'The triggers, with links to their payload schema and example', tag: 'Webhooks', access: 'admin', responses: ok(200, list(ref('Trigger'))) });
op('GET', '/api/webhook-triggers/{id}/schema', { summary: "The JSON Schema (2020-12) of the trigger's payload", tag: 'Webhooks', access: 'admin',
  responses: ok(200, { type: 'object', description: 'A JSON Schema document.' }) });
op('GET', '/api/webhook-triggers/{id}/example', { summary: "An example of the trigger's payload", tag: 'Webhooks', access: 'admin',
  responses: ok(200, { type: 'object', description: "A payload that fits the trigger's schema." }) });
op('GET', '/api/webhook-rules/{id}/schema', { summary: "The JSON Schema (2020-12) of what the rule sends: its trigger's payload schema, or the shape of its payload template (409 while webhooks are off)", tag: 'Webhooks', access: 'admin',
  responses: ok(200, { type: 'object', description: 'A JSON Schema document.' }) });
op('GET', '/api/webhook-rules/{id}/example', { summary: "What the rule would send for its trigger's example: the example, or the rule's payload template filled from it (409 while webhooks are off)", tag: 'Webhooks', access: 'admin',
  responses: ok(200, { type: 'object', description: "The body the rule would send." }) });
const ruleList = [query('filter', 'Case-insensitive substring of title, trigger name or URL.'),
  query('sort', 'status, title, trigger or url.'), query('order', 'asc or desc.')];
op('GET', '/api/webhook-rules', { summary: 'List rules (409 while webhooks are off)', tag: 'Webhooks', access: 'admin', params: ruleList,
  responses: ok(200, { allOf: [list(ref('Rule')), object({ authentication_key: str, public_key: nullable(str) })] }) });
op('POST', '/api/webhook-rules', { summary: 'Create a rule', tag: 'Webhooks', access: 'admin', request: body(ref('RuleInput')), responses: ok(201, ref('Rule'), 'Created') });
op('GET', '/api/webhook-rules/export.xlsx', { summary: 'The rules as an Excel workbook (Status, Title, Trigger, URL)', tag: 'Webhooks', access: 'admin', params: ruleList,
  responses: { 200: { description: 'The workbook', content: { 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', contentMediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } } } } } });
op('GET', '/api/webhook-rules/{id}', { summary: 'A rule', tag: 'Webhooks', access: 'admin', responses: ok(200, ref('Rule')) });
op('PUT', '/api/webhook-rules/{id}', { summary: 'Replace a rule', tag: 'Webhooks', access: 'admin', request: body(ref('RuleInput')), responses: ok(200, ref('Rule')) });
op('DELETE', '/api/webhook-rules/{id}', { summary: 'Delete a disabled rule (409 rule_enabled otherwise); its queued deliveries are cancelled', tag: 'Webhooks', access: 'admin',
  responses: { 204: { description: 'Deleted' } } });
op('POST', '/api/webhook-rules/preview', { summary: "The rule form's preview: what a rule as typed would send (its payload template filled, or the full payload) for its trigger's example or a chosen lead; changes nothing (409 while webhooks are off)", tag: 'Webhooks', access: 'admin',
  request: body({ type: 'object', required: ['trigger'], properties: {
    trigger: { description: 'A trigger name or id.', type: ['string', 'integer'] },
    payload_template: { description: 'As on a rule; null or absent: the full payload.', type: ['object', 'null'] },
    lead_id: { description: "A lead of the organization: its values instead of the trigger's example (keys about other records are null).", ...int },
  } }),
  responses: ok(200, object({ body: { type: 'object', description: 'The body the rule would send.' }, from: { type: 'string', enum: ['example', 'lead'] } })) });
op('GET', '/api/webhook-rules/{id}/stats', { summary: "The rule's attempts per hour: delivered, failed with a retry to come, failed for good (oldest hour first, the current one last)", tag: 'Webhooks', access: 'admin',
  params: [query('hours', 'The window, 1 to 168 hours (default 24).')], responses: ok(200, ref('RuleStats')) });
op('GET', '/api/webhook-rules/{id}/deliveries', { summary: "The rule's deliveries, newest first, with every attempt", tag: 'Webhooks', access: 'admin',
  params: [query('status', 'pending, delivered, failed or cancelled.'), ...paging], responses: ok(200, list(ref('Delivery'))) });
op('POST', '/api/webhook-rules/{id}/test', { summary: "Queue a sample payload of the rule's trigger", tag: 'Webhooks', access: 'admin', responses: ok(202, ref('Delivery'), 'Queued') });
op('POST', '/api/webhook-rules/{id}/recover', { summary: 'Resend every failed delivery created since a time', tag: 'Webhooks', access: 'admin',
  request: body(object({ since: time })), responses: ok(202, object({ recovered: int }), 'Queued') });
op('GET', '/api/deliveries/{id}', { summary: 'A delivery', tag: 'Webhooks', access: 'admin', responses: ok(200, ref('Delivery')) });
op('POST', '/api/deliveries/{id}/redeliver', { summary: 'Send a delivery again, with a fresh retry schedule', tag: 'Webhooks', access: 'admin', responses: ok(202, ref('Delivery'), 'Queued') });
op('GET', '/api/audit-log', { summary: 'Who changed which webhook setting or rule, and when', tag: 'Webhooks', access: 'admin', params: paging, responses: ok(200, list(ref('AuditEntry'))) });

// Operations
op('GET', '/healthz', { summary: 'Liveness, with the version and the commit this node runs', tag: 'Operations', access: 'public',
  responses: ok(200, { allOf: [ref('Probe'), object({ version: str, commit: str })] }) });
op('GET', '/readyz', { summary: 'Readiness: the database answers (503 otherwise)', tag: 'Operations', access: 'public', responses: ok(200, ref('Probe')) });
op('GET', '/metrics', { summary: 'Prometheus metrics (counts only, no tenant data)', tag: 'Operations', access: 'public',
  responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: str } } } } });
op('GET', '/api/openapi.json', { summary: 'This document', tag: 'Operations', access: 'public', responses: ok(200, { type: 'object' }) });

// Each trigger's payload, as OpenAPI 3.1 webhooks (the schemas under docs/webhook-payloads/).
function webhooks() {
  const out = {};
  const dir = `${ROOT}docs/webhook-payloads/`;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort()) {
    const schema = JSON.parse(readFileSync(dir + file, 'utf8'));
    const name = schema.properties.EventType.const;
    out[name] = {
      post: {
        summary: `${name} (trigger ${schema.properties.EventTypeId.const})`,
        description: 'Signed with the organization\'s key (webhook-id, webhook-timestamp, webhook-signature; X-Leadwire-Signature). X-Leadwire-Event names the trigger, X-Leadwire-Subject what it is about (lead:42) and X-Leadwire-Sequence its place among the rule\'s webhooks for that subject (1, 2, 3…). Answer 2xx within 15 s.',
        requestBody: { required: true, content: json(schema) },
        responses: { '2XX': { description: 'Received' } },
      },
    };
  }
  return out;
}

export function openapiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Leadwire API',
      version: '0.1.0',
      description: "The intake core of a law firm's CRM and its webhooks. JSON in and out; errors are {\"error\":{\"code\",\"message\",\"fields\"}}; lists are {\"records\",\"total\"}; another organization's record answers 404.",
    },
    servers: [{ url: '/' }],
    tags: ['Session', 'Lookups', 'Leads', 'Contacts', 'Opportunities', 'Webhooks', 'Operations'].map((name) => ({ name })),
    paths,
    webhooks: webhooks(),
    components: {
      schemas,
      responses: { Error: { description: 'An error: 400, 401, 403, 404, 409, 413, 415, 422, 429, 431 or 503 (with Retry-After where it says when to try again)', content: json(ref('Error')) } },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token, lw_…' },
        session: { type: 'apiKey', in: 'cookie', name: 'lw_session', description: 'The UI\'s session; changes also need X-CSRF-Token.' },
      },
    },
  };
}

export const openapiFile = () => `${JSON.stringify(openapiDocument(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ROOT + OPENAPI_PATH, openapiFile());
  console.log(`wrote ${OPENAPI_PATH}: ${Object.keys(paths).length} paths`);
}
