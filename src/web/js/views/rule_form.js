// Add / Edit Webhook Rule: Description (Title, Enabled), URL, Authentication
// (rule_auth.js), Trigger, for the lead triggers the Creation Rules section,
// and Payload (rule_payload.js: full payload or a template, with its preview).
// Save returns to the list; a 422 puts each message beside its field. "Check against lead…" shows
// whether the rule as typed, unsaved, would fire for a chosen lead, and why not.
import { api } from '../api.js';
import { action, clearFieldErrors, field, h, latestOnly, select, show, showFieldErrors, toast } from '../dom.js';
import { names, substatusField } from '../lookups.js';
import { verdictView } from './lead_webhooks.js';
import { leadPicker } from './lead_picker.js';
import { authSection } from './rule_auth.js';
import { payloadSection } from './rule_payload.js';

export async function ruleFormView(id) {
  const [triggers, lookups, rule] = await Promise.all([
    api('GET', '/api/webhook-triggers'),
    api('GET', '/api/lookups'),
    id ? api('GET', `/api/webhook-rules/${id}`) : null,
  ]);
  const cr = (rule && rule.creation_rules) || {};

  const title = field('Title', h('input', { type: 'text', maxlength: 200, required: true, value: rule ? rule.title : '' }));
  const enabled = field('Enabled', select([{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }],
    !rule || rule.enabled ? 'yes' : 'no'));
  // New rules start in order: a retried old status must not overwrite a newer
  // one in the firm's systems (README, "Delivery in order").
  const ordered = h('input', { type: 'checkbox', id: 'rule-ordered', checked: rule ? rule.ordered : true });
  const orderedField = h('div', { class: 'field checkbox' }, h('label', { for: 'rule-ordered' }, ordered,
    ' Deliver in order for each lead'), h('span', { class: 'hint' },
    "One webhook per lead (contact, opportunity) at a time, oldest first: a retried one is never overtaken by a newer one."));
  const url = field('URL', h('input', { type: 'url', required: true, placeholder: 'https://hooks.zapier.com/…', value: rule ? rule.url : '' }),
    'The webhook URL your integration platform gives you (Zapier, Make, …).');
  const trigger = field('Trigger', select(
    triggers.records.map((t) => ({ value: String(t.id), label: t.name })),
    rule ? String(rule.trigger.id) : '', { blank: 'Choose a trigger…' }));

  const status = field('Associated lead status', select(names(lookups.statuses), cr.status || '', { blank: 'Any status' }));
  const substatus = substatusField(lookups.statuses, status.control, cr.substatus, 'Any substatus');
  const caseTypes = field('Case type', select(names(lookups.case_types), cr.case_types || [], { multiple: true }),
    'Hold Ctrl (⌘ on a Mac) to choose several. None chosen: any case type.');
  const office = field('Office', select(names(lookups.offices), cr.office || '', { blank: 'Any office' }));
  const opportunitySource = field('Opportunity Source',
    select(names(lookups.opportunity_sources), cr.opportunity_source || '', { blank: 'Any source' }));
  const marketingSource = field('Marketing Source',
    select(names(lookups.marketing_sources), cr.marketing_source || '', { blank: 'Any source' }));
  const trackerCode = field('Requires Case Tracker Code',
    select([{ value: 'yes', label: 'Yes' }], cr.requires_case_tracker_code ? 'yes' : '', { blank: 'No' }));

  const creationRules = h('fieldset', { class: 'section' }, h('legend', {}, 'Creation Rules'),
    h('p', { class: 'hint' }, 'Send only for leads that match every rule set here. Leave a rule empty to match any lead.'),
    status.wrap, substatus.wrap, caseTypes.wrap, office.wrap, opportunitySource.wrap, marketingSource.wrap,
    trackerCode.wrap);
  const hasCreationRules = () => {
    const t = triggers.records.find((x) => String(x.id) === trigger.control.value);
    return Boolean(t && t.creation_rules);
  };
  const syncSection = () => { creationRules.hidden = !hasCreationRules(); };
  trigger.control.addEventListener('change', syncSection);
  syncSection();

  const payload = payloadSection(rule, trigger.control, triggers.records);

  // What a webhook of the chosen trigger looks like (GET …/example); its
  // keys are also what a payload template may name.
  const example = h('pre', { class: 'example-payload', tabindex: 0 });
  const exampleBox = h('details', { class: 'example', hidden: true }, h('summary', {}, 'Example payload'),
    h('p', { class: 'hint' }, 'The JSON a webhook of this trigger carries, with made-up values.'), example);
  const showExample = latestOnly(
    () => (trigger.control.value ? api('GET', `/api/webhook-triggers/${trigger.control.value}/example`) : null),
    (answer) => {
      exampleBox.hidden = !answer;
      example.textContent = answer ? JSON.stringify(answer, null, 2) : '';
      payload.setExample(answer);
    });
  trigger.control.addEventListener('change', () => showExample());
  showExample();

  const errors = { title, url, trigger, enabled, creation_rules: trigger,
    'creation_rules.status': status, 'creation_rules.substatus': substatus,
    'creation_rules.case_types': caseTypes, 'creation_rules.office': office,
    'creation_rules.opportunity_source': opportunitySource,
    'creation_rules.marketing_source': marketingSource };
  const formError = h('p', { class: 'error', role: 'alert' });
  const auth = authSection(rule);

  function body() {
    const out = {
      title: title.control.value.trim(),
      enabled: enabled.control.value === 'yes',
      ordered: ordered.checked,
      url: url.control.value.trim(),
      trigger: trigger.control.value ? Number(trigger.control.value) : null,
      ...auth.body(),
      ...payload.body(),
    };
    if (hasCreationRules()) {
      out.creation_rules = {
        status: status.control.value || null,
        substatus: substatus.value(),
        case_types: [...caseTypes.control.selectedOptions].map((o) => o.value),
        office: office.control.value || null,
        opportunity_source: opportunitySource.control.value || null,
        marketing_source: marketingSource.control.value || null,
        requires_case_tracker_code: trackerCode.control.value === 'yes',
      };
    }
    return out;
  }

  const form = h('form', { class: 'card', novalidate: true },
    h('fieldset', { class: 'section' }, h('legend', {}, 'Description'), title.wrap, enabled.wrap),
    h('fieldset', { class: 'section' }, h('legend', {}, 'URL'), url.wrap),
    auth.section,
    h('fieldset', { class: 'section' }, h('legend', {}, 'Trigger'), trigger.wrap, exampleBox, orderedField),
    creationRules, payload.section, checkAgainstLead(body, errors, formError), formError,
    h('div', { class: 'actions' },
      h('a', { href: '#/webhook-rules', class: 'button' }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const all = { ...errors, ...auth.errors, ...auth.rowErrors(), ...payload.errors };
    clearFieldErrors(all, formError);
    // Text that is not JSON is not worth a round trip: said here, as a 422 would.
    const notJson = payload.localError();
    if (notJson) {
      showFieldErrors({ fields: { payload_template: notJson } }, all, formError);
      payload.errors.payload_template.control.focus();
      return;
    }
    try {
      if (id) await api('PUT', `/api/webhook-rules/${id}`, body());
      else await api('POST', '/api/webhook-rules', body());
      toast(id ? 'Webhook rule saved.' : 'Webhook rule created.');
      location.hash = '#/webhook-rules';
    } catch (err) {
      showFieldErrors(err, all, formError);
    }
  });
  show(document.getElementById('main'),
    h('h1', {}, id ? 'Edit Webhook Rule' : 'Add Webhook Rule'), form);
  title.control.focus();
}

// The dry run: find a lead (newest first, or by code, name, email, phone),
// then check the form's rule against it without saving anything.
function checkAgainstLead(body, errors, formError) {
  const { search, lead, find } = leadPicker();
  const result = h('div', { class: 'check-result', 'aria-live': 'polite' });
  const check = h('button', { type: 'button', onclick: action(async () => {
    clearFieldErrors(errors, formError);
    if (!lead.control.value) {
      show(result, h('p', { class: 'error' }, 'Choose a lead to check the rule against.'));
      return;
    }
    try {
      show(result, verdictView(await api('POST', `/api/leads/${lead.control.value}/webhooks/check`, body())));
    } catch (err) {
      show(result);
      if (err.status !== 422) throw err;
      showFieldErrors(err, errors, formError);
    }
  }) }, 'Check');
  const section = h('details', { class: 'section check' }, h('summary', {}, 'Check against lead…'),
    h('p', { class: 'hint' }, 'Would this rule, as typed here and before saving, fire for a lead as it is now?'),
    search.wrap, lead.wrap, h('div', { class: 'field' }, check), result);
  section.addEventListener('toggle', () => { if (section.open && lead.control.options.length <= 1) find(); });
  return section;
}
