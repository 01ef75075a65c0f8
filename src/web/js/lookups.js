// Helpers for the organization's lookups (GET /api/lookups) in forms.
import { field, h, select } from './dom.js';

export const names = (list) => list.map((x) => x.name);

// A "Substatus" field offering the substatuses of the status chosen in
// `statusControl`, hidden when that status has none. value(): the choice or null.
export function substatusField(statuses, statusControl, selected, blank) {
  const control = h('select');
  const f = field('Substatus', control);
  const fill = (chosen) => {
    const s = statuses.find((x) => x.name === statusControl.value);
    const subs = s ? names(s.substatuses) : [];
    control.replaceChildren(...select(subs, chosen || '', { blank }).children);
    f.wrap.hidden = subs.length === 0;
  };
  statusControl.addEventListener('change', () => fill(''));
  fill(selected);
  f.value = () => (!f.wrap.hidden && control.value) || null;
  return f;
}
