/* The board's filters (also the list view's): in the URL as q, assignee (an id or
 * "none"), priority and due; the form that sets them; the same test in the browser
 * for live changes (the server filters the lists themselves). */
import { h } from '../dom.js';
import { session, share } from '../api.js';
import { replaceParams } from '../router.js';
import { field, select } from '../forms.js';
import { toastError } from '../toast.js';
import { today, daysUntil, WEEK_DAYS } from '../dates.js';
import { userOptions, PRIORITY_OPTIONS } from './common.js';
import { t, tn, intlLocale } from '../i18n.js';
import { formatCount, pluralCount } from '../counts.js';
import { titleMatches } from '../words.js';

export const FILTER_KEYS = ['q', 'assignee', 'priority', 'due'];

export function readFilters(params) {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) || '']));
}

/** Whether a task passes the filters `f` (for a change that arrives live). */
export function matchesFilters(task, f) {
  if (f.q && !titleMatches(task.title, f.q)) return false;
  if (f.priority && task.priority !== f.priority) return false;
  if (f.assignee === 'none' ? task.assignee_id != null : f.assignee && String(task.assignee_id) !== f.assignee) return false;
  if (f.due === 'none') return !task.due_date;
  if (f.due === 'overdue') return Boolean(task.due_date) && task.due_date < today() && task.status !== 'done';
  if (f.due === 'week') {
    if (!task.due_date) return false;
    const days = daysUntil(task.due_date);
    return days >= 0 && days < WEEK_DAYS;
  }
  return true;
}

function filterFields(filters, users) {
  const me = share.active ? null : session.user;
  const assignees = [['', t('Anyone')], ['none', t('Unassigned')]]
    .concat(me ? [[String(me.id), t('Me ({name})', { name: me.username })]] : [])
    .concat(userOptions(users).filter(([id]) => !me || Number(id) !== Number(me.id)));
  const due = [['', t('Any time')], ['overdue', t('Overdue')], ['week', t('This week')], ['none', t('No due date')]];
  return [
    field(t('Search titles'), h('input', { name: 'q', type: 'search', value: filters.q, 'data-testid': 'filter-q', autocomplete: 'off' })),
    field(t('Assignee'), select('assignee', assignees, filters.assignee, { 'data-testid': 'filter-assignee' })),
    field(t('Priority'), select('priority', [['', t('Any')]].concat(PRIORITY_OPTIONS), filters.priority, { 'data-testid': 'filter-priority' })),
    field(t('Due'), select('due', due, filters.due, { 'data-testid': 'filter-due' })),
  ];
}

/** The filters form; `board` is anything with total() and setFilters(next) (the list view uses it too). */
export function filterBar(ctx, board, filters, users) {
  const summary = h('p', { class: 'filter-summary', role: 'status', 'data-testid': 'filter-summary' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('Filter tasks'), 'data-testid': 'filters' },
    filterFields(filters, users),
    h('button', { type: 'reset', class: 'btn', 'data-testid': 'filter-clear' }, t('Clear filters')));
  // Beside the form, not in it: a phone folds the form away, the count stays in sight.
  form.summary = summary;
  const describe = () => {
    const active = Object.values(filters).some(Boolean);
    const estimate = Boolean(board.estimate && board.estimate());
    summary.textContent = active ? tn(pluralCount(board.total(), estimate), '{n} task matches the filters', '{n} tasks match the filters',
      { n: formatCount(board.total(), estimate, intlLocale()) }) : '';
  };
  let timer = null;
  const apply = async () => {
    const next = readFilters(new URLSearchParams([...new FormData(form)].filter(([, v]) => v)));
    const params = new URLSearchParams(ctx.params);
    for (const k of FILTER_KEYS) if (next[k]) params.set(k, next[k]); else params.delete(k);
    replaceParams(params);
    try {
      await board.setFilters(next);
      describe();
    } catch (err) {
      toastError(err, { label: t('Retry'), run: apply });
    }
  };
  form.addEventListener('input', (ev) => {
    clearTimeout(timer);
    timer = setTimeout(apply, ev.target.name === 'q' ? 250 : 0);
  });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(timer); apply(); });
  // reset empties the fields after this event: apply afterwards; select values reset to their `selected` defaults.
  form.addEventListener('reset', () => setTimeout(() => {
    form.querySelectorAll('input, select').forEach((c) => { c.value = ''; });
    apply();
  }, 0));
  describe();
  return form;
}

/**
 * On a phone the filters fold away behind a button (the first card comes on
 * the first screen); on a desktop the button is hidden and the form shown.
 */
export function filtersToggle(form, filters) {
  form.id = form.id || 'board-filters';
  const active = Object.values(filters).filter(Boolean).length;
  form.classList.add('is-folded');
  const btn = h('button', {
    type: 'button', class: 'btn phone-only', 'aria-expanded': 'false', 'aria-controls': form.id, 'data-testid': 'filters-toggle',
    onclick: () => {
      const open = btn.getAttribute('aria-expanded') !== 'true';
      btn.setAttribute('aria-expanded', String(open));
      form.classList.toggle('is-folded', !open);
      if (open) form.querySelector('input, select').focus();
    },
  }, active ? t('Filters ({count})', { count: active }) : t('Filters'));
  return btn;
}
