// Leads: the list, a new lead, and one lead's page (edit its fields, change
// its status, add a note), so every lead trigger can be fired from here.
// Any user of the organization may use these.
import { api, query } from '../api.js';
import { clearFieldErrors, field, h, latestOnly, select, show, showFieldErrors, toast, when } from '../dom.js';
import { names, substatusField } from '../lookups.js';
import { session } from '../session.js';
import { leadWebhooksPanel } from './lead_webhooks.js';
const main = () => document.getElementById('main');

// The lookup-valued lead fields and their lists in GET /api/lookups.
const lookupFields = [
  ['case_type', 'Case type', 'case_types'],
  ['office', 'Office', 'offices'],
  ['marketing_source', 'Marketing Source', 'marketing_sources'],
  ['opportunity_source', 'Opportunity Source', 'opportunity_sources'],
];

// "Chase · First Attempt"
const statusText = (lead) => (lead.substatus ? `${lead.status} · ${lead.substatus}` : lead.status);

// Status and substatus selects that keep each other right.
function statusFields(lookups, status, substatus) {
  const statusField = field('Status', select(names(lookups.statuses), status || 'New'));
  const subField = substatusField(lookups.statuses, statusField.control, substatus, 'None');
  return {
    fields: [statusField, subField],
    value: () => ({ status: statusField.control.value, substatus: subField.value() }),
    errors: { status: statusField, substatus: subField },
  };
}

// The lead's own fields (not status), for create and edit.
function leadFields(lookups, lead = {}) {
  const fields = {};
  for (const [key, label, list] of lookupFields)
    fields[key] = field(label, select(names(lookups[list]), lead[key] || '', { blank: '—' }));
  fields.case_tracker_code = field('Case tracker code', h('input', { type: 'text', value: lead.case_tracker_code || '' }));
  fields.summary = field('Summary', h('textarea', { rows: 3 }, lead.summary || ''));
  return {
    fields,
    value: () => Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.control.value.trim() || null])),
  };
}

export async function leadListView() {
  const lookups = await api('GET', '/api/lookups');
  const q = h('input', { type: 'search', id: 'lead-search' });
  const status = select(names(lookups.statuses), '', { blank: 'All statuses' });
  status.id = 'lead-status-filter';
  const body = h('tbody');
  // Only the newest answer is shown: quick typing cannot leave an older one.
  const load = latestOnly(
    () => api('GET', `/api/leads${query({ q: q.value.trim(), status: status.value })}`),
    (list) => show(body, list.records.length ? list.records.map((lead) => h('tr', {},
      h('td', {}, h('a', { href: `#/leads/${lead.id}` }, lead.code)),
      h('td', {}, lead.contact.full_name),
      h('td', {}, statusText(lead)),
      h('td', {}, lead.case_type || ''),
      h('td', {}, lead.office || ''),
      h('td', {}, when(lead.created_at))))
      : h('tr', {}, h('td', { colspan: 6 }, 'No leads.'))));
  let timer = null;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => load(), 150); });
  status.addEventListener('change', () => load());
  show(main(),
    h('div', { class: 'title-bar' }, h('h1', {}, 'Leads'), h('a', { href: '#/leads/new', class: 'button primary' }, 'New Lead')),
    h('div', { class: 'toolbar' },
      h('div', { class: 'inline-field' }, h('label', { for: 'lead-search' }, 'Search'), q),
      h('div', { class: 'inline-field' }, h('label', { for: 'lead-status-filter' }, 'Status'), status)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['Lead', 'Name', 'Status', 'Case type', 'Office', 'Created'].map((l) => h('th', { scope: 'col' }, l)))),
      body)));
  await load();
}

