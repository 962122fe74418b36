/* The board's columns and its state: one object `b` that the other board modules
 * extend (moves, drag and drop, keyboard, live updates), so each stays short.
 *
 * Column counts are the server's totals (a column may hold more than the 100
 * cards loaded); the filters are the server's too (the browser only re-applies
 * them to live changes).  On a phone one column shows at a time (buttons above,
 * or a swipe).
 */
import { h, STATUSES, STATUS_LABELS } from '../dom.js';
import { listColumn, columnOrder } from '../queries.js';
import { taskWatcher } from '../live.js';
import { toastError } from '../toast.js';
import { emit } from '../extensions.js';
import { pendingDeletes } from './common.js';
import { taskCard } from './card.js';
import { matchesFilters } from './board-filters.js';
import { quickAdd } from './board-new-task.js';
import { installMoves } from './board-moves.js';
import { installDrag } from './board-drag.js';
import { installRoving } from './board-roving.js';
import { installLive } from './board-live.js';
import { t } from '../i18n.js';

const PAGE = 100;

/** The board of project `pid`: {el, tabs, load, poll, add, ...} (see the end). */
export function createBoard(ctx, pid, filters, { movable }) {
  const b = {
    ctx, pid, filters, movable,
    tasks: new Map(), cards: new Map(), pending: new Set(), cols: {},
    watcher: taskWatcher(pid), dragging: null, deferred: [], activeId: null,
    current: sessionStorage.getItem('taskflow.column') || 'todo',
  };
  b.el = h('div', { class: 'board', 'data-testid': 'board', dataset: { current: b.current } });
  b.tabs = h('div', { class: 'column-tabs', role: 'group', 'aria-label': t('Column shown') });
  installColumns(b);
  installMoves(b);
  installDrag(b);
  installRoving(b);
  installLive(b);
  for (const status of STATUSES) buildColumn(b, status);
  wireSwipe(b);
  return {
    el: b.el, tabs: b.tabs, tasks: b.tasks, load: b.load, poll: b.poll, add: b.add, setFilters: b.setFilters,
    showColumn: b.showColumn, focusedId: b.focusedId, moveBy: b.moveBy, assignToMe: b.assignToMe, focusQuickAdd: b.focusQuickAdd,
    /** Tasks matching the filters: the server's totals (every column, loaded or not). */
    total: () => STATUSES.reduce((n, s) => n + Math.max(b.cols[s].total, b.cols[s].list.children.length), 0),
  };
}

function buildColumn(b, status) {
  const count = h('span', { class: 'badge badge-' + status, 'data-testid': 'count-' + status }, '0');
  const list = h('div', { class: 'cards', 'data-testid': 'cards-' + status });
  const placeholder = h('p', { class: 'empty' }, t('No tasks here'));
  const more = h('button', { type: 'button', class: 'btn btn-small load-more', hidden: true, onclick: () => b.loadMore(status) }, t('Show more'));
  const headingId = 'column-' + status + '-title';
  const quick = b.movable ? quickAdd(b, status) : null;
  const col = h('section', { class: 'column', 'data-testid': 'column-' + status, 'aria-labelledby': headingId, dataset: { status } },
    h('h2', { id: headingId }, STATUS_LABELS[status], ' ', count), quick && quick.form, list, placeholder, more);
  const tab = h('button', {
    type: 'button', class: 'btn column-tab', 'aria-pressed': String(status === b.current), dataset: { status },
    'data-testid': 'tab-' + status, onclick: () => b.showColumn(status),
  }, STATUS_LABELS[status], ' ', h('span', { class: 'tab-count' }, '0'));
  b.cols[status] = { col, list, count, placeholder, more, tab, quick, page: 1, total: 0, fetched: 0, loaded: 0 };
  b.wireDrop(status);
  b.el.append(col);
  b.tabs.append(tab);
}

/** A phone: a horizontal swipe shows the next or previous column. */
function wireSwipe(b) {
  let start = null;
  b.el.addEventListener('touchstart', (ev) => { start = ev.touches.length === 1 ? ev.touches[0] : null; }, { passive: true });
  b.el.addEventListener('touchend', (ev) => {
    const end = ev.changedTouches[0];
    if (!start || !end) return;
    const dx = end.clientX - start.clientX;
    if (Math.abs(dx) > 60 && Math.abs(end.clientY - start.clientY) < 40) {
      const i = STATUSES.indexOf(b.current) + (dx < 0 ? 1 : -1);
      if (i >= 0 && i < STATUSES.length) b.showColumn(STATUSES[i]);
    }
    start = null;
  }, { passive: true });
}

