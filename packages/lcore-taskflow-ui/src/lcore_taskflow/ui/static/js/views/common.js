/* Pieces several screens share: cards, tables, progress bars, the panel toggle, deletes with Undo. */
import { h } from '../dom.js';
import { nextId } from '../forms.js';
import { toast, toastError } from '../toast.js';
import { t } from '../i18n.js';
/** A titled card: a <section> named by its heading. */
export function card(title, ...children) {
  const id = title ? nextId('card') : null;
  return h('section', { class: 'card', 'aria-labelledby': id },
    title ? h('h2', { id }, title) : null, ...children);
}

/** A table that may scroll sideways on a phone: a focusable, named region so keyboards can scroll it. */
export function tableWrap(label, table) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}

export function progress(done, total) {
  const pct = total ? Math.round((100 * done) / total) : 0;
  const bar = h('div');
  bar.style.width = pct + '%';  // CSSOM, which the CSP allows (no style attribute)
  return h('div', { class: 'progress', role: 'img', 'aria-label': t('{percent}% done', { percent: pct }) }, bar);
}

export const empty = (text) => h('p', { class: 'empty' }, text);

/** A button that shows and hides a panel (aria-expanded), focusing its first field when opened. */
export function toggle(label, panel, attrs) {
  panel.id = panel.id || nextId('panel');
  panel.hidden = true;
  const btn = h('button', Object.assign({
    type: 'button', class: 'btn btn-primary', 'aria-expanded': 'false', 'aria-controls': panel.id,
    onclick: () => {
      panel.hidden = !panel.hidden;
      btn.setAttribute('aria-expanded', String(!panel.hidden));
      if (!panel.hidden) {
        const first = panel.querySelector('input, textarea, select');
        if (first) first.focus();
      }
    },
  }, attrs || {}), label);
  return btn;
}

export { PROJECT_STATUSES, projectStatusLabel } from '../dom.js';

export const PRIORITY_OPTIONS = [['low', t('Low')], ['medium', t('Medium')], ['high', t('High')]];

export function userOptions(users, noneLabel) {
  const opts = (users || []).filter((u) => u.is_active !== false).map((u) => [u.id, u.username]);
  return noneLabel ? [['', noneLabel]].concat(opts) : opts;
}

/** Deletes waiting for their Undo window to pass: 'task:12' -> commit(). */
export const pendingDeletes = new Map();
const UNDO_MS = 6000;

/**
 * Delete with Undo: `hide()` now, toast "… deleted · Undo"; the request is sent
 * when the toast's time is up (or the page is left).  Undo calls `restore()`.
 * A failed request restores too and offers Retry.
 */
export function deleteWithUndo({ key, message, hide, restore, commit }) {
  let done = false;
  const run = async (leaving) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    pendingDeletes.delete(key);
    note.close();
    try {
      await commit({ keepalive: leaving === true });
    } catch (err) {
      restore();
      toastError(err, { label: t('Retry'), run: () => deleteWithUndo({ key, message, hide, restore, commit }) });
    }
  };
  hide();
  const note = toast(message, {
    timeout: UNDO_MS + 500,
    action: { label: t('Undo'), run: () => { done = true; clearTimeout(timer); pendingDeletes.delete(key); restore(); } },
  });
  const timer = setTimeout(run, UNDO_MS);
  pendingDeletes.set(key, run);
}

// Leaving the page sends the deletes still waiting (keepalive requests outlive it).
window.addEventListener('pagehide', () => { for (const run of pendingDeletes.values()) run(true); });
