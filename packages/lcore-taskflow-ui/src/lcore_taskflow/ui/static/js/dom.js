/* Safe DOM building.
 *
 * Every piece of user text reaches the page as a text node (or an attribute
 * value set with setAttribute), never as HTML: there is no innerHTML in the
 * app, so a task titled "<img src=x onerror=...>" shows those characters.
 * Event handlers are attached with addEventListener, as the page's
 * Content-Security-Policy requires (no inline handlers, no style attributes).
 */
import { t, intlLocale } from './i18n.js';

export const STATUSES = ['todo', 'in_progress', 'done'];
export const STATUS_LABELS = { todo: t('To Do'), in_progress: t('In Progress'), done: t('Done') };
/** A project's status (active, on_hold, completed, archived), as the screens name it. */
export const PROJECT_STATUSES = [['active', t('Active')], ['on_hold', t('On hold')], ['completed', t('Completed')], ['archived', t('Archived')]];
export const projectStatusLabel = (s) => (PROJECT_STATUSES.find(([v]) => v === s) || [s, s])[1];

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const PROPERTIES = new Set(['checked', 'selected', 'defaultSelected', 'disabled', 'hidden', 'value']);

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) {
      if (typeof value !== 'function') throw new Error('event handler must be a function: ' + key);
      el.addEventListener(key.slice(2), value);
    } else if (key === 'style') {
      throw new Error('no style attributes (CSP): use a class');
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (PROPERTIES.has(key)) {
      el[key] = key === 'value' ? value : Boolean(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

/** h('a', {href: '#/x', class: 'btn'}, 'text', child...) -> element; strings become text. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  return append(el, children);
}

/** Replace an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const byId = (id) => document.getElementById(id);

/** A timestamp (epoch seconds or an ISO string) as local date and time. */
export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '';
  let date;
  if (typeof value === 'number') date = new Date(value * 1000);
  else if (/^\d+(\.\d+)?$/.test(String(value))) date = new Date(parseFloat(value) * 1000);
  else date = new Date(String(value).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? '' : 'Z'));
  if (isNaN(date.getTime())) return String(value);
  return date.toLocaleString(intlLocale(), { dateStyle: 'medium', timeStyle: 'short' });
}

export function badge(text, kind, attrs) {
  return h('span', Object.assign({ class: 'badge' + (kind ? ' badge-' + kind : '') }, attrs || {}), text);
}

/** Text for screen readers only. */
export const srOnly = (...text) => h('span', { class: 'sr-only' }, ...text);

/** "alice" -> "AL", "Jane Doe" -> "JD" (whole characters, so emoji stay intact). */
export function initials(name) {
  const words = String(name || '').trim().split(/[\s._-]+/).filter(Boolean);
  if (!words.length) return '?';
  const letters = words.length > 1
    ? [Array.from(words[0])[0], Array.from(words[1])[0]]
    : Array.from(words[0]).slice(0, 2);
  return letters.join('').toUpperCase();
}

/** A long title cut for a one-line message ("…" at the end). */
export function shorten(text, max = 60) {
  const chars = Array.from(String(text || ''));
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : chars.join('');
}

/** Black or white text, whichever reads better on a background colour (#rgb or #rrggbb). */
export function textColorOn(color) {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(color || ''));
  if (!m) return null;
  const hex = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? '#111827' : '#ffffff';
}
