/* The list view of a project (#/projects/<pid>/list): a table of its tasks.
 *
 * Sortable columns (a button in each header; aria-sort says the order), the
 * board's filters in the board's URL format (filterBar of board.js), pages
 * over the server's totals, and for editors a checkbox per row (Shift+click
 * selects a range, the header's box the whole page) with a bar of bulk
 * actions: move, assign, priority, due date, and (owners) delete after a
 * confirmation in the page.  Each action is one request to
 * POST /api/projects/<pid>/tasks/bulk: one transaction, all or nothing.
 * sort= and page= sit in the URL beside the filters, so a saved view keeps them.
 */
import { h, mount, shorten, formatTime, STATUSES, STATUS_LABELS } from '../dom.js';
import { formatCount, pluralCount, pagerOf } from '../counts.js';
import { api, links, teamMembers } from '../api.js';
import { route, replaceParams } from '../router.js';
import { projectRole, can } from '../roles.js';
import { field, select } from '../forms.js';
import { toast, toastError, announce } from '../toast.js';
import { emit } from '../extensions.js';
import { FILTER_KEYS, filterBar, readFilters } from './board-filters.js';
import { tableWrap, userOptions, PRIORITY_OPTIONS } from './common.js';
import { PRIORITY_LABELS, dueBadge } from './card.js';
import { projectViewTools } from './project-views.js';
import { t, tn, intlLocale } from '../i18n.js';
import { formatDay } from '../dates.js';
const LIMIT = 50;
const COLUMNS = [['title', t('Title')], ['status', t('Status')], ['priority', t('Priority')],
  ['assignee', t('Assignee')], ['due_date', t('Due date')], ['updated', t('Updated')]];
const SORTS = new Set(COLUMNS.flatMap(([k]) => [k, '-' + k]));
const ACTIONS = [['move', t('Move to')], ['assign', t('Assign to')], ['priority', t('Set priority')],
  ['due_date', t('Set due date')], ['delete', t('Delete')]];

function taskQuery(filters, sort, page) {
  const q = new URLSearchParams({ page, limit: LIMIT, sort });
  if (filters.priority) q.set('priority', filters.priority);
  if (filters.assignee) q.set('assignee_id', filters.assignee);
  if (filters.q) q.set('q', filters.q);
  if (filters.due) q.set('due', filters.due);
  return q;
}

const taskCount = (n) => tn(n, '{n} task', '{n} tasks');

