// Building the page without innerHTML: every piece of user text goes in as a
// text node, so a title like <img onerror=…> shows as text and never runs.

// h('button', {type: 'button', onclick: f}, 'Save') → an element.
// Attributes: on* become listeners, `class`, `for` and the rest become
// attributes; false/null/undefined are left out. Children: strings, nodes,
// arrays of either, null (skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

// svg('rect', {x: 0, …}) → an SVG element: h() makes HTML elements, which an
// <svg> does not draw. Attributes as in h(), without listeners.
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces what `el` holds.
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

let fieldIds = 0;

// A labelled control: the label's text is the control's accessible name.
// Returns {wrap, control, error}; error shows a field's 422 message.
export function field(label, control, hint) {
  const id = control.id || `f${++fieldIds}`;
  control.id = id;
  const error = h('span', { class: 'field-error', id: `${id}-error` });
  control.setAttribute('aria-describedby', error.id);
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), control,
    hint ? h('span', { class: 'hint' }, hint) : null, error);
  return { wrap, control, error };
}

// A 422's messages beside their fields. fields: the API's field name (as in
// error.fields) → a field(). Anything else goes to formError.
export function showFieldErrors(err, fields, formError) {
  let placed = false;
  for (const [name, message] of Object.entries(err.fields || {})) {
    const f = fields[name];
    if (f) {
      f.error.textContent = message;
      placed = true;
    }
  }
  formError.textContent = placed ? 'Please correct the marked fields.' : err.message;
}

export function clearFieldErrors(fields, formError) {
  for (const f of new Set(Object.values(fields))) f.error.textContent = '';
  formError.textContent = '';
}

// <select> of {value, label} (or plain strings); `blank` adds an empty first option.
export function select(options, selected, { blank, multiple, name } = {}) {
  const el = h('select', { multiple, name });
  if (blank !== undefined) el.append(h('option', { value: '' }, blank));
  for (const o of options) {
    const opt = typeof o === 'string' ? { value: o, label: o } : o;
    const isSelected = Array.isArray(selected) ? selected.includes(opt.value) : selected === opt.value;
    el.append(h('option', { value: opt.value, selected: isSelected }, opt.label));
  }
  return el;
}

// A message in the top right corner that goes away by itself.
export function toast(message, kind = 'ok') {
  const el = h('div', { class: `toast ${kind}` }, message);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), 5000);
}

// "2026-11-29T21:09:25.935Z" → the reader's local date and time.
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

// Wraps a loader so that only the newest call's answer is shown: `fetch`
// gets the data, `render` shows it, but only if no later call started
// meanwhile (quick typing in a filter cannot leave an older answer on
// screen). A failure of the newest call shows as a message, never as an
// unhandled rejection. Returns the function to call; it resolves when done.
export function latestOnly(fetch, render) {
  let latest = 0;
  return async (...args) => {
    const mine = ++latest;
    try {
      const data = await fetch(...args);
      if (mine === latest) render(data);
    } catch (err) {
      if (mine === latest) toast(err.message, 'error');
    }
  };
}

// An onclick for a button that calls the API: a failure shows as a message,
// and the button is disabled while the call is on its way.
export function action(fn) {
  return async (e) => {
    const button = e && e.currentTarget;
    if (button) button.disabled = true;
    try {
      await fn(e);
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      if (button) button.disabled = false;
    }
  };
}
