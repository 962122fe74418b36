/* The Kanban board of a project.
 *
 * Moves are optimistic: the card moves at once and is marked pending; on
 * failure it goes back where it was and a toast offers Retry.  The keyboard
 * stays on the moved card.  Filters live in the URL.  Other people's changes
 * arrive by polling (contract.js); a card being dragged or waiting for its
 * own request is never moved under the user's hands: polls wait for it.
 * On a phone one column shows at a time (buttons above, or swipe).
 * The controls follow the caller's role in the project (roles.js): a viewer
 * or commenter gets no new-task form and no move buttons or dragging.  A
 * share link (#/shared) shows its one project the same way, read-only, and so
 * does an archived project (its owners get an Unarchive button instead).
 *
 * Column counts are the server's totals (a column may hold more than the
 * 100 cards loaded); the filters are the server's too (the browser only
 * re-applies them to live changes).  The board is one Tab stop: a roving
 * tabindex keeps one card (its title and buttons) in the Tab order and the
 * arrow keys walk the cards; board-keys.js adds the shortcuts and their
 * help sheet.  Editors get a quick-add field at the top of each column.
 */
import { h, mount, shorten, srOnly, STATUSES, STATUS_LABELS } from '../dom.js';
import { formatCount, countNoun } from '../counts.js';
import { api, session, share, teamMembers, taskPath } from '../api.js';
import { route, replaceParams } from '../router.js';
import { caps, listColumn, listProjects, moveTask, columnOrder, matchesFilters, taskWatcher, FILTER_KEYS } from '../contract.js';
import { projectRole, can, ROLE_LABELS } from '../roles.js';
import { setShareRole, shareProblem } from '../app.js';
import { field, select, onSubmit, formValues } from '../forms.js';
import { toast, toastError, announce, errorText } from '../toast.js';
import { contributions, forProject, safeRender, emit, assistText } from '../extensions.js';
import { toggle, userOptions, PRIORITY_OPTIONS, pendingDeletes } from './common.js';
import { boardShortcuts, shortcutsButton } from './board-keys.js';
import { taskCard } from './card.js';
import { projectViewTools } from './project-views.js';

const POLL_MS = 4000;
const isShown = (el) => Boolean(el && el.isConnected && (el.checkVisibility ? el.checkVisibility() : el.offsetParent));

export function readFilters(params) {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) || '']));
}

