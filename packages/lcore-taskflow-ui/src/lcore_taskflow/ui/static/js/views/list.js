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
import { countNoun, pagerOf } from '../counts.js';
import { api, links, teamMembers } from '../api.js';
import { route, replaceParams } from '../router.js';
import { projectRole, can } from '../roles.js';
import { field, select } from '../forms.js';
import { toast, toastError, announce } from '../toast.js';
import { emit } from '../extensions.js';
import { FILTER_KEYS } from '../contract.js';
import { filterBar, readFilters } from './board.js';
import { tableWrap, userOptions, PRIORITY_OPTIONS } from './common.js';
import { PRIORITY_LABELS, dueBadge } from './card.js';
import { projectViewTools } from './project-views.js';

const LIMIT = 50;
const COLUMNS = [['title', 'Title'], ['status', 'Status'], ['priority', 'Priority'],
  ['assignee', 'Assignee'], ['due_date', 'Due date'], ['updated', 'Updated']];
const SORTS = new Set(COLUMNS.flatMap(([k]) => [k, '-' + k]));
const ACTIONS = [['move', 'Move to'], ['assign', 'Assign to'], ['priority', 'Set priority'],
  ['due_date', 'Set due date'], ['delete', 'Delete']];

function taskQuery(filters, sort, page) {
  const q = new URLSearchParams({ page, limit: LIMIT, sort });
  if (filters.priority) q.set('priority', filters.priority);
  if (filters.assignee) q.set('assignee_id', filters.assignee);
  if (filters.q) q.set('q', filters.q);
  if (filters.due) q.set('due', filters.due);
  return q;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function createList(ctx, pid, filters, users, role) {
  const params = ctx.params;  // shared with filterBar, which copies it when filters change
  const editable = can(role, 'editor');
  const state = { rows: [], total: 0, estimate: false, selected: new Set(), anchor: null };
  const sortOf = () => (SORTS.has(params.get('sort')) ? params.get('sort') : 'title');
  const pageOf = () => Math.max(1, Number(params.get('page')) || 1);

  const summary = h('p', { class: 'muted small', role: 'status', 'data-testid': 'list-summary' });
  const tableBox = h('div', { 'data-testid': 'list-table-box' });
  const pager = h('nav', { class: 'row pager', 'aria-label': 'Pages of the task list' });
  const bar = editable ? bulkBar() : null;

  function setParam(key, value) {
    if (value) params.set(key, value); else params.delete(key);
    replaceParams(params);
  }

  // ----------------------------------------------------------------- table
  function header() {
    const sort = sortOf();
    const all = h('input', {
      type: 'checkbox', 'data-testid': 'select-page', 'aria-label': 'Select every task on this page',
      checked: state.rows.length > 0 && state.rows.every((t) => state.selected.has(t.id)),
      onchange: (ev) => {
        for (const t of state.rows) if (ev.target.checked) state.selected.add(t.id); else state.selected.delete(t.id);
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

  function row(t, index) {
    const check = editable ? h('td', { class: 'cell-check' }, h('input', {
      type: 'checkbox', 'data-testid': 'select-task', dataset: { taskId: t.id },
      'aria-label': 'Select ' + shorten(t.title, 80), checked: state.selected.has(t.id),
      onclick: (ev) => pick(index, ev.target.checked, ev.shiftKey),
    })) : null;
    return h('tr', { 'data-testid': 'list-row', dataset: { taskId: t.id }, class: state.selected.has(t.id) ? 'is-selected' : null },
      check,
      h('td', { class: 'wrap', 'data-label': 'Title' }, h('a', { href: links.task(pid, t.id), 'data-testid': 'list-title' }, t.title)),
      h('td', { 'data-label': 'Status', 'data-testid': 'list-status' }, STATUS_LABELS[t.status] || t.status),
      h('td', { 'data-label': 'Priority', 'data-testid': 'list-priority' }, PRIORITY_LABELS[t.priority] || t.priority),
      h('td', { class: 'wrap', 'data-label': 'Assignee', 'data-testid': 'list-assignee' }, t.assignee_name || h('span', { class: 'muted' }, 'Unassigned')),
      h('td', { 'data-label': 'Due date' }, dueBadge(t) || h('span', { class: 'muted' }, 'None')),
      h('td', { 'data-label': 'Updated' }, formatTime(t.updated_at || t.created_at)));
  }

  /** A click on a row's box: Shift extends from the last one clicked to this one. */
  function pick(index, on, range) {
    const from = range && state.anchor !== null ? Math.min(state.anchor, index) : index;
    const to = range && state.anchor !== null ? Math.max(state.anchor, index) : index;
    for (const t of state.rows.slice(from, to + 1)) if (on) state.selected.add(t.id); else state.selected.delete(t.id);
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
      const n = state.rows.filter((t) => state.selected.has(t.id)).length;
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
    const visible = new Set(state.rows.map((t) => t.id));
    for (const id of [...state.selected]) if (!visible.has(id)) state.selected.delete(id);
    const pages = pagerOf(state.total, LIMIT, page, state.estimate);
    summary.textContent = state.total ? `${countNoun(state.total, state.estimate, 'task', 'tasks')} · page ${page} of ${pages.text}` : '';
    mount(tableBox, state.rows.length
      ? tableWrap('Tasks of the project', h('table', { class: 'table task-table', 'data-testid': 'list-table' },
        h('caption', { class: 'sr-only' }, 'Tasks, sorted by ' + COLUMNS.find(([k]) => k === sortOf().replace('-', ''))[1].toLowerCase()
          + (sortOf().startsWith('-') ? ', descending' : '')),
        header(), h('tbody', null, state.rows.map(row))))
      : h('p', { class: 'empty', 'data-testid': 'list-empty' }, Object.values(filters).some(Boolean) ? 'No task matches these filters.' : 'This project has no tasks yet.'));
    mount(pager,
      h('button', { type: 'button', class: 'btn', disabled: page <= 1, 'data-testid': 'list-prev', onclick: () => turn(page - 1) }, 'Previous page'),
      h('button', { type: 'button', class: 'btn', disabled: !pages.hasNext, 'data-testid': 'list-next', onclick: () => turn(page + 1) }, 'Next page'));
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
      move: field('Status', select('status', STATUSES.map((s) => [s, STATUS_LABELS[s]]), 'done', { 'data-testid': 'bulk-status' })),
      assign: field('Assignee', select('assignee', userOptions(users, 'Nobody'), '', { 'data-testid': 'bulk-assignee' })),
      priority: field('Priority', select('priority', PRIORITY_OPTIONS, 'high', { 'data-testid': 'bulk-priority' })),
      due_date: field('Due date', h('input', { name: 'due_date', type: 'date', 'data-testid': 'bulk-due' }), 'Empty clears it.'),
    };
    if (!can(role, 'owner')) action.querySelector('option[value=delete]').remove();
    const apply = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'bulk-apply' }, 'Apply');
    const confirmBox = h('div', { class: 'bulk-confirm', role: 'group', 'aria-label': 'Confirm the delete', hidden: true, 'data-testid': 'bulk-confirm' });
    const form = h('form', { class: 'bulk-bar card', 'aria-label': 'Bulk actions on the selected tasks', 'data-testid': 'bulk-bar', hidden: true },
      count, field('Action', action), Object.values(values), apply, confirmBox);
    const show = () => { for (const [k, el] of Object.entries(values)) el.hidden = k !== action.value; };
    action.addEventListener('change', show);
    show();

    const chosen = () => state.rows.filter((t) => state.selected.has(t.id)).map((t) => t.id);

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
      const tasks = plural(n, 'task');
      if (kind === 'move') return `Moved ${tasks} to ${STATUS_LABELS[value]}`;
      if (kind === 'assign') return value ? `Assigned ${tasks} to ${(users.find((u) => u.id === value) || {}).username || 'them'}` : `Unassigned ${tasks}`;
      if (kind === 'priority') return `Set the priority of ${tasks} to ${PRIORITY_LABELS[value]}`;
      if (kind === 'due_date') return value ? `Set the due date of ${tasks} to ${value}` : `Cleared the due date of ${tasks}`;
      return `Deleted ${tasks}`;
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
        onclick: () => { confirmBox.hidden = true; run({ action: 'delete' }); } }, `Delete ${plural(n, 'task')}`);
      const no = h('button', { type: 'button', class: 'btn', 'data-testid': 'bulk-cancel-delete',
        onclick: () => { confirmBox.hidden = true; apply.focus(); } }, 'Cancel');
      mount(confirmBox, h('p', { class: 'form-error' }, `Delete ${plural(n, 'task')} with their comments and attachments? This cannot be undone.`), h('div', { class: 'row' }, yes, no));
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
      count.textContent = n ? `${plural(n, 'task')} selected` : '';
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
  ctx.setActions(h('a', { class: 'btn', href: '#/projects' }, '← Projects'), ...projectViewTools(ctx, project, 'list'));
  const filterForm = filterBar(ctx, list, filters, users);
  ctx.mount(
    filterForm,
    filterForm.summary,
    list.bar,
    list.summary,
    list.tableBox,
    list.pager);
}, { title: 'Task list', notFound: 'Project not found' });
