/* Forms: labelled fields, per-field error messages beside their fields, a
 * submit button that is disabled while its request runs. */
import { h } from './dom.js';
import { ApiError } from './api.js';
import { errorText } from './toast.js';
import { t } from './i18n.js';
let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

/** A label wrapping its control, with an optional hint tied to it by aria-describedby. */
export function field(label, control, hint) {
  const hintEl = hint ? h('span', { class: 'hint', id: nextId('hint') }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('label', { class: 'field' }, h('span', { class: 'label-text' }, label), control, hintEl);
}

/** A <select> from [[value, label], ...]. */
export function select(name, options, value, attrs) {
  return h('select', Object.assign({ name }, attrs || {}), options.map(([v, text]) =>
    // defaultSelected (the attribute), not just selected: form.reset() returns to it, not to the first option.
    h('option', { value: v, selected: String(v) === String(value ?? ''), defaultSelected: String(v) === String(value ?? '') }, text)));
}

/** "title must not be empty" -> "Must not be empty" (the field's label already names it). */
export function fieldMessage(name, message) {
  const text = String(message || '').replace(new RegExp('^' + name.replace(/[^\w]/g, '') + '\\s+'), '');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function clearFormError(form) {
  const box = form.querySelector(':scope > .form-error');
  if (box) box.hidden = true;
  form.querySelectorAll('.field-error').forEach((el) => el.remove());
  form.querySelectorAll('[aria-invalid]').forEach((el) => {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((id) => !id.startsWith('err-'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
  });
}

/** An error inside a form: a summary on top, each field's message under its control. */
export function showFormError(form, err) {
  clearFormError(form);
  let box = form.querySelector(':scope > .form-error');
  if (!box) {
    box = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'form-error' });
    form.prepend(box);
  }
  const unplaced = [];
  let first = null;
  for (const [name, message] of Object.entries((err && err.fields) || {})) {
    const control = form.elements.namedItem(name);
    if (!control || !control.closest || !control.closest('label')) {
      unplaced.push(fieldMessage(name, message));
      continue;
    }
    const msg = h('span', { class: 'field-error', id: nextId('err'), 'data-field': name }, fieldMessage(name, message));
    control.closest('label').appendChild(msg);
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), msg.id].filter(Boolean).join(' '));
    first = first || control;
  }
  box.textContent = [errorText(err), ...unplaced].join('\n');
  box.hidden = false;
  if (first) first.focus();
}

/**
 * Run `action(FormData, form)` on submit: one request at a time (the submit
 * button is disabled meanwhile), errors shown in the form.
 */
export function onSubmit(form, action) {
  form.noValidate = true;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (form.dataset.busy) return;
    const missing = [...form.elements].filter((el) => el.required && !String(el.value || '').trim());
    if (missing.length) {
      const fields = Object.fromEntries(missing.map((el) => [el.name, t('This field is required.')]));
      showFormError(form, new ApiError(422, t('Some fields need your attention.'), { fields }));
      return;
    }
    const buttons = form.querySelectorAll('button[type=submit]');
    const focused = document.activeElement;
    form.dataset.busy = '1';
    form.setAttribute('aria-busy', 'true');
    buttons.forEach((b) => { b.disabled = true; });
    clearFormError(form);
    try {
      await action(new FormData(form), form);
    } catch (err) {
      if (err.status !== 401) showFormError(form, err);
    } finally {
      delete form.dataset.busy;
      form.removeAttribute('aria-busy');
      buttons.forEach((b) => { b.disabled = false; });
      // A disabled button drops the focus to <body>: give it back.
      if (document.activeElement === document.body && focused && focused.isConnected) focused.focus();
    }
  });
  return form;
}

/** The non-empty, trimmed values of `names`. */
export function formValues(data, names) {
  const out = {};
  for (const name of names) {
    const value = data.get(name);
    if (value !== null && value !== '') out[name] = typeof value === 'string' ? value.trim() : value;
  }
  return out;
}