function createBoard(ctx, pid, filters, { movable }) {
  const tasks = new Map();
  const cards = new Map();
  const pending = new Set();
  const watcher = taskWatcher(pid);
  let dragging = null;
  const deferred = [];  // changes that arrived while a card was held or waiting
  let current = sessionStorage.getItem('taskflow.column') || 'todo';
  const cols = {};

  const el = h('div', { class: 'board', 'data-testid': 'board', dataset: { current } });
  const tabs = h('div', { class: 'column-tabs', role: 'group', 'aria-label': 'Column shown' });

  for (const status of STATUSES) {
    const count = h('span', { class: 'badge badge-' + status, 'data-testid': 'count-' + status }, '0');
    const list = h('div', { class: 'cards', 'data-testid': 'cards-' + status });
    const placeholder = h('p', { class: 'empty' }, 'No tasks here');
    const more = h('button', { type: 'button', class: 'btn btn-small load-more', hidden: true, onclick: () => loadMore(status) }, 'Show more');
    const headingId = 'column-' + status + '-title';
    const quick = movable ? quickAdd(status) : null;
    const col = h('section', { class: 'column', 'data-testid': 'column-' + status, 'aria-labelledby': headingId, dataset: { status } },
      h('h2', { id: headingId }, STATUS_LABELS[status], ' ', count), quick && quick.form, list, placeholder, more);
    const tab = h('button', {
      type: 'button', class: 'btn column-tab', 'aria-pressed': String(status === current), dataset: { status },
      'data-testid': 'tab-' + status, onclick: () => showColumn(status),
    }, STATUS_LABELS[status], ' ', h('span', { class: 'tab-count' }, '0'));
    cols[status] = { col, list, count, placeholder, more, tab, quick, page: 1, total: 0, fetched: 0, loaded: 0 };
    wireDrop(status);
    el.append(col);
    tabs.append(tab);
  }
  wireSwipe();

  // ------------------------------------------------------------ the columns
  function showColumn(status, focusTab) {
    current = status;
    el.dataset.current = status;
    sessionStorage.setItem('taskflow.column', status);
    for (const s of STATUSES) cols[s].tab.setAttribute('aria-pressed', String(s === status));
    keepRoving();
    if (focusTab) cols[status].tab.focus();
  }

  /** The quick-add field of a column: Enter adds the task and keeps the field open for the next. */
  function quickAdd(status) {
    const id = 'quick-add-' + status;
    const input = h('input', {
      id, name: 'title', maxlength: 200, autocomplete: 'off', 'data-testid': 'quick-add-' + status,
      placeholder: 'Add a task…', 'aria-keyshortcuts': status === 'todo' ? 'n' : null,
    });
    const error = h('p', { class: 'field-error quick-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'quick-add', 'data-testid': 'quick-add-form-' + status },
      h('label', { class: 'sr-only', for: id }, `New task in ${STATUS_LABELS[status]}`),
      h('div', { class: 'quick-row' }, input,
        h('button', { type: 'submit', class: 'btn btn-small' }, 'Add', srOnly(` to ${STATUS_LABELS[status]}`))),
      error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const title = input.value.trim();
      if (!title || form.dataset.busy) return;
      form.dataset.busy = '1';
      error.hidden = true;
      input.removeAttribute('aria-invalid');
      try {
        // Only the title and the column: every other field keeps the server's default.
        const created = await api.post(`/api/projects/${Number(pid)}/tasks`, { title, status });
        const task = await api.get(taskPath(pid, created.id));
        input.value = '';
        const shown = add(task);
        announce(`Added “${shorten(task.title)}” to ${STATUS_LABELS[status]}` + (shown ? '.' : ' (hidden by the filters).'));
      } catch (err) {
        if (err.status === 401) return;
        error.textContent = (err.fields && err.fields.title) ? `Title: ${err.fields.title}` : errorText(err);
        error.hidden = false;
        input.setAttribute('aria-invalid', 'true');
      } finally {
        delete form.dataset.busy;
        input.focus();
      }
    });
    return { form, input };
  }

  function wireSwipe() {
    let start = null;
    el.addEventListener('touchstart', (ev) => { start = ev.touches.length === 1 ? ev.touches[0] : null; }, { passive: true });
    el.addEventListener('touchend', (ev) => {
      const end = ev.changedTouches[0];
      if (!start || !end) return;
      const dx = end.clientX - start.clientX;
      if (Math.abs(dx) > 60 && Math.abs(end.clientY - start.clientY) < 40) {
        const i = STATUSES.indexOf(current) + (dx < 0 ? 1 : -1);
        if (i >= 0 && i < STATUSES.length) showColumn(STATUSES[i]);
      }
      start = null;
    }, { passive: true });
  }

  const idsIn = (status) => [...cols[status].list.children].map((c) => Number(c.dataset.taskId));

  /** The counts are the server's totals (kept current by moves, adds and live changes), not the cards loaded. */
  function updateCounts() {
    for (const s of STATUSES) {
      const c = cols[s];
      const n = Math.max(c.total, c.list.children.length);
      c.count.textContent = formatCount(n, c.estimate);
      c.tab.querySelector('.tab-count').textContent = formatCount(n, c.estimate);
      c.placeholder.hidden = c.list.children.length > 0;
      const rest = c.fetched - c.loaded;
      c.more.hidden = !(rest > 0);
      c.more.textContent = `Show ${Math.min(rest, 100)} more`;
    }
    keepRoving();
  }

  /** One card moved from column `from` to `to` (either may be null: it appeared or went). */
  function recount(from, to) {
    if (from) cols[from].total = Math.max(0, cols[from].total - 1);
    if (to) cols[to].total += 1;
  }

  /** Where a task goes in its column by the server's order: the id of the card it comes before. */
  function slotFor(task) {
    for (const id of idsIn(task.status)) {
      if (id !== task.id && columnOrder(task, tasks.get(id)) < 0) return id;
    }
    return null;
  }

  /** (Re)draw a task's card and put it in its column before `beforeId` (null: at the end). */
  function place(task, beforeId) {
    const old = cards.get(task.id);
    const card = taskCard(pid, task, { reorder: caps.positions && movable, movable });
    wireCard(card, task.id);
    setTabbable(card, task.id === activeId);
    if (pending.has(task.id)) markPending(card, true);
    cards.set(task.id, card);
    const ref = beforeId != null && cards.get(beforeId);
    const list = cols[task.status].list;
    if (ref && ref.parentNode === list) list.insertBefore(card, ref); else list.append(card);
    if (old && old !== card) old.remove();
    return card;
  }

  function removeCard(id) {
    const card = cards.get(id);
    if (card) card.remove();
    cards.delete(id);
  }

  /** Positions follow the order on screen after a local move (the server renumbers the same way). */
  function renumber(status) {
    if (!caps.positions) return;
    idsIn(status).forEach((id, i) => { tasks.get(id).position = i + 1; });
  }

  function markPending(card, on) {
    card.classList.toggle('is-pending', on);
    if (on) card.setAttribute('aria-busy', 'true'); else card.removeAttribute('aria-busy');
    card.querySelectorAll('[data-move]').forEach((b) => {
      // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
      if (on) b.setAttribute('aria-disabled', 'true'); else b.removeAttribute('aria-disabled');
    });
  }

  /** The focus stays on the card that moved; on a phone, on the column still on screen. */
  function refocus(id, dir, from) {
    const opposite = { left: 'right', right: 'left', up: 'down', down: 'up' }[dir];
    const pick = (card) => card && (card.querySelector(`[data-move=${dir}]`) || card.querySelector(`[data-move=${opposite}]`)
      || card.querySelector('[data-move]') || card.querySelector('a'));
    const card = cards.get(id);
    if (isShown(card)) return pick(card).focus();
    const list = cols[from.status].list;
    const near = list.children[Math.min(from.index, list.children.length - 1)];
    (near ? pick(near) : cols[from.status].tab).focus();
  }

  function wireCard(card, id) {
    card.addEventListener('click', (ev) => {
      const btn = ev.target.closest('[data-move]');
      // The second click of a double-click would land on the card that slid under the pointer.
      if (btn && ev.detail < 2) moveBy(id, btn.dataset.move);
    });
    card.addEventListener('dragstart', (ev) => {
      if (!movable || pending.has(id)) return ev.preventDefault();
      dragging = id;
      ev.dataTransfer.setData('text/plain', String(id));
      ev.dataTransfer.effectAllowed = 'move';
      card.classList.add('dragging');
    });
    card.addEventListener('dragend', () => {
      dragging = null;
      card.classList.remove('dragging');
      clearDropMarks();
      flush().catch(toastError);
    });
  }

  // ------------------------------------------------------------------ moves
  function moveBy(id, dir) {
    const task = tasks.get(id);
    if (!task || pending.has(id)) return;
    const ids = idsIn(task.status);
    const i = ids.indexOf(id);
    if (dir === 'left' || dir === 'right') {
      const s = STATUSES[STATUSES.indexOf(task.status) + (dir === 'left' ? -1 : 1)];
      if (s) move(id, s, null, dir);
    } else if (dir === 'up' && i > 0) {
      move(id, task.status, ids[i - 1], dir);
    } else if (dir === 'down' && i < ids.length - 1) {
      move(id, task.status, ids[i + 2] ?? null, dir);
    }
  }

  async function move(id, status, requestedBefore, dir) {
    const task = tasks.get(id);
    if (!task || pending.has(id)) return;
    const ids = idsIn(task.status);
    const from = { status: task.status, index: ids.indexOf(id), before: ids[ids.indexOf(id) + 1] ?? null };
    const sameColumn = status === task.status;
    if (sameColumn && (!caps.positions || requestedBefore === from.before || requestedBefore === id)) return;
    // Without server positions a card goes where the server's order (by id) will put it.
    const before = caps.positions ? requestedBefore : null;
    task.status = status;
    pending.add(id);
    if (!sameColumn) recount(from.status, status);
    place(task, caps.positions ? before : slotFor(task));
    renumber(status);
    updateCounts();
    refocus(id, dir, from);
    const title = shorten(task.title);
    const where = sameColumn ? `${dir === 'up' ? 'up' : 'down'} in ${STATUS_LABELS[status]}` : `to ${STATUS_LABELS[status]}`;
    try {
      const answer = await moveTask(pid, id, status, before);
      if (answer && answer.position !== undefined) task.position = answer.position;
      pending.delete(id);
      markPending(cards.get(id), false);
      const n = idsIn(status).indexOf(id) + 1;
      announce(`Moved “${title}” ${where}, position ${n} of ${idsIn(status).length}.`);
      toast(`Moved “${title}” ${where}`, {
        action: { label: 'Undo', run: () => move(id, from.status, from.before, dir) },
      });
      emit('board:refresh', { projectId: Number(pid) });
      flush().catch(toastError);
    } catch (err) {
      pending.delete(id);
      task.status = from.status;
      if (!sameColumn) recount(status, from.status);
      const focusWasHere = cards.get(id) && cards.get(id).contains(document.activeElement);
      place(task, from.before);
      renumber(from.status);
      updateCounts();
      if (focusWasHere || document.activeElement === document.body) refocus(id, dir, from);
      toastError(`Couldn't move “${title}”: ${err.message}`, { label: 'Retry', run: () => move(id, status, requestedBefore, dir) });
      flush().catch(toastError);
    }
  }

  // ---------------------------------------------------------- drag and drop
  function clearDropMarks() {
    el.querySelectorAll('.drop-before').forEach((c) => c.classList.remove('drop-before'));
    el.querySelectorAll('.drag-over').forEach((c) => c.classList.remove('drag-over'));
  }

  function dropTarget(status, y) {
    for (const card of cols[status].list.children) {
      const id = Number(card.dataset.taskId);
      if (id === dragging) continue;
      const box = card.getBoundingClientRect();
      if (y < box.top + box.height / 2) return id;
    }
    return null;
  }

  function wireDrop(status) {
    const { col } = cols[status];
    col.addEventListener('dragover', (ev) => {
      if (dragging === null) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'move';
      clearDropMarks();
      col.classList.add('drag-over');
      const before = caps.positions ? dropTarget(status, ev.clientY) : null;
      if (before !== null) cards.get(before).classList.add('drop-before');
    });
    col.addEventListener('dragleave', (ev) => { if (!col.contains(ev.relatedTarget)) col.classList.remove('drag-over'); });
    col.addEventListener('drop', (ev) => {
      ev.preventDefault();
      const id = Number(ev.dataTransfer.getData('text/plain'));
      const before = caps.positions ? dropTarget(status, ev.clientY) : null;
      clearDropMarks();
      dragging = null;
      if (tasks.has(id)) move(id, status, before, 'right');
    });
  }

  // ------------------------------------------------------------ loading
  const hiddenByDelete = (t) => pendingDeletes.has('task:' + t.id);
  // A live change is filtered here; a list the server filtered is taken as it is (its totals agree with it).
  const shows = (t) => matchesFilters(t, filters) && !hiddenByDelete(t);
  const listed = (t) => (caps.listMeta ? !hiddenByDelete(t) : shows(t));

  async function fetchColumn(status, page) {
    const data = await listColumn(pid, status, filters, page);
    const c = cols[status];
    c.page = page;
    c.total = data.total;
    c.estimate = Boolean(data.total_is_estimate);  // "1,000+": a lower bound
    c.fetched = data.total;
    c.loaded = (page - 1) * 100 + (data.tasks || []).length;
    return data;
  }

  function fill(status, rows) {
    for (const t of rows.sort(columnOrder)) {
      tasks.set(t.id, t);
      if (listed(t)) place(t, null);
    }
  }

  async function loadMore(status) {
    const data = await fetchColumn(status, cols[status].page + 1).catch((err) => { toastError(err); return null; });
    if (data) fill(status, data.tasks || []);
    updateCounts();
  }

  /** Load every column afresh (first load, new filters, or a change without a change feed). */
  async function load() {
    const focus = focusMark();
    const lists = await Promise.all(STATUSES.map((s) => fetchColumn(s, 1)));
    if (!ctx.alive()) return;
    tasks.clear();
    for (const id of [...cards.keys()]) removeCard(id);
    STATUSES.forEach((s, i) => fill(s, lists[i].tasks || []));
    updateCounts();
    restoreFocus(focus);
    await watcher.start(lists);
    emit('board:refresh', { projectId: Number(pid) });
  }

  function focusMark() {
    const card = document.activeElement && document.activeElement.closest && document.activeElement.closest('.task-card');
    if (!card || !el.contains(card)) return null;
    return { id: Number(card.dataset.taskId), move: document.activeElement.dataset.move, role: document.activeElement.dataset.role };
  }

  function restoreFocus(mark) {
    if (!mark || !(document.activeElement === document.body || !document.activeElement)) return;
    const card = cards.get(mark.id);
    const target = card && (card.querySelector(mark.move ? `[data-move=${mark.move}]` : '[data-role=title]') || card.querySelector('a'));
    if (target) target.focus();
  }

  // ------------------------------------------------------------ live updates
  function applyChanges(changes) {
    for (const t of changes.tasks) {
      if (Number(t.project_id) !== Number(pid)) continue;
      const focus = focusMark();
      const before = cards.has(t.id) ? tasks.get(t.id).status : null;
      tasks.set(t.id, t);
      if (shows(t)) {
        place(t, slotFor(t)).classList.add('is-updated');
        recount(before, t.status);
      } else {
        removeCard(t.id);
        recount(before, null);
      }
      if (focus && focus.id === t.id) restoreFocus(focus);
    }
    for (const id of changes.deleted) {
      if (cards.has(id)) recount(tasks.get(id).status, null);
      tasks.delete(id);
      removeCard(id);
    }
    // Unfiltered, the server's own counts are the truth (cards beyond the loaded pages included).
    const counts = changes.taskCounts;
    if (counts && !Object.values(filters).some(Boolean)) for (const s of STATUSES) cols[s].total = counts[s] ?? cols[s].total;
    updateCounts();
    emit('board:refresh', { projectId: Number(pid) });
  }

  async function poll() {
    const changes = await watcher.poll();
    if (!changes || !ctx.alive()) return;
    deferred.push(changes);
    await flush();
  }

  /** Apply the changes received, unless a card is held or waiting for its own request: then later. */
  async function flush() {
    if (dragging !== null || pending.size || !deferred.length) return;
    const batch = deferred.splice(0);
    if (batch.some((c) => c.reload)) return load();
    batch.forEach(applyChanges);
  }

  /** A task created here: shown at once, no reload. */
  function add(task) {
    tasks.set(task.id, task);
    if (!shows(task)) return null;
    const card = place(task, slotFor(task));
    recount(null, task.status);
    updateCounts();
    return card;
  }

  function setFilters(next) {
    Object.assign(filters, next);
    return load();
  }

  // ------------------------------------------------------ roving tabindex
  let activeId = null;
  function setTabbable(card, on) {
    card.querySelectorAll('a, button').forEach((c) => {
      if (on) c.removeAttribute('tabindex'); else c.setAttribute('tabindex', '-1');
    });
  }

  function setActive(id) {
    if (id === activeId) return;
    const old = cards.get(activeId);
    if (old) setTabbable(old, false);
    activeId = id;
    const card = cards.get(id);
    if (card) setTabbable(card, true);
  }

  /** Exactly one shown card stays in the Tab order: the active one, else the first on screen. */
  function keepRoving() {
    const active = cards.get(activeId);
    if (isShown(active) || (active && !el.isConnected)) return;
    const firsts = STATUSES.map((s) => cols[s].list.firstElementChild).filter(Boolean);
    // Not on screen yet (the first load): the column a phone shows, else the first card.
    const first = firsts.find((c) => isShown(c)) || firsts.find((c) => c.dataset.status === current) || firsts[0];
    setActive(first ? Number(first.dataset.taskId) : null);
  }

  const cardOf = (node) => node && node.closest && node.closest('.task-card');
  el.addEventListener('focusin', (ev) => {
    const card = cardOf(ev.target);
    if (card && el.contains(card)) setActive(Number(card.dataset.taskId));
  });

  /** The card `dir` of `card` (arrow keys): the next/previous in its column, or beside it in the next shown column. */
  function neighbour(card, key) {
    const status = card.dataset.status;
    const inColumn = [...cols[status].list.children];
    const i = inColumn.indexOf(card);
    if (key === 'ArrowDown') return inColumn[i + 1];
    if (key === 'ArrowUp') return inColumn[i - 1];
    if (key === 'Home') return inColumn[0];
    if (key === 'End') return inColumn[inColumn.length - 1];
    const step = key === 'ArrowRight' ? 1 : -1;
    for (let k = STATUSES.indexOf(status) + step; k >= 0 && k < STATUSES.length; k += step) {
      const others = [...cols[STATUSES[k]].list.children];
      if (!others.length) continue;
      if (!isShown(others[0])) showColumn(STATUSES[k]);  // a phone: that column comes on screen
      return others[Math.min(i, others.length - 1)];
    }
    return null;
  }

  el.addEventListener('keydown', (ev) => {
    const card = cardOf(ev.target);
    if (!card || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    if (!['ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(ev.key)) return;
    const next = neighbour(card, ev.key);
    ev.preventDefault();
    if (next) next.querySelector('[data-role=title]').focus();
  });

  /** The id of the card holding the focus, or null. */
  function focusedId() {
    const card = cardOf(document.activeElement);
    return card && el.contains(card) ? Number(card.dataset.taskId) : null;
  }

  /** Assign the task to the caller (shortcut a); the card is redrawn in place, focus kept. */
  async function assignToMe(id) {
    const me = session.user;
    const task = tasks.get(id);
    if (!me || !task || pending.has(id)) return;
    const title = shorten(task.title);
    if (Number(task.assignee_id) === Number(me.id)) return announce(`“${title}” is already assigned to you.`);
    try {
      await api.patch(taskPath(pid, id), { assignee_id: Number(me.id) });
      const fresh = await api.get(taskPath(pid, id));
      const focus = focusMark();
      tasks.set(id, fresh);
      place(fresh, slotFor(fresh));
      restoreFocus(focus);
      toast(`Assigned “${title}” to you`);
    } catch (err) {
      toastError(`Couldn't assign “${title}”: ${errorText(err)}`);
    }
  }

  /** The quick-add field of the focused card's column (else the column on screen). */
  function focusQuickAdd() {
    const id = focusedId();
    const status = id !== null ? tasks.get(id).status : current;
    const target = cols[status].quick || cols.todo.quick;
    if (!target) return false;
    if (!isShown(target.input)) showColumn(status);
    target.input.focus();
    return true;
  }

  return {
    el, tabs, load, poll, add, setFilters, showColumn, tasks, focusedId, moveBy, assignToMe, focusQuickAdd,
    /** Tasks matching the filters: the server's totals (every column, loaded or not). */
    total: () => STATUSES.reduce((n, s) => n + Math.max(cols[s].total, cols[s].list.children.length), 0),
    estimate: () => STATUSES.some((s) => cols[s].estimate),
  };
}

// ---------------------------------------------------------------- filters
/** The filters form; `board` is anything with counts() and setFilters(next) (the list view uses it too). */
export function filterBar(ctx, board, filters, users) {
  const me = share.active ? null : session.user;
  const assignees = [['', 'Anyone'], ['none', 'Unassigned']]
    .concat(me ? [[String(me.id), `Me (${me.username})`]] : [])
    .concat(userOptions(users).filter(([id]) => !me || Number(id) !== Number(me.id)));
  const summary = h('p', { class: 'filter-summary', role: 'status', 'data-testid': 'filter-summary' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter tasks', 'data-testid': 'filters' },
    field('Search titles', h('input', { name: 'q', type: 'search', value: filters.q, 'data-testid': 'filter-q', autocomplete: 'off' })),
    field('Assignee', select('assignee', assignees, filters.assignee, { 'data-testid': 'filter-assignee' })),
    field('Priority', select('priority', [['', 'Any']].concat(PRIORITY_OPTIONS), filters.priority, { 'data-testid': 'filter-priority' })),
    field('Due', select('due', [['', 'Any time'], ['overdue', 'Overdue'], ['week', 'This week'], ['none', 'No due date']], filters.due, { 'data-testid': 'filter-due' })),
    h('button', { type: 'reset', class: 'btn', 'data-testid': 'filter-clear' }, 'Clear filters'));
  // Beside the form, not in it: a phone folds the form away, the count stays in sight.
  form.summary = summary;
  const describe = () => {
    const n = board.total();
    const active = Object.values(filters).some(Boolean);
    summary.textContent = active ? `${countNoun(n, board.estimate && board.estimate(), 'task', 'tasks')} match the filters` : '';
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
      toastError(err, { label: 'Retry', run: apply });
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
function filtersToggle(form, filters) {
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
  }, active ? `Filters (${active})` : 'Filters');
  return btn;
}

// --------------------------------------------------------------- new task
export function pluginFields(task, project) {
  return forProject(contributions.taskFields, project).map((f) => {
    const box = h('div', { class: 'extension-field', dataset: { extension: f.name } });
    const label = h('span', { class: 'label-text' }, f.label);
    const wrap = h('div', { class: 'field' }, label, box);
    let handle = null;
    const out = safeRender(box, f.name, (c) => f.render(c, task, {}));
    if (out && typeof out.value === 'function') handle = out;
    return { name: f.name, el: wrap, value: () => (handle ? handle.value() : undefined) };
  });
}

function newTaskForm(pid, users, board, panel, toggleBtn, signal, project) {
  const extras = pluginFields(null, project);
  const form = h('form', { class: 'stack', 'data-testid': 'new-task-form' },
    field('Title', h('input', { name: 'title', required: true, maxlength: 200 })),
    field('Description', h('textarea', { name: 'description', maxlength: 5000 })),
    h('div', { class: 'form-row' },
      field('Assignee', select('assignee_id', userOptions(users, 'Unassigned'), '')),
      field('Priority', select('priority', PRIORITY_OPTIONS, 'medium')),
      field('Due date', h('input', { name: 'due_date', type: 'date' })),
      field('Status', select('status', STATUSES.map((s) => [s, STATUS_LABELS[s]]), 'todo'))),
    extras.map((x) => x.el),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create task')));
  assistText(form.elements.description, { field: 'description', projectId: Number(pid), taskId: null }, signal);
  return onSubmit(form, async (data) => {
    const body = formValues(data, ['title', 'description', 'priority', 'due_date', 'status']);
    if (data.get('assignee_id')) body.assignee_id = Number(data.get('assignee_id'));
    for (const x of extras) if (x.value() !== undefined) body[x.name] = x.value();
    const created = await api.post(`/api/projects/${Number(pid)}/tasks`, body);
    const task = await api.get(taskPath(pid, created.id));
    form.reset();
    panel.hidden = true;
    toggleBtn.setAttribute('aria-expanded', 'false');
    const card = board.add(task);
    toast(`Created “${shorten(task.title)}”` + (card ? '' : ' (hidden by the filters)'));
    if (card) {
      board.showColumn(task.status);
      card.querySelector('a').focus();
    } else {
      toggleBtn.focus();
    }
  });
}

/** Who the board's filter can name: everyone the caller may see, or (a share link) the project's members. */
async function boardPeople(pid) {
  if (!share.active) return teamMembers();
  const data = await api.get(`/api/projects/${Number(pid)}/members`);
  return (data.users || []).map((u) => ({ id: u.user_id, username: u.username }));
}

/** Owners may unarchive; the board comes back editable. */
function unarchiveButton(ctx, project) {
  return h('button', {
    type: 'button', class: 'btn btn-small', 'data-testid': 'unarchive-project',
    onclick: async (ev) => {
      ev.currentTarget.disabled = true;
      try {
        await api.put('/api/projects/' + Number(project.id), { name: project.name, description: project.description || '', status: 'active' });
        toast(`“${shorten(project.name)}” is active again`);
        ctx.refresh();
      } catch (err) {
        toastError(err);
        ev.currentTarget.disabled = false;
      }
    },
  }, 'Unarchive');
}

/** A line saying what a read-only role may do (nothing for editors and owners). */
function roleNote(ctx, project, role) {
  if (share.active) return null;
  if (project.status === 'archived') {
    // Read-only for everyone while archived, owners included: unarchiving is the one change offered.
    return can(role, 'owner')
      ? h('p', { class: 'banner row', 'data-testid': 'archived-note' }, 'This project is archived: unarchive it to change its tasks.', unarchiveButton(ctx, project))
      : h('p', { class: 'banner', 'data-testid': 'archived-note' }, 'This project is archived: it is read-only, and only its owners can change it.');
  }
  if (can(role, 'editor')) return null;
  const what = role === 'commenter' ? 'you can read it and comment on tasks.' : 'you can read it but not change it.';
  return h('p', { class: 'banner', 'data-testid': 'role-note' }, `You are a ${ROLE_LABELS[role].toLowerCase()} in this project: ${what}`);
}

/** The board of `project` as the caller's role allows. */
async function boardView(ctx, pid, project, users) {
  const filters = readFilters(ctx.params);
  const role = projectRole(project);
  const editable = can(role, 'editor') && project.status !== 'archived';
  ctx.setTitle(project.name);
  const board = createBoard(ctx, pid, filters, { movable: editable });
  await board.load();
  boardShortcuts(ctx, board, { editable });
  let panel = null;
  let newBtn = null;
  if (editable) {
    panel = h('section', { class: 'card', 'aria-labelledby': 'new-task-title' });
    newBtn = toggle('+ New task', panel, { 'data-testid': 'new-task' });
    mount(panel, h('h2', { id: 'new-task-title' }, 'New task'), newTaskForm(pid, users, board, panel, newBtn, ctx.signal, project));
  }
  const filterForm = filterBar(ctx, board, filters, users);
  ctx.setActions(
    // On a phone the menu has Projects: the button row stays one line.
    share.active ? null : h('a', { class: 'btn phone-hide', href: '#/projects' }, '← Projects'),
    newBtn,
    filtersToggle(filterForm, filters),
    share.active ? null : h('a', { class: 'btn', href: `#/projects/${Number(pid)}/settings`, 'data-testid': 'project-settings' },
      can(role, 'owner') ? 'Settings' : 'Members'),
    shortcutsButton(editable),
    share.active ? null : projectViewTools(ctx, project, 'board'));
  ctx.mount(
    roleNote(ctx, project, role),
    // On a phone the first screen is for the cards: the description is on the project's settings page.
    project.description ? h('p', { class: 'muted desc phone-hide' }, project.description) : null,
    panel,
    filterForm,
    filterForm.summary,
    board.tabs,
    board.el);
  ctx.poll(board.poll, POLL_MS);
}

route(/^projects\/(\d+)$/, async (ctx, pid) => {
  const [project, users] = await Promise.all([api.get('/api/projects/' + Number(pid)), boardPeople(pid)]);
  await boardView(ctx, pid, project, users);
}, { title: 'Board', notFound: 'Project not found' });

/** The project of this tab's share link (its project list holds only that one). */
export async function sharedProject(ctx) {
  const problem = shareProblem();
  if (problem) {
    ctx.setTitle(problem[0]);
    ctx.mount(h('section', { class: 'card error-frame', 'data-testid': 'share-problem' }, h('p', { class: 'form-error' }, problem[1])));
    return null;
  }
  const project = (await listProjects(true)).projects[0];
  if (!project) throw Object.assign(new Error('not found'), { status: 404 });
  setShareRole(projectRole(project));
  return project;
}

route(/^shared$/, async (ctx) => {
  const project = await sharedProject(ctx);
  if (project) await boardView(ctx, project.id, project, await boardPeople(project.id));
}, { title: 'Shared project', notFound: 'Project not found', notFoundText: 'The shared project is no longer there.', share: true });
