/* My tasks: what is assigned to me across projects, open ones first, overdue on top. */
import { h, badge, STATUSES, STATUS_LABELS } from '../dom.js';
import { session } from '../api.js';
import { route } from '../router.js';
import { myTasks } from '../contract.js';
import { card, empty } from './common.js';
import { dueBadge, PRIORITY_LABELS } from './card.js';

const byUrgency = (a, b) =>
  (a.status === 'done') - (b.status === 'done')
  || (a.due_date || '9999').localeCompare(b.due_date || '9999')
  || a.id - b.id;

function row(t) {
  return h('li', { class: 'my-task', 'data-testid': 'my-task' },
    h('a', { class: 'title', href: `#/projects/${Number(t.project_id)}/tasks/${Number(t.id)}` }, t.title),
    h('span', { class: 'meta' },
      h('span', { class: 'project' }, t.project_name || ''),
      badge(STATUS_LABELS[t.status], t.status), badge(PRIORITY_LABELS[t.priority] || t.priority, t.priority), dueBadge(t)));
}

route(/^my-tasks$/, async (ctx) => {
  ctx.setTitle('My tasks');
  const status = STATUSES.includes(ctx.params.get('status')) ? ctx.params.get('status') : '';
  const tasks = (await myTasks(session.user, status)).sort(byUrgency);
  const choose = (s) => h('a', {
    class: 'btn btn-small', href: '#/my-tasks' + (s ? '?status=' + s : ''), 'aria-current': s === status ? 'true' : null,
  }, s ? STATUS_LABELS[s] : 'All');
  ctx.mount(
    h('nav', { class: 'row filters-line', 'aria-label': 'Status of my tasks' }, ['', ...STATUSES].map(choose)),
    card(`${tasks.length} task${tasks.length === 1 ? '' : 's'} assigned to you`,
      tasks.length ? h('ul', { class: 'my-tasks', 'data-testid': 'my-tasks' }, tasks.map(row))
        : empty('Nothing assigned to you' + (status ? ' in ' + STATUS_LABELS[status] : '') + '.')));
}, { title: 'My tasks' });