export async function leadNewView() {
  const lookups = await api('GET', '/api/lookups');
  const contact = {
    first_name: field('First name', h('input', { type: 'text', autocomplete: 'off' })),
    last_name: field('Last name', h('input', { type: 'text', autocomplete: 'off' })),
    email: field('Email', h('input', { type: 'email', autocomplete: 'off' })),
    mobile_phone: field('Mobile phone', h('input', { type: 'tel', autocomplete: 'off' })),
  };
  const st = statusFields(lookups);
  const lf = leadFields(lookups);
  const formError = h('p', { class: 'error', role: 'alert' });
  const contactErrors = Object.fromEntries(Object.entries(contact).map(([k, f]) => [`contact.${k}`, f]));
  const errors = { ...contactErrors, ...st.errors, ...lf.fields };
  const form = h('form', { class: 'card', novalidate: true },
    h('fieldset', { class: 'section' }, h('legend', {}, 'Contact'), Object.values(contact).map((f) => f.wrap)),
    h('fieldset', { class: 'section' }, h('legend', {}, 'Lead'), st.fields.map((f) => f.wrap),
      Object.values(lf.fields).map((f) => f.wrap)),
    formError,
    h('div', { class: 'actions' }, h('a', { href: '#/leads', class: 'button' }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Create Lead')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(errors, formError);
    const c = Object.fromEntries(Object.entries(contact).map(([k, f]) => [k, f.control.value.trim() || null]));
    try {
      const lead = await api('POST', '/api/leads', { contact: c, ...st.value(), ...lf.value() });
      toast(`Lead ${lead.code} created.`);
      location.hash = `#/leads/${lead.id}`;
    } catch (err) {
      showFieldErrors(err, errors, formError);
    }
  });
  show(main(), h('h1', {}, 'New Lead'), form);
  contact.first_name.control.focus();
}

export async function leadView(id) {
  const [lookups, lead, notes] = await Promise.all([
    api('GET', '/api/lookups'), api('GET', `/api/leads/${id}`), api('GET', `/api/leads/${id}/notes`)]);
  // Admins see which webhooks fire for the lead; every change here can alter that.
  const webhooks = session.user && session.user.role === 'admin' ? leadWebhooksPanel(id) : null;
  const changed = () => webhooks && webhooks.reload();

  // Edit: every field but the status (that is its own action and trigger).
  const lf = leadFields(lookups, lead);
  const editError = h('p', { class: 'error', role: 'alert' });
  const edit = h('form', { class: 'card', 'aria-labelledby': 'edit-heading' },
    h('h2', { id: 'edit-heading' }, 'Lead details'), Object.values(lf.fields).map((f) => f.wrap), editError,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save Lead')));
  edit.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(lf.fields, editError);
    try {
      await api('PATCH', `/api/leads/${id}`, lf.value());
      toast('Lead saved.');
      changed();
    } catch (err) {
      showFieldErrors(err, lf.fields, editError);
    }
  });

  const st = statusFields(lookups, lead.status, lead.substatus);
  const current = h('p');
  const showCurrent = (l) => show(current, 'Current status: ', h('strong', { id: 'current-status' }, statusText(l)));
  showCurrent(lead);
  const statusError = h('p', { class: 'error', role: 'alert' });
  const statusForm = h('form', { class: 'card', 'aria-labelledby': 'status-heading' },
    h('h2', { id: 'status-heading' }, 'Status'), current, st.fields.map((f) => f.wrap), statusError,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Change Status')));
  statusForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(st.errors, statusError);
    try {
      const updated = await api('POST', `/api/leads/${id}/status`, st.value());
      showCurrent(updated);
      toast(`Status changed to ${updated.status}.`);
      changed();
    } catch (err) {
      showFieldErrors(err, st.errors, statusError);
    }
  });

  const noteList = h('ul', { class: 'notes' });
  const renderNotes = (records) => show(noteList, records.length
    ? records.map((n) => h('li', {}, h('div', {}, n.note), h('span', { class: 'hint' }, `${n.created_by || ''} · ${when(n.created_at)}`)))
    : h('li', { class: 'hint' }, 'No notes yet.'));
  renderNotes(notes.records);
  const note = field('Note', h('textarea', { rows: 3, required: true }));
  const noteError = h('p', { class: 'error', role: 'alert' });
  const noteForm = h('form', { class: 'card', 'aria-labelledby': 'notes-heading' },
    h('h2', { id: 'notes-heading' }, 'Notes'), noteList, note.wrap, noteError,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add Note')));
  noteForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors({ note }, noteError);
    try {
      await api('POST', `/api/leads/${id}/notes`, { note: note.control.value });
      note.control.value = '';
      renderNotes((await api('GET', `/api/leads/${id}/notes`)).records);
      toast('Note added.');
      changed();
    } catch (err) {
      showFieldErrors(err, { note }, noteError);
    }
  });

  const c = lead.contact;
  show(main(),
    h('p', {}, h('a', { href: '#/leads' }, '← Leads')),
    h('h1', {}, `${lead.code}: ${c.full_name}`),
    h('p', { class: 'hint' }, [c.email, c.mobile_phone].filter(Boolean).join(' · '), ' Created ', when(lead.created_at)),
    h('div', { class: 'grid' }, edit, h('div', {}, statusForm, noteForm)),
    webhooks ? webhooks.el : null);
  changed();
}
