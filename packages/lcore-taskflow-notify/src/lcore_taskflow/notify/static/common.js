/* Small pieces the notify screens share, built with the frontend's safe
 * DOM builder (taskflow.h: text is always text, never HTML). */

// The frontend's translation functions (UI API 3: taskflow.t, taskflow.tn); until setup
// hands them over, and on an older frontend, English with the placeholders filled.
// Live bindings: every screen module sees the ones useTranslations() installed.
const fill = (text, params) => String(text).replace(/\{(\w+)\}/g,
  (whole, key) => (params && Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : whole));
export let t = fill;
export let tn = (n, singular, plural, params) => fill(n === 1 ? singular : plural, { ...params, n });
let locale = [];   // dates in the app's language (UI API 3), else the browser's

/** Use the frontend's catalog (this module's i18n/<lang>.json) where it has one. */
export function useTranslations(taskflow) {
  if (taskflow.version >= 3 && typeof taskflow.t === 'function' && typeof taskflow.tn === 'function') {
    t = taskflow.t;
    tn = taskflow.tn;
    locale = taskflow.language || [];
  }
}

let uid = 0;
export const nextId = (prefix) => `notify-${prefix}-${++uid}`;

/** A titled card, named by its heading (the frontend's own cards look the same). */
export function card(h, title, ...children) {
  const id = nextId('card');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** A timestamp (epoch seconds or an ISO string) as local date and time. */
export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '';
  let date;
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(String(value))) date = new Date(parseFloat(value) * 1000);
  else date = new Date(String(value).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? '' : 'Z'));
  if (isNaN(date.getTime())) return String(value);
  return date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The frontend's own message for a failed call (`message`), or the error as text. */
export const errorText = (err) => String((err && err.message) || err);

/** A message inside a form: the server's per-field text when there is one. */
export function problemText(err) {
  if (err && err.fields) return Object.values(err.fields).map(String).join(' ');
  return errorText(err);
}

/** The tabs of the Notifications screen: links with aria-current, so the URL says where you are. */
export const TABS = ['inbox', 'settings', 'emails'];
const tabLabel = (id) => ({ inbox: t('Inbox'), settings: t('Settings'), emails: t('Email history') })[id];

export function tabs(h, current) {
  return h('nav', { class: 'notify-tabs', 'aria-label': t('Notifications') }, TABS.map((id) => h('a', {
    class: 'btn' + (id === current ? ' btn-primary' : ''), href: id === 'inbox' ? '#/ext/notifications' : `#/ext/notifications?tab=${id}`,
    'aria-current': id === current ? 'page' : null, 'data-testid': 'notify-tab-' + id,
  }, tabLabel(id))));
}
