/* My tasks: what is assigned to me across projects, open ones first, overdue on top; live. */
import { h, badge, mount, STATUSES, STATUS_LABELS } from '../dom.js';
import { route } from '../router.js';
import { myTasks } from '../queries.js';
import { activityWatcher } from '../live.js';
import { announce } from '../toast.js';
import { card, empty } from './common.js';
import { dueBadge, PRIORITY_LABELS } from './card.js';
import { t, tn } from '../i18n.js';
const byUrgency = (a, b) =>
  (a.status === 'done') - (b.status === 'done')
  || (a.due_date || '9999').localeCompare(b.due_date || '9999')
  || a.id - b.id;

function row(task) {
  return h('li', { class: 'my-task', 'data-testid': 'my-task' },
    h('a', { class: 'title', href: `#/projects/${Number(task.project_id)}/tasks/${Number(task.id)}` }, task.title),
    h('span', { class: 'meta' },
      h('span', { class: 'project' }, task.project_name || ''),
      badge(STATUS_LABELS[task.status], task.status), badge(PRIORITY_LABELS[task.priority] || task.priority, task.priority), dueBadge(task)));
}

// The marker is one small request (the newest activity row): often enough to show a new assignment within 5 s.
const POLL_MS = 2500;
const signature = (tasks) => JSON.stringify(tasks.map((task) => [task.id, task.title, task.status, task.priority, task.due_date, task.project_name]));

function listCard(tasks, status) {
  return card(tn(tasks.length, '{n} task assigned to you', '{n} tasks assigned to you'),
    tasks.length ? h('ul', { class: 'my-tasks', 'data-testid': 'my-tasks' }, tasks.map(row))
      : empty(status ? t('Nothing assigned to you in {status}.', { status: STATUS_LABELS[status] }) : t('Nothing assigned to you.')));
}

route(/^my-tasks$/, async (ctx) => {
  ctx.setTitle(t('My tasks'));
  const status = STATUSES.includes(ctx.params.get('status')) ? ctx.params.get('status') : '';
  const load = async () => (await myTasks(status)).sort(byUrgency);
  // Live: the newest activity row the caller can see is the marker of a change (an assignment is one);
  // only then is the list fetched again, and redrawn only when it differs.
  const watcher = activityWatcher();
  const [tasks] = await Promise.all([load(), watcher.start()]);
  let shown = signature(tasks);
  const box = h('div', null, listCard(tasks, status));
  const choose = (s) => h('a', {
    class: 'btn btn-small', href: '#/my-tasks' + (s ? '?status=' + s : ''), 'aria-current': s === status ? 'true' : null,
  }, s ? STATUS_LABELS[s] : t('All'));
  ctx.mount(h('nav', { class: 'row filters-line', 'aria-label': t('Status of my tasks') }, ['', ...STATUSES].map(choose)), box);
  ctx.poll(async () => {
    if (!(await watcher.poll())) return;
    const fresh = await load();
    if (!ctx.alive() || signature(fresh) === shown) return;
    const had = box.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    shown = signature(fresh);
    mount(box, listCard(fresh, status));
    const again = had && box.querySelector(`a[href="${CSS.escape(had)}"]`);
    if (again) again.focus();
    announce(t('My tasks updated: {length} assigned to you.', { length: fresh.length }));
  }, POLL_MS);
}, { title: t('My tasks') });