function createList(ctx, pid, filters, users, role) {
  const params = ctx.params;  // shared with filterBar, which copies it when filters change
  const editable = can(role, 'editor');
  const state = { rows: [], total: 0, estimate: false, selected: new Set(), anchor: null };
  const sortOf = () => (SORTS.has(params.get('sort')) ? params.get('sort') : 'title');
  const sortColumn = () => COLUMNS.find(([k]) => k === sortOf().replace('-', ''))[1];
  const pageOf = () => Math.max(1, Number(params.get('page')) || 1);

  const summary = h('p', { class: 'muted small', role: 'status', 'data-testid': 'list-summary' });
  const tableBox = h('div', { 'data-testid': 'list-table-box' });
  const pager = h('nav', { class: 'row pager', 'aria-label': t('Pages of the task list') });
  const bar = editable ? bulkBar() : null;

  function setParam(key, value) {
    if (value) params.set(key, value); else params.delete(key);
    replaceParams(params);
  }

  // ----------------------------------------------------------------- table
  function header() {
    const sort = sortOf();
    const all = h('input', {
      type: 'checkbox', 'data-testid': 'select-page', 'aria-label': t('Select every task on this page'),
      checked: state.rows.length > 0 && state.rows.every((task) => state.selected.has(task.id)),
      onchange: (ev) => {
        for (const task of state.rows) if (ev.target.checked) state.selected.add(task.id); else state.selected.delete(task.id);
        drawSelection();
      },
    });
    return h('thead', null, h('tr', null,
      editable ? h('th', { scope: 'col', class: 'cell-check' }, all) : null,
      COLUMNS.map(([key, label]) => {
        const on = sort.replace('-', '') === key;
        const desc = sort.startsWith('-');
        const next = on && !desc ? '-' + key : key;
        return h('th', { scope: 'col', 'aria-sort': on ? (desc ? 'descending' : 'ascending') : null },
          h('button', {
            type: 'button', class: 'sort-button', 'data-testid': 'sort-' + key,
            onclick: () => { setParam('sort', next); setParam('page', ''); load({ focusSort: key }).catch(toastError); },
          }, label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, on ? (desc ? ' ▼' : ' ▲') : '')));
      })));
  }

  function row(task, index) {
    const check = editable ? h('td', { class: 'cell-check' }, h('input', {
      type: 'checkbox', 'data-testid': 'select-task', dataset: { taskId: task.id },
      'aria-label': t('Select {title}', { title: shorten(task.title, 80) }), checked: state.selected.has(task.id),
      onclick: (ev) => pick(index, ev.target.checked, ev.shiftKey),
    })) : null;
    return h('tr', { 'data-testid': 'list-row', dataset: { taskId: task.id }, class: state.selected.has(task.id) ? 'is-selected' : null },
      check,
      h('td', { class: 'wrap', 'data-label': t('Title') }, h('a', { href: links.task(pid, task.id), 'data-testid': 'list-title' }, task.title)),
      h('td', { 'data-label': t('Status'), 'data-testid': 'list-status' }, STATUS_LABELS[task.status] || task.status),
      h('td', { 'data-label': t('Priority'), 'data-testid': 'list-priority' }, PRIORITY_LABELS[task.priority] || task.priority),
      h('td', { class: 'wrap', 'data-label': t('Assignee'), 'data-testid': 'list-assignee' }, task.assignee_name || h('span', { class: 'muted' }, t('Unassigned'))),
      h('td', { 'data-label': t('Due date') }, dueBadge(task) || h('span', { class: 'muted' }, t('None'))),
      h('td', { 'data-label': t('Updated') }, formatTime(task.updated_at || task.created_at)));
  }

  /** A click on a row's box: Shift extends from the last one clicked to this one. */
  function pick(index, on, range) {
    const from = range && state.anchor !== null ? Math.min(state.anchor, index) : index;
    const to = range && state.anchor !== null ? Math.max(state.anchor, index) : index;
    for (const task of state.rows.slice(from, to + 1)) if (on) state.selected.add(task.id); else state.selected.delete(task.id);
    state.anchor = index;
    drawSelection();
  }

  function drawSelection() {
    for (const box of tableBox.querySelectorAll('[data-testid=select-task]')) {
      const on = state.selected.has(Number(box.dataset.taskId));
      box.checked = on;
      box.closest('tr').classList.toggle('is-selected', on);
    }
    const all = tableBox.querySelector('[data-testid=select-page]');
    if (all) {
      const n = state.rows.filter((task) => state.selected.has(task.id)).length;
      all.checked = n > 0 && n === state.rows.length;
      all.indeterminate = n > 0 && n < state.rows.length;
    }
    if (bar) bar.update();
  }

  async function load({ focusSort } = {}) {
    const page = pageOf();
    const data = await api.get(`/api/projects/${Number(pid)}/tasks?${taskQuery(filters, sortOf(), page)}`);
    if (!ctx.alive()) return;
    state.rows = data.tasks || [];
    state.total = data.total || 0;
    state.estimate = Boolean(data.total_is_estimate);  // "1,000+": a lower bound
    state.anchor = null;
    const visible = new Set(state.rows.map((task) => task.id));
    for (const id of [...state.selected]) if (!visible.has(id)) state.selected.delete(id);
    const pages = pagerOf(state.total, LIMIT, page, state.estimate);
    summary.textContent = state.total ? tn(pluralCount(state.total, state.estimate), '{n} task · page {page} of {pages}', '{n} tasks · page {page} of {pages}',
      { n: formatCount(state.total, state.estimate, intlLocale()), page, pages: pages.text }) : '';
    mount(tableBox, state.rows.length
      ? tableWrap(t('Tasks of the project'), h('table', { class: 'table task-table', 'data-testid': 'list-table' },
        h('caption', { class: 'sr-only' }, (sortOf().startsWith('-') ? t('Tasks, sorted by {column}, descending', { column: sortColumn() }) : t('Tasks, sorted by {column}', { column: sortColumn() }))),
        header(), h('tbody', null, state.rows.map(row))))
      : h('p', { class: 'empty', 'data-testid': 'list-empty' }, Object.values(filters).some(Boolean) ? t('No task matches these filters.') : t('This project has no tasks yet.')));
    mount(pager,
      h('button', { type: 'button', class: 'btn', disabled: page <= 1, 'data-testid': 'list-prev', onclick: () => turn(page - 1) }, t('Previous page')),
      h('button', { type: 'button', class: 'btn', disabled: !pages.hasNext, 'data-testid': 'list-next', onclick: () => turn(page + 1) }, t('Next page')));
    pager.hidden = pages.pages <= 1 && !pages.hasNext;
    drawSelection();
    if (focusSort) tableBox.querySelector(`[data-testid=sort-${focusSort}]`).focus();
  }

  function turn(page) {
    setParam('page', page > 1 ? String(page) : '');
    load().catch(toastError);
  }

  // -------------------------------------------------------------- bulk bar
  function bulkBar() {
    const count = h('p', { class: 'bulk-count', role: 'status', 'data-testid': 'bulk-count' });
    const action = select('action', ACTIONS, 'move', { 'data-testid': 'bulk-action' });
    const values = {
      move: field(t('Status'), select('status', STATUSES.map((s) => [s, STATUS_LABELS[s]]), 'done', { 'data-testid': 'bulk-status' })),
      assign: field(t('Assignee'), select('assignee', userOptions(users, t('Nobody')), '', { 'data-testid': 'bulk-assignee' })),
      priority: field(t('Priority'), select('priority', PRIORITY_OPTIONS, 'high', { 'data-testid': 'bulk-priority' })),
      due_date: field(t('Due date'), h('input', { name: 'due_date', type: 'date', 'data-testid': 'bulk-due' }), t('Empty clears it.')),
    };
    if (!can(role, 'owner')) action.querySelector('option[value=delete]').remove();
    const apply = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'bulk-apply' }, t('Apply'));
    const confirmBox = h('div', { class: 'bulk-confirm', role: 'group', 'aria-label': t('Confirm the delete'), hidden: true, 'data-testid': 'bulk-confirm' });
    const form = h('form', { class: 'bulk-bar card', 'aria-label': t('Bulk actions on the selected tasks'), 'data-testid': 'bulk-bar', hidden: true },
      count, field(t('Action'), action), Object.values(values), apply, confirmBox);
    const show = () => { for (const [k, el] of Object.entries(values)) el.hidden = k !== action.value; };
    action.addEventListener('change', show);
    show();

    const chosen = () => state.rows.filter((task) => state.selected.has(task.id)).map((task) => task.id);

    function body() {
      const data = new FormData(form);
      const kind = action.value;
      if (kind === 'move') return { action: kind, value: data.get('status') };
      if (kind === 'assign') return { action: kind, value: data.get('assignee') ? Number(data.get('assignee')) : null };
      if (kind === 'priority') return { action: kind, value: data.get('priority') };
      if (kind === 'due_date') return { action: kind, value: data.get('due_date') || null };
      return { action: kind };
    }

    function said(kind, n, value) {
      const tasks = taskCount(n);
      if (kind === 'move') return t('Moved {tasks} to {status}', { tasks, status: STATUS_LABELS[value] });
      if (kind === 'assign') return value ? t('Assigned {tasks} to {name}', { tasks, name: (users.find((u) => u.id === value) || {}).username || t('them') }) : t('Unassigned {tasks}', { tasks });
      if (kind === 'priority') return t('Set the priority of {tasks} to {priority}', { tasks, priority: PRIORITY_LABELS[value] });
      if (kind === 'due_date') return value ? t('Set the due date of {tasks} to {date}', { tasks, date: formatDay(value) }) : t('Cleared the due date of {tasks}', { tasks });
      return t('Deleted {tasks}', { tasks });
    }

    async function run(request) {
      const ids = chosen();
      if (!ids.length) return;
      form.setAttribute('aria-busy', 'true');
      apply.disabled = true;
      try {
        const done = await api.post(`/api/projects/${Number(pid)}/tasks/bulk`, Object.assign({ ids }, request));
        const message = said(request.action, done.changed.length, request.value);
        state.selected.clear();
        drawSelection();
        toast(message);
        announce(message + '.');
        emit('board:refresh', { projectId: Number(pid) });
        await load();
        const first = tableBox.querySelector('[data-testid=select-task]') || tableBox.querySelector('a');
        if (first) first.focus();
      } catch (err) {
        toastError(err);
      } finally {
        form.removeAttribute('aria-busy');
        apply.disabled = false;
      }
    }

    function askDelete() {
      const n = chosen().length;
      const yes = h('button', { type: 'button', class: 'btn btn-danger confirming', 'data-testid': 'bulk-confirm-delete',
        onclick: () => { confirmBox.hidden = true; run({ action: 'delete' }); } }, tn(n, 'Delete {n} task', 'Delete {n} tasks'));
      const no = h('button', { type: 'button', class: 'btn', 'data-testid': 'bulk-cancel-delete',
        onclick: () => { confirmBox.hidden = true; apply.focus(); } }, t('Cancel'));
      mount(confirmBox, h('p', { class: 'form-error' }, tn(n, 'Delete {n} task with its comments and attachments? This cannot be undone.', 'Delete {n} tasks with their comments and attachments? This cannot be undone.')), h('div', { class: 'row' }, yes, no));
      confirmBox.hidden = false;
      no.focus();
    }

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (action.value === 'delete') askDelete(); else run(body());
    });
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !confirmBox.hidden) { confirmBox.hidden = true; apply.focus(); }
    });
    form.update = () => {
      const n = chosen().length;
      count.textContent = n ? tn(n, '{n} task selected', '{n} tasks selected') : '';
      form.hidden = n === 0;
      if (!n) confirmBox.hidden = true;
    };
    return form;
  }

  return {
    bar,
    summary,
    tableBox,
    pager,
    load,
    counts: () => [state.total],
    total: () => state.total,
    estimate: () => state.estimate,
    /** New filters from filterBar: into the URL (its copy of the params lacks sort), page 1. */
    setFilters(next) {
      Object.assign(filters, next);
      for (const k of FILTER_KEYS) if (filters[k]) params.set(k, filters[k]); else params.delete(k);
      setParam('page', '');
      return load();
    },
  };
}

route(/^projects\/(\d+)\/list$/, async (ctx, pid) => {
  const [project, users] = await Promise.all([api.get('/api/projects/' + Number(pid)), teamMembers()]);
  const role = projectRole(project);
  const filters = readFilters(ctx.params);
  ctx.setTitle(project.name);
  const list = createList(ctx, pid, filters, users, role);
  await list.load();
  ctx.setActions(h('a', { class: 'btn', href: '#/projects' }, t('← Projects')), ...projectViewTools(ctx, project, 'list'));
  const filterForm = filterBar(ctx, list, filters, users);
  ctx.mount(
    filterForm,
    filterForm.summary,
    list.bar,
    list.summary,
    list.tableBox,
    list.pager);
}, { title: t('Task list'), notFound: t('Project not found') });