function installColumns(b) {
  const { cols, cards, tasks } = b;
  b.showColumn = (status, focusTab) => {
    b.current = status;
    b.el.dataset.current = status;
    sessionStorage.setItem('taskflow.column', status);
    for (const s of STATUSES) cols[s].tab.setAttribute('aria-pressed', String(s === status));
    b.keepRoving();
    if (focusTab) cols[status].tab.focus();
  };
  b.idsIn = (status) => [...cols[status].list.children].map((c) => Number(c.dataset.taskId));

  /** The counts are the server's totals (kept current by moves, adds and live changes), not the cards loaded. */
  b.updateCounts = () => {
    for (const s of STATUSES) {
      const c = cols[s];
      const n = Math.max(c.total, c.list.children.length);
      c.count.textContent = String(n);
      c.tab.querySelector('.tab-count').textContent = String(n);
      c.placeholder.hidden = c.list.children.length > 0;
      const rest = c.fetched - c.loaded;
      c.more.hidden = !(rest > 0);
      c.more.textContent = t('Show {count} more', { count: Math.min(rest, PAGE) });
    }
    b.keepRoving();
  };

  /** One card moved from column `from` to `to` (either may be null: it appeared or went). */
  b.recount = (from, to) => {
    if (from) cols[from].total = Math.max(0, cols[from].total - 1);
    if (to) cols[to].total += 1;
  };

  /** Where a task goes in its column by the server's order: the id of the card it comes before. */
  b.slotFor = (task) => b.idsIn(task.status).find((id) => id !== task.id && columnOrder(task, tasks.get(id)) < 0) ?? null;

  /** (Re)draw a task's card and put it in its column before `beforeId` (null: at the end). */
  b.place = (task, beforeId) => {
    const old = cards.get(task.id);
    const card = taskCard(b.pid, task, { reorder: b.movable, movable: b.movable });
    b.wireCard(card, task.id);
    b.setTabbable(card, task.id === b.activeId);
    if (b.pending.has(task.id)) b.markPending(card, true);
    cards.set(task.id, card);
    const ref = beforeId != null && cards.get(beforeId);
    const list = cols[task.status].list;
    if (ref && ref.parentNode === list) list.insertBefore(card, ref); else list.append(card);
    if (old && old !== card) old.remove();
    return card;
  };
  b.removeCard = (id) => {
    const card = cards.get(id);
    if (card) card.remove();
    cards.delete(id);
  };
  /** Positions follow the order on screen after a local move (the server renumbers the same way). */
  b.renumber = (status) => b.idsIn(status).forEach((id, i) => { tasks.get(id).position = i + 1; });

  const hiddenByDelete = (task) => pendingDeletes.has('task:' + task.id);
  // A live change is filtered here; a list the server filtered is taken as it is (its totals agree with it).
  b.shows = (task) => matchesFilters(task, b.filters) && !hiddenByDelete(task);
  installLoading(b, hiddenByDelete);
}

function installLoading(b, hiddenByDelete) {
  const { cols, cards, tasks } = b;
  const fetchColumn = async (status, page) => {
    const data = await listColumn(b.pid, status, b.filters, page);
    Object.assign(cols[status], { page, total: data.total, fetched: data.total, loaded: (page - 1) * PAGE + (data.tasks || []).length });
    return data;
  };
  const fill = (rows) => {
    for (const task of rows.sort(columnOrder)) {
      tasks.set(task.id, task);
      if (!hiddenByDelete(task)) b.place(task, null);
    }
  };
  b.loadMore = async (status) => {
    const data = await fetchColumn(status, cols[status].page + 1).catch((err) => { toastError(err); return null; });
    if (data) fill(data.tasks || []);
    b.updateCounts();
  };
  /** Load every column afresh (first load, new filters, or too many changes to list). */
  b.load = async () => {
    const focus = b.focusMark();
    const lists = await Promise.all(STATUSES.map((s) => fetchColumn(s, 1)));
    if (!b.ctx.alive()) return;
    tasks.clear();
    for (const id of [...cards.keys()]) b.removeCard(id);
    lists.forEach((data) => fill(data.tasks || []));
    b.updateCounts();
    b.restoreFocus(focus);
    b.watcher.start(lists);
    emit('board:refresh', { projectId: Number(b.pid) });
  };
  /** A task created here: shown at once, no reload. */
  b.add = (task) => {
    tasks.set(task.id, task);
    if (!b.shows(task)) return null;
    const card = b.place(task, b.slotFor(task));
    b.recount(null, task.status);
    b.updateCounts();
    return card;
  };
  b.setFilters = (next) => {
    Object.assign(b.filters, next);
    return b.load();
  };
}
