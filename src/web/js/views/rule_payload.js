// The rule form's Payload section: the full payload (every key of the
// trigger, README "Webhook payloads"), or a template — a JSON object whose
// values name the trigger's keys as "{{LeadCode}}" (README "Payload
// templates"). As the template is typed, a preview shows what the rule would
// send (POST /api/webhook-rules/preview), filled from the trigger's example
// or from a chosen lead; nothing is saved until the form is. The trigger's
// keys are offered as buttons that insert a placeholder at the cursor.
import { api } from '../api.js';
import { field, h, show } from '../dom.js';
import { leadPicker } from './lead_picker.js';

const PREVIEW_DELAY_MS = 300;  // after the last key press
const KINDS = [
  { value: 'full', label: 'Full payload', hint: "Every key of the trigger's payload, as documented (see the trigger's example above)." },
  { value: 'template', label: 'Template', hint: 'Only what your JSON says, with {{Key}} placeholders filled in: the shape the receiver asks for.' },
];

// Triggers whose payloads also carry the lead's custom fields (the trigger
// list's custom_fields) name them as {{custom:Accident Location}} (README
// "Payload templates").

// Whether `text` ends inside a JSON string (an odd number of unescaped
// quotes): a key inserted there needs no quotes of its own.
function insideString(text) {
  let open = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && open) i++;
    else if (text[i] === '"') open = !open;
  }
  return open;
}

