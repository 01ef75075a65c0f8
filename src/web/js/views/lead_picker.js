// Choosing a lead on the rule form (its "Check against lead…" dry run and
// the Payload preview): a search box (lead code, name, email or phone) and a
// list of the 20 newest matches. The labels differ per use, so each pair of
// controls keeps a name of its own on the page.
import { api, query } from '../api.js';
import { field, h, latestOnly, select, show } from '../dom.js';

// Returns {search, lead, find}: search and lead are field()s, find() lists
// the leads matching the search (call it when the picker is first shown).
export function leadPicker({ searchLabel = 'Find a lead', leadLabel = 'Lead' } = {}) {
  const search = field(searchLabel, h('input', { type: 'search', placeholder: 'Lead code, name, email or phone' }));
  const lead = field(leadLabel, select([], '', { blank: 'Choose a lead…' }));
  const find = latestOnly(
    () => api('GET', `/api/leads${query({ q: search.control.value.trim(), limit: 20 })}`),
    (list) => {
      const chosen = lead.control.value;  // kept when the new list still has it
      show(lead.control, h('option', { value: '' }, list.records.length ? 'Choose a lead…' : 'No lead found'),
        list.records.map((l) => h('option', { value: String(l.id), selected: String(l.id) === chosen },
          [l.code, l.contact.full_name, l.status, l.case_type].filter(Boolean).join(' · '))));
      // The chosen lead is no longer listed: whoever follows the choice hears of it.
      if (lead.control.value !== chosen) lead.control.dispatchEvent(new Event('change'));
    });
  let timer = null;
  search.control.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => find(), 150); });
  return { search, lead, find };
}