// rule: the rule read back (or null); trigger: the form's trigger <select>.
// Returns {section, body(), localError(), errors, setExample(payload)}:
// body() gives {payload_template} for the request (nothing while the text is
// not JSON), localError() what is wrong with the text before any request,
// errors the API's field name → field, setExample() takes the trigger's
// example payload (its keys become the buttons).
export function payloadSection(rule, trigger, triggers) {
  const customFields = () => Boolean(triggers.find((t) => String(t.id) === trigger.value)?.custom_fields);
  const saved = rule ? rule.payload_template : null;
  const ids = { hint: (k) => `payload-kind-${k}-hint` };
  const radios = KINDS.map((k) => h('input', {
    type: 'radio', name: 'payload-kind', value: k.value, id: `payload-kind-${k.value}`,
    checked: (saved ? 'template' : 'full') === k.value, 'aria-describedby': ids.hint(k.value),
  }));
  const choices = h('div', { class: 'choices', role: 'radiogroup', 'aria-label': 'What each webhook carries' },
    KINDS.map((k, i) => h('div', { class: 'choice' },
      radios[i], h('label', { for: radios[i].id }, k.label),
      h('span', { class: 'hint', id: ids.hint(k.value) }, k.hint))));
  const isTemplate = () => radios[1].checked;

  const template = field('Template (JSON)', h('textarea', {
    class: 'code', rows: 14, spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off',
    placeholder: '{\n  "code": "{{LeadCode}}",\n  "text": "New lead {{LeadCode}} for {{ContactFirstName}}"\n}',
    value: saved ? JSON.stringify(saved, null, 2) : '',
  }), 'A JSON object. "{{LeadId}}" alone keeps the key\'s type (a number stays a number); inside longer text it is written in as text.');

  // The trigger's keys, each a button that inserts its placeholder. (Named
  // by their text, not aria-label: a key like LeadOffice must not answer to
  // the form's "Office" label.)
  const keys = h('div', { class: 'key-chips' });
  const keysBox = h('div', { class: 'field keys', hidden: true },
    h('span', { class: 'label', id: 'payload-keys-label' }, 'Keys to insert'),
    h('span', { class: 'hint' }, "The trigger's payload keys: click one to insert its {{placeholder}} at the cursor."),
    h('div', { role: 'group', 'aria-labelledby': 'payload-keys-label' }, keys));
  // selectWord: a part of the key to leave selected, for typing over.
  function insertKey(key, selectWord) {
    const box = template.control;
    let start;  // where "{{" is in the new text
    if (!box.value.trim()) {
      box.value = `{\n  "${selectWord || key}": "{{${key}}}"\n}`;
      start = box.value.indexOf('{{');
      box.setSelectionRange(box.value.length - 2, box.value.length - 2);
    } else {
      const at = box.selectionStart;
      const quote = insideString(box.value.slice(0, at)) ? '' : '"';
      box.setRangeText(`${quote}{{${key}}}${quote}`, at, box.selectionEnd, 'end');
      start = at + quote.length;
    }
    box.focus();
    if (selectWord) {
      const from = start + 2 + key.indexOf(selectWord);
      box.setSelectionRange(from, from + selectWord.length);
    }
    box.dispatchEvent(new Event('input'));
  }
  function setExample(payload) {
    keysBox.hidden = !payload;
    const chip = (text, title, onclick) => h('button', { type: 'button', class: 'small chip', title, onclick }, text);
    show(keys, payload ? Object.keys(payload).map((k) => chip(k, `Insert {{${k}}}`, () => insertKey(k))) : null,
      payload && customFields()
        ? chip('custom:Label', "Insert {{custom:Label}}: one of the lead's custom fields, by its label (type it over Label)",
          () => insertKey('custom:Label', 'Label'))
        : null);
  }

  // Preview with a lead instead of the example: the dry run's lead finder.
  const { search, lead, find } = leadPicker({ searchLabel: 'Search for a lead', leadLabel: 'Lead for the preview' });
  const withLead = h('details', { class: 'with-lead' }, h('summary', {}, 'Preview with lead…'),
    h('p', { class: 'hint' }, "Fill the preview from one of your leads instead of the trigger's example. Choose none to go back to the example."),
    search.wrap, lead.wrap);
  withLead.addEventListener('toggle', () => { if (withLead.open && lead.control.options.length <= 1) find(); });
  lead.control.addEventListener('change', () => preview());

  const from = h('p', { class: 'hint preview-from', 'aria-live': 'polite' });
  // Said again only when it changes: a live region repeats what is set.
  const say = (text) => { if (from.textContent !== text) from.textContent = text; };
  const out = h('pre', { class: 'payload-preview', tabindex: 0, 'aria-labelledby': 'payload-preview-heading' });
  const previewBox = h('div', { class: 'preview-box' },
    h('h3', { id: 'payload-preview-heading' }, 'Preview'), from, out, withLead);

  // The text as JSON: {value} (null when empty) or {message}.
  function parsed() {
    const text = template.control.value.trim();
    if (!text) return { value: null };
    try {
      return { value: JSON.parse(text) };
    } catch (e) {
      return { message: `not valid JSON: ${e.message}` };
    }
  }

  // Only the newest preview is shown; the last good one stays, dimmed,
  // while the text in the box cannot be sent (half-typed, or a bad key).
  let latest = 0;
  let timer = null;
  const stale = (why) => {
    out.classList.toggle('stale', out.textContent !== '');
    say(out.textContent ? `${why} The preview shows the last template that worked.` : why);
  };
  async function preview() {
    clearTimeout(timer);
    const mine = ++latest;
    out.removeAttribute('aria-busy');  // an older request's is no longer awaited
    template.error.textContent = '';
    if (!isTemplate()) return;
    if (!trigger.value) {
      show(out);
      say('Choose a trigger to see what this template sends.');
      return;
    }
    const t = parsed();
    if (t.message) {
      template.error.textContent = t.message;
      stale('The template is not JSON yet.');
      return;
    }
    if (t.value === null) {
      show(out);
      say('Type a template (or click a key) to see what it sends.');
      return;
    }
    const request = { trigger: Number(trigger.value), payload_template: t.value };
    const leadOption = lead.control.selectedOptions[0];
    if (lead.control.value) request.lead_id = Number(lead.control.value);
    out.setAttribute('aria-busy', 'true');
    try {
      const answer = await api('POST', '/api/webhook-rules/preview', request);
      if (mine !== latest) return;
      out.classList.remove('stale');
      out.textContent = JSON.stringify(answer.body, null, 2);
      say(answer.from === 'lead'
        ? `What this rule would send for ${leadOption.textContent}.`
        : "What this rule would send for the trigger's example (made-up values).");
    } catch (err) {
      if (mine !== latest) return;
      const fields = err.fields || {};
      if (fields.payload_template) template.error.textContent = fields.payload_template;
      stale(fields.payload_template ? 'The template cannot be sent as it is.'
        : fields.lead_id ? `That lead cannot be used: ${fields.lead_id}.` : err.message);
    } finally {
      if (mine === latest) out.removeAttribute('aria-busy');
    }
  }
  template.control.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(preview, PREVIEW_DELAY_MS);
  });
  trigger.addEventListener('change', () => preview());

  // The template and its keys beside the preview (one above the other on a phone).
  const templateParts = h('div', { class: 'payload-grid' }, h('div', {}, template.wrap, keysBox), previewBox);
  const sync = () => {
    templateParts.hidden = !isTemplate();
    preview();
  };
  for (const r of radios) r.addEventListener('change', sync);
  sync();

  const section = h('fieldset', { class: 'section payload' }, h('legend', {}, 'Payload'),
    choices, templateParts);

  function localError() {
    if (!isTemplate()) return null;
    const t = parsed();
    if (t.message) return t.message;
    if (t.value === null) return 'is empty: type a JSON object, or choose Full payload';
    return null;
  }
  function body() {
    if (!isTemplate()) return { payload_template: null };
    const t = parsed();
    return t.message || t.value === null ? {} : { payload_template: t.value };
  }
  return { section, body, localError, errors: { payload_template: template }, setExample };
}
